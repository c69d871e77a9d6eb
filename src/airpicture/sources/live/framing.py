"""Bytes from a socket into the file readers' :class:`Chunk`, through the file readers' own framing.

One framer per connection, fed each read as it arrives. Beast goes through :class:`beast.BeastParser` and
:func:`beast.frames_chunk`; raw hex lines and SBS through :class:`streams.LineFramer` and the readers'
``block_chunk``: the same code the file readers run, so a socket carrying a recording's bytes yields the
same rows as ``airpicture ingest`` of that recording given the same start time.

Time: a receiver's 12 MHz counter is anchored on the receipt time of the first frame of the connection
(``receiver_clock_anchored``); a GPS (1 GHz) clock takes its UTC date from it; ``*`` hex lines (no time)
are stamped with their receipt time. SBS carries UTC times of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from airpicture.sources.adsb import beast, hexlines, sbs
from airpicture.sources.adsb._common import BeastClock, Chunk, OrderCheck
from airpicture.sources.adsb.clock import CounterClock, datetime_us
from airpicture.sources.adsb.streams import DEFAULT_LIMITS, Limits, LineBlock, LineFramer
from airpicture.sources.live.spec import FeedKind


class StreamFramer(Protocol):
    """Turns one connection's bytes into chunks."""

    def feed(self, data: bytes, received_at: datetime) -> Chunk | None:
        """The records completed by ``data``; None when it completes none."""
        ...

    def finish(self, received_at: datetime) -> Chunk | None:
        """What is left at the end of the connection (a cut record becomes a ``truncated`` reject)."""
        ...


@dataclass(slots=True)
class BeastFramer:
    clock_kind: BeastClock = BeastClock.MHZ12
    start: datetime | None = None
    """UTC time of the first frame; None: its receipt time."""
    max_reorder_s: float = 5.0
    parser: beast.BeastParser = field(default_factory=beast.BeastParser)
    offset: int = 0
    heartbeats: int = 0
    receiver_ids: list[tuple[int, int]] = field(default_factory=list)
    """Byte ranges of 0xE3 receiver-id records since the last :meth:`take_receiver_ids`."""
    _clock: CounterClock | None = None
    _order: OrderCheck | None = None

    def feed(self, data: bytes, received_at: datetime) -> Chunk | None:
        return self._chunk(data, received_at, last=False)

    def finish(self, received_at: datetime) -> Chunk | None:
        return self._chunk(b"", received_at, last=True)

    def take_receiver_ids(self) -> list[tuple[int, int]]:
        found, self.receiver_ids = self.receiver_ids, []
        return found

    @property
    def parsed_upto(self) -> int:
        return self.parser.parsed_upto if self.parser._carry else self.offset

    def _chunk(self, data: bytes, received_at: datetime, last: bool) -> Chunk | None:
        parsed = self.parser.feed(data, self.offset, last=last)
        self.offset += len(data)
        self.heartbeats += parsed.heartbeats
        self.receiver_ids.extend(parsed.receiver_ids)
        if not parsed.n_records and not parsed.bad_at:
            return None
        notes: tuple[str, ...] = ()
        if self._clock is None:
            anchor = self.start or received_at
            self._clock = CounterClock(self.clock_kind, anchor, anchor, None, "the first frame's receipt time")
            self._order = OrderCheck(int(self.max_reorder_s * 1e6))
            notes = (self._clock.note(),)
        assert self._order is not None
        chunk = beast.frames_chunk(parsed, self._clock, self._order, notes)
        return Chunk(chunk.read, chunk.frames, None, chunk.rejects, chunk.notes, self._clock.basis)


@dataclass(slots=True)
class HexLineFramer:
    clock_kind: BeastClock = BeastClock.MHZ12
    start: datetime | None = None
    max_reorder_s: float = 5.0
    limits: Limits = DEFAULT_LIMITS
    lines: LineFramer = field(default_factory=LineFramer)
    _clock: CounterClock | None = None
    _order: OrderCheck | None = None

    def feed(self, data: bytes, received_at: datetime) -> Chunk | None:
        block = self.lines.feed(data)
        return None if block is None else self._chunk(block, received_at)

    def finish(self, received_at: datetime) -> Chunk | None:
        block = self.lines.finish()
        return None if block is None else self._chunk(block, received_at)

    def _chunk(self, block: LineBlock, received_at: datetime) -> Chunk:
        first = self._clock is None
        if self._clock is None:
            anchor = self.start or received_at
            self._clock = CounterClock(self.clock_kind, anchor, anchor, None, "the first frame's receipt time")
            self._order = OrderCheck(int(self.max_reorder_s * 1e6))
        assert self._order is not None
        chunk, _ = hexlines.block_chunk(
            block,
            self._clock,
            self._order,
            self.limits,
            first=first,
            untimed_us=datetime_us(received_at),
        )
        return chunk


@dataclass(slots=True)
class SbsFramer:
    stream_id: str
    limits: Limits = DEFAULT_LIMITS
    lines: LineFramer = field(default_factory=LineFramer)
    skipped: int = 0

    def feed(self, data: bytes, received_at: datetime) -> Chunk | None:
        block = self.lines.feed(data)
        if block is None:
            return None
        chunk, skipped = sbs.block_chunk(block, self.stream_id, self.limits)
        self.skipped += skipped
        return chunk

    def finish(self, received_at: datetime) -> Chunk | None:
        block = self.lines.finish()
        if block is None:
            return None
        chunk, skipped = sbs.block_chunk(block, self.stream_id, self.limits)
        self.skipped += skipped
        return chunk


def framer_for(
    kind: FeedKind,
    stream_id: str,
    clock_kind: BeastClock = BeastClock.MHZ12,
    start: datetime | None = None,
    max_reorder_s: float = 5.0,
) -> StreamFramer:
    """A fresh framer for one connection of a socket feed of ``kind``."""
    if kind is FeedKind.BEAST:
        return BeastFramer(clock_kind, start, max_reorder_s)
    if kind is FeedKind.RAW:
        return HexLineFramer(clock_kind, start, max_reorder_s)
    if kind is FeedKind.SBS:
        return SbsFramer(stream_id)
    raise ValueError(f"{kind} is not a socket feed")
