"""What a feed hands the live driver: :class:`FeedBatch`; and how it is doing: :class:`FeedCounters`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from airpicture.sources.adsb._common import ArrowColumn, Chunk


@dataclass(frozen=True, slots=True)
class FeedBatch:
    """One bounded batch from one feed, in the file readers' own :class:`Chunk` type.

    Provenance: ``stream_id`` plays the part of ingest's ``file_id`` and the chunk's ``source_offset`` is
    the same kind of offset the file reader of that format gives (Beast: byte offset of the record's
    ``0x1A`` in the stream; raw and SBS: 1-based line number). For a socket the stream is one connection,
    archived byte for byte (``archive.py``); for ``replay:`` it is the recording, and ``stream_id`` is its
    content hash exactly as ingest computes it.
    """

    feed: str
    """The feed's label (``FeedSpec.label``): its kind and a hash of its URL."""
    receiver: str | None
    """The receiver's keyed pseudonym, or None when the feed names no receiver."""
    stream_id: str
    chunk: Chunk
    received_at: datetime
    """When the last byte of this batch was read (tz-aware UTC, from the injected clock)."""
    receivers: ArrowColumn | None = None
    """After :func:`merge_batches`: per frame of ``chunk.frames``, the sorted list of receiver pseudonyms
    that heard it (``list<string>``). None before merging."""

    @property
    def n_frames(self) -> int:
        return self.chunk.frames.num_rows if self.chunk.frames is not None else 0

    @property
    def n_positions(self) -> int:
        return self.chunk.positions.num_rows if self.chunk.positions is not None else 0


@dataclass(frozen=True, slots=True)
class FeedCounters:
    """A snapshot of one feed's counters, small and frozen, for the driver to store and show."""

    feed: str
    receiver: str | None
    connected: bool
    frames: int
    """Frames (or positions, for SBS and aircraft.json) handed on since the feed started."""
    frames_per_s: float
    """Frames per second over the last few seconds (exponentially weighted)."""
    bytes: int
    aircraft_seen: int
    """Distinct ICAO addresses among the DF11/17/18 frames (or positions) handed on."""
    lag_s: float | None
    """Receipt time minus the latest frame time handed on (None before a frame)."""
    drops: int
    """Batches dropped (oldest first) because the consumer fell behind."""
    dropped_frames: int
    reconnects: int
    garbage_bytes: int
    """Bytes that were no record (Beast framing rejects) or lines that were no message."""
    rejects: int
    last_frame_at: datetime | None
    """Receipt time of the latest batch holding a frame."""
    last_error: str | None
    """The latest connection error, one line (no address)."""
    ended: bool = False
    """The feed has ended for good (a replay reached the end of its recording)."""


@dataclass(slots=True)
class FeedStats:
    """Mutable counters one feed updates; :meth:`snapshot` gives the frozen :class:`FeedCounters`."""

    feed: str
    receiver: str | None = None
    connected: bool = False
    frames: int = 0
    bytes: int = 0
    drops: int = 0
    dropped_frames: int = 0
    reconnects: int = 0
    connections: int = 0
    not_modified: int = 0
    heartbeats: int = 0
    """Beast heartbeat records received (keep-alives: not frames, not garbage)."""
    """aircraft.json polls answered ``304 Not Modified``."""
    garbage_bytes: int = 0
    rejects: int = 0
    lag_s: float | None = None
    last_frame_at: datetime | None = None
    last_error: str | None = None
    ended: bool = False
    backoffs_s: list[float] = field(default_factory=list)
    """Every reconnect delay chosen, in order (the last 64): what a reconnect storm would show."""
    _rate: float = 0.0
    _rate_at: datetime | None = None
    _addresses: set[int | str] = field(default_factory=set)

    def count_batch(self, batch: FeedBatch) -> None:
        chunk = batch.chunk
        n = batch.n_frames + batch.n_positions
        self.frames += n
        self.rejects += chunk.rejects.num_rows
        if chunk.rejects.num_rows:
            reasons = chunk.rejects.column("reason").to_pylist()
            details = chunk.rejects.column("detail").to_pylist()
            for reason, detail in zip(reasons, details, strict=True):
                if reason == "framing":
                    head = str(detail).split(" ", 1)[0]
                    self.garbage_bytes += int(head) if head.isdigit() else 1
        latest_us: int | None = None
        if chunk.frames is not None and chunk.frames.num_rows:
            self._addresses.update(_addresses(chunk.frames.column("frame")))
            latest_us = int(np.max(chunk.frames.column("ts").cast(pa.int64()).to_numpy()))
        if chunk.positions is not None and chunk.positions.num_rows:
            self._addresses.update(int(a, 16) for a in chunk.positions.column("icao24").unique().to_pylist() if a)
            latest_us = int(np.max(chunk.positions.column("ts").cast(pa.int64()).to_numpy()))
        if n:
            self.last_frame_at = batch.received_at
            if latest_us is not None:
                self.lag_s = batch.received_at.timestamp() - latest_us / 1e6
        if self._rate_at is not None:
            dt = (batch.received_at - self._rate_at).total_seconds()
            if dt > 0:
                weight = min(1.0, dt / 5.0)
                self._rate = (1 - weight) * self._rate + weight * (n / dt)
                self._rate_at = batch.received_at
        else:
            self._rate_at = batch.received_at

    def count_drop(self, batch: FeedBatch) -> None:
        self.drops += 1
        self.dropped_frames += batch.n_frames + batch.n_positions

    def snapshot(self) -> FeedCounters:
        return FeedCounters(
            feed=self.feed,
            receiver=self.receiver,
            connected=self.connected,
            frames=self.frames,
            frames_per_s=round(self._rate, 1),
            bytes=self.bytes,
            aircraft_seen=len(self._addresses),
            lag_s=self.lag_s,
            drops=self.drops,
            dropped_frames=self.dropped_frames,
            reconnects=self.reconnects,
            garbage_bytes=self.garbage_bytes,
            rejects=self.rejects,
            last_frame_at=self.last_frame_at,
            last_error=self.last_error,
            ended=self.ended,
        )


def _addresses(frames: ArrowColumn) -> set[int]:
    """ICAO addresses of the DF11/17/18 frames (the address in clear; other formats hide it in the parity),
    vectorised over the binary buffers."""
    found: set[int] = set()
    for arr in frames.chunks:
        if not len(arr):
            continue
        offsets_buf: Any
        data_buf: Any
        _, offsets_buf, data_buf = arr.buffers()
        if data_buf is None:
            continue
        offsets = np.frombuffer(offsets_buf, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
        data = np.frombuffer(data_buf, dtype=np.uint8)
        starts = offsets[:-1]
        long_enough = (offsets[1:] - starts) >= 4
        starts = starts[long_enough]
        df = data[starts] >> 3
        starts = starts[(df == 11) | (df == 17) | (df == 18)]
        if not len(starts):
            continue
        address = (
            (data[starts + 1].astype(np.uint32) << 16) | (data[starts + 2].astype(np.uint32) << 8) | data[starts + 3]
        )
        found.update(np.unique(address).tolist())
    return found
