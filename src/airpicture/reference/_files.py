"""Where the shipped data lives inside the package (read through importlib.resources, never /work or cwd)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def data_file(*parts: str) -> Traversable:
    """A file under ``airpicture/reference/data``."""
    node = resources.files("airpicture.reference").joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node
