"""Cutting one receiver's recording into several files, as hourly dumps or daily rotations do.

A Beast file is cut at record boundaries (found with the real parser). A 12 MHz Beast counter is anchored by
a ``<file>.start`` sidecar (the time of the first frame), else on the file's modification time as the time of
its last frame (docs/ingest.md): each part gets a sidecar with the time of its own first frame when the source
has one, and the modification time of its own last frame, so the parts ingest to exactly the UTC times of the
whole file.
"""

from __future__ import annotations

import gzip
import itertools
import os
from datetime import UTC, timedelta
from pathlib import Path

from airpicture.simulate.frames import beast_receiver_id
from airpicture.sources.adsb.beast import RECEIVER_ID, BeastParser
from airpicture.sources.adsb.sidecar import read_sidecar, sidecar_path

TICKS_PER_S = 12_000_000


def beast_records(data: bytes) -> tuple[list[int], list[int]]:
    """Byte offsets and 12 MHz counters of the frame records of a Beast stream."""
    parsed = BeastParser().feed(data, 0, last=True)
    return parsed.offsets, [int.from_bytes(s, "big") for s in parsed.stamps]


def strip_receiver_id(data: bytes) -> bytes:
    """The stream without a leading receiver-id record (type 0xE3): a dump of a feeder that sends none."""
    offsets, _ = beast_records(data)
    return data[offsets[0] :] if data[1] == RECEIVER_ID else data


def split_beast(source: Path, out: list[Path], *, receiver_id: bytes | None) -> None:
    """Cut ``source`` into ``len(out)`` parts of about equal frame counts. Each part starts with the
    receiver-id record ``receiver_id`` (None: none) and carries the modification time of its last frame."""
    data = strip_receiver_id(source.read_bytes())
    offsets, counters = beast_records(data)
    last_s = os.stat(source).st_mtime
    n = len(offsets)
    bounds = [round(i * n / len(out)) for i in range(len(out) + 1)]
    header = beast_receiver_id(receiver_id) if receiver_id is not None else b""
    start = read_sidecar(source)
    epoch = start - timedelta(microseconds=counters[0] // 12) if start is not None else None
    for part, (lo, hi) in zip(out, itertools.pairwise(bounds), strict=True):
        end = offsets[hi] if hi < n else len(data)
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(header + data[offsets[lo] : end])
        mtime = last_s - (counters[-1] - counters[hi - 1]) / TICKS_PER_S
        os.utime(part, (mtime, mtime))
        if epoch is not None:
            first = epoch + timedelta(microseconds=counters[lo] // 12)
            sidecar_path(part).write_text(first.astimezone(UTC).isoformat().replace("+00:00", "Z") + "\n")


def split_jsonl(source: Path, out: list[Path]) -> None:
    """Cut a gzip JSON-lines recording into ``len(out)`` parts of about equal line counts (plain text)."""
    lines = gzip.decompress(source.read_bytes()).splitlines(keepends=True)
    bounds = [round(i * len(lines) / len(out)) for i in range(len(out) + 1)]
    for part, (lo, hi) in zip(out, itertools.pairwise(bounds), strict=True):
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"".join(lines[lo:hi]))
