"""The ICAO NOTAM Code tables (Q-codes), shipped as data in ``qcode_data/`` (see its SOURCE.txt).

Loaded on first use and cached; nothing is read at import time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class QCodeMeaning:
    """The plain-language meaning of a Q-code: subject, condition and their groups."""

    code: str
    subject: str
    condition: str
    subject_group: str
    condition_group: str

    @property
    def text(self) -> str:
        return f"{self.subject}: {self.condition.lower()}"


@cache
def _table(name: str) -> dict[str, Any]:
    raw = resources.files("airpicture.decode.notam").joinpath("qcode_data", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def subjects() -> dict[str, str]:
    """Subject code (2 letters) → meaning."""
    codes: dict[str, str] = _table("subject_codes.json")["codes"]
    return codes


def conditions() -> dict[str, str]:
    """Condition code (2 letters) → meaning."""
    codes: dict[str, str] = _table("condition_codes.json")["codes"]
    return codes


def field_meanings(field: str) -> dict[str, str]:
    """``traffic``, ``purpose`` or ``scope`` letters → meaning."""
    codes: dict[str, str] = _table(f"{field}.json")["codes"]
    return codes


def decode_qcode(subject: str, condition: str) -> QCodeMeaning:
    """Plain-language meaning; unknown codes say so instead of failing."""
    groups = _table("groups.json")
    if subject == "KK" and condition == "KK":
        return QCodeMeaning("QKKKK", "Checklist", "Checklist", "Checklist", "Checklist")
    return QCodeMeaning(
        code=f"Q{subject}{condition}",
        subject=subjects().get(subject, f"unknown subject {subject}"),
        condition=conditions().get(condition, f"unknown condition {condition}"),
        subject_group=groups["subject_groups"].get(subject[:1], "unknown"),
        condition_group=groups["condition_groups"].get(condition[:1], "unknown"),
    )
