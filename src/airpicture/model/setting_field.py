"""``setting()``: a settings dataclass field with its default and its help text (``model/settings.py``)."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, help: str) -> Any:
    """A settings field with its default and the help text that ``docs/settings.md`` must carry."""
    if isinstance(default, list | dict | set):
        raise TypeError("settings defaults must be immutable (use a tuple)")
    return field(default=default, metadata={"help": help})
