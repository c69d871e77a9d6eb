"""The raw bytes of every live connection, kept so each frame's ``(stream_id, source_offset)`` cites bytes
that exist on disk.

Layout, one folder per receiver pseudonym (``unnamed`` when the feed names none; the name in clear is never
written)::

    <archive_dir>/<receiver pseudonym>/<stream_id>/stream.json
    <archive_dir>/<receiver pseudonym>/<stream_id>/<first byte offset:014d>-L<first line:010d>.zst

A stream is one connection. Its bytes are cut into segments of at most ``segment_bytes`` (default 4 MiB)
or ``segment_s`` seconds of receipt (default 60 s), each compressed with zstd and written whole (to a
``.tmp`` name, then renamed): a segment on disk is always complete. A ``kill -9`` loses at most the bytes of
the segment being filled, that is at most ``segment_s`` of receipt. A segment's name gives the stream offset
of its first byte and the 1-based number of the line that byte belongs to, so a Beast byte offset or a
raw/SBS line number can be found without reading earlier segments. ``stream.json`` holds the feed kind and
label, the receipt time of the stream's first byte and the timestamp clock: no host, port or address.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa

UNNAMED = "unnamed"
SEGMENT_BYTES = 4 << 20
SEGMENT_S = 60.0


@dataclass(slots=True)
class StreamArchive:
    """Appends one stream's bytes to rotating compressed segments."""

    folder: Path
    segment_bytes: int = SEGMENT_BYTES
    segment_s: float = SEGMENT_S
    offset: int = 0
    """Bytes of the stream archived or pending so far."""
    lines: int = 0
    """Newlines among them."""
    segments: int = 0
    _pending: bytearray = field(default_factory=bytearray)
    _pending_bytes: int = 0
    _pending_from: int = 0
    _pending_line: int = 1
    _opened_at: datetime | None = None

    @classmethod
    def open(
        cls,
        archive_dir: Path,
        receiver: str | None,
        stream_id: str,
        manifest: dict[str, object],
        segment_bytes: int = SEGMENT_BYTES,
        segment_s: float = SEGMENT_S,
    ) -> StreamArchive:
        folder = archive_dir / (receiver or UNNAMED) / stream_id
        folder.mkdir(parents=True, exist_ok=True)
        _write_whole(folder / "stream.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        return cls(folder, segment_bytes, segment_s)

    def append(self, data: bytes, received_at: datetime) -> None:
        """Hold ``data`` for the segment being filled (written by :meth:`flush_if_due` or :meth:`flush`)."""
        if not data:
            return
        if not self._pending:
            self._opened_at = received_at
            self._pending_from = self.offset
            self._pending_line = self.lines + 1
        self._pending += data
        self._pending_bytes += len(data)
        self.offset += len(data)
        self.lines += data.count(b"\n")

    def redact_receiver_id(self, start: int, end: int) -> None:
        """Zero the id bytes of the 0xE3 record at stream offsets ``[start, end)`` (a readsb receiver id can
        name a volunteer's receiver, docs/source-protection.md). Escaped ``1A 1A`` pairs stay, so every
        offset and the framing of the stream are unchanged; the record then names no receiver."""
        lo = max(start + 2, self._pending_from) - self._pending_from
        hi = min(end, self.offset) - self._pending_from
        for k in range(max(lo, 0), hi):
            if self._pending[k] != 0x1A:
                self._pending[k] = 0

    def flush_if_due(self, received_at: datetime, upto: int) -> None:
        """Write a segment when the pending bytes are due (size or age), up to stream offset ``upto`` (the
        start of a record not yet parsed, so a receiver id is never written before it is redacted)."""
        if self._opened_at is None:
            return
        due = self._pending_bytes >= self.segment_bytes
        due = due or (received_at - self._opened_at).total_seconds() >= self.segment_s
        if due:
            self.flush(upto, received_at)

    def flush(self, upto: int | None = None, received_at: datetime | None = None) -> None:
        """Write the pending bytes (those before stream offset ``upto``) as one whole segment."""
        if not self._pending:
            return
        cut = len(self._pending) if upto is None else max(0, min(len(self._pending), upto - self._pending_from))
        if cut == 0:
            return
        data = bytes(self._pending[:cut])
        name = f"{self._pending_from:014d}-L{self._pending_line:010d}.zst"
        compressed = pa.compress(data, codec="zstd", asbytes=True)
        _write_whole(self.folder / name, compressed)
        self.segments += 1
        rest = self._pending[cut:]
        self._pending_line += data.count(b"\n")
        self._pending_from += cut
        self._pending, self._pending_bytes = bytearray(rest), len(rest)
        self._opened_at = received_at if rest else None


def _write_whole(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def read_stream(folder: Path) -> bytes:
    """All archived bytes of one stream, in order (for tests and ``explain``-style look-ups)."""
    parts = []
    expected = 0
    for segment in sorted(folder.glob("*.zst")):
        start = int(segment.name.split("-", 1)[0])
        if start != expected:
            raise ValueError(f"{segment}: starts at byte {start:,}, expected {expected:,} (a segment is missing)")
        raw = segment.read_bytes()
        data = _decompress(raw)
        parts.append(data)
        expected += len(data)
    return b"".join(parts)


def _decompress(raw: bytes) -> bytes:
    data: bytes = pa.input_stream(pa.py_buffer(raw), compression="zstd").read()
    return data
