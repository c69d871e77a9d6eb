"""Helpers for reader tests: open a real fixture (or bytes written to a temp file) and read it whole."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from airpicture.sources.adsb import FORMATS, AdsbFormat, ReadOptions, detect_format, open_input
from tests.conftest import TEST_DATA

ADSB = TEST_DATA / "adsb"


def read_all(path: Path, fmt: AdsbFormat | None = None, options: ReadOptions | None = None) -> dict[str, object]:
    source, head = open_input(path)
    spec = FORMATS[fmt] if fmt else detect_format(source, head)
    chunks = list(spec.read(source, options or ReadOptions()))
    frames = [c.frames for c in chunks if c.frames is not None]
    positions = [c.positions for c in chunks if c.positions is not None]
    rejects = pa.concat_tables([c.rejects for c in chunks])
    return {
        "format": spec.format,
        "read": sum(c.read for c in chunks),
        "frames": pa.concat_tables(frames) if frames else None,
        "positions": pa.concat_tables(positions) if positions else None,
        "rejects": rejects,
        "notes": [n for c in chunks for n in c.notes],
        "file_id": source.file_id,
    }


def reasons(result: dict[str, object]) -> dict[str, int]:
    rejects = result["rejects"]
    assert isinstance(rejects, pa.Table)
    out: dict[str, int] = {}
    for reason in rejects["reason"].to_pylist():
        out[reason] = out.get(reason, 0) + 1
    return out
