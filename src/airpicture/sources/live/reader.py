"""``run_feed``: one feed, read until ``stop``, batches out; never blocked by its consumer.

Each feed has its own bounded hand-off (``queue`` option, default 256 batches). The socket is read as fast as
bytes come; a batch that finds the hand-off full pushes out the *oldest* batch, which is counted
(``FeedCounters.drops`` / ``dropped_frames``) and never silently lost: its bytes stay in the archive. A
forwarding task moves batches from the hand-off to ``out`` (an ``asyncio.Queue``, awaited, or a callable).

Connections: TCP keepalive on, an idle timeout (``idle_s``, default 60 s without a byte: the connection is
taken as half-open and dropped), and reconnects with jittered exponential backoff (``backoff_s`` 0.5 s
doubling to ``backoff_max_s`` 30 s, each delay drawn uniformly from its upper half). The backoff returns to
its start only after a connection has delivered a valid frame, so a server that accepts and closes at once
is retried ever more slowly, never in a storm. Errors are kept as one line without the address.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import random
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from airpicture.model.clock import Clock
from airpicture.sources.adsb._common import BeastClock, Chunk, ReadOptions
from airpicture.sources.live.archive import StreamArchive
from airpicture.sources.live.batch import FeedBatch, FeedStats
from airpicture.sources.live.framing import BeastFramer, framer_for
from airpicture.sources.live.spec import FeedKind, FeedSpec

Sink = asyncio.Queue[FeedBatch] | Callable[[FeedBatch], object]
"""Where batches go: a queue (``await put``) or a callable (its result awaited when it is awaitable)."""

READ_BYTES = 1 << 16


@dataclass(slots=True)
class Backoff:
    """Jittered exponential reconnect delays; :meth:`reset` after a connection delivered a valid frame."""

    base_s: float = 0.5
    max_s: float = 30.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    _failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.max_s, self.base_s * (2.0**self._failures))
        self._failures += 1
        return ceiling * (0.5 + 0.5 * self.rng.random())

    def reset(self) -> None:
        self._failures = 0


@dataclass(slots=True)
class _Handoff:
    """The bounded hand-off between the reader and ``out``: oldest dropped first, every drop counted."""

    stats: FeedStats
    capacity: int
    items: deque[FeedBatch] = field(default_factory=deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def push(self, batch: FeedBatch) -> None:
        self.stats.count_batch(batch)
        if len(self.items) >= self.capacity:
            self.stats.count_drop(self.items.popleft())
        self.items.append(batch)
        self.ready.set()

    async def forward(self, out: Sink) -> None:
        while True:
            while self.items:
                batch = self.items.popleft()
                if isinstance(out, asyncio.Queue) and self.closed:
                    try:  # stopping: a consumer that has stopped too must not hold the feed open
                        out.put_nowait(batch)
                    except asyncio.QueueFull:
                        self.stats.count_drop(batch)
                elif isinstance(out, asyncio.Queue):
                    await out.put(batch)
                else:
                    result = out(batch)
                    if inspect.isawaitable(result):
                        await result
            if self.closed:
                return
            self.ready.clear()
            await self.ready.wait()


async def run_feed(
    spec: FeedSpec,
    out: Sink,
    *,
    clock: Clock,
    archive_dir: Path,
    stop: asyncio.Event,
    receiver: str | None = None,
    pseudonymise: Callable[[str], str] | None = None,
    stats: FeedStats | None = None,
    read_options: ReadOptions | None = None,
    start: datetime | None = None,
    rng: random.Random | None = None,
) -> None:
    """Read ``spec`` until ``stop`` is set (or a replay ends), handing :class:`FeedBatch` es to ``out``.

    ``receiver``: the keyed pseudonym of ``spec.receiver`` (the caller makes it, as ingest does; the name in
    clear never reaches here). ``pseudonymise`` turns a Beast 0xE3 receiver id into its pseudonym; without
    it the ids are dropped from the frames. ``stats`` receives the counters (pass one to read them while
    the feed runs). ``read_options`` and ``start``: for ``replay:``, the options ingest would use (start
    time, clock); for sockets, ``start`` anchors the receiver clock instead of the first receipt time (tests).
    Returns after ``stop`` once every batch read has been handed to ``out``; never raises for a feed error.
    """
    stats = stats if stats is not None else FeedStats(spec.label)
    stats.feed, stats.receiver = spec.label, receiver
    handoff = _Handoff(stats, max(1, int(spec.option("queue", 256))))
    forwarder = asyncio.create_task(handoff.forward(out))

    def emit(stream_id: str, chunk: Chunk | None, received_at: datetime) -> None:
        if chunk is None:
            return
        chunk = _pseudonymised(chunk, pseudonymise)
        handoff.push(FeedBatch(spec.label, receiver, stream_id, chunk, received_at))

    if spec.kind is FeedKind.REPLAY:
        from airpicture.sources.live.replay import replay_feed

        work: Awaitable[None] = replay_feed(spec, emit, clock=clock, stop=stop, stats=stats, options=read_options)
    elif spec.kind is FeedKind.AIRCRAFT_JSON:
        from airpicture.sources.live.poll import poll_feed

        work = poll_feed(spec, emit, clock=clock, archive_dir=archive_dir, stop=stop, stats=stats, receiver=receiver)
    else:
        work = _socket_feed(spec, emit, clock, archive_dir, stop, stats, receiver, start, rng or random.Random())
    main = asyncio.ensure_future(work)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not main.done():
            main.cancel()
        try:
            await main
        except asyncio.CancelledError:
            pass
        except Exception as exc:
            stats.last_error = f"{type(exc).__name__}: {_one_line(exc)}"
        stopper.cancel()
        handoff.closed = True
        handoff.ready.set()
        await forwarder


def _pseudonymised(chunk: Chunk, pseudonymise: Callable[[str], str] | None) -> Chunk:
    frames = chunk.frames
    if frames is None or frames.num_rows == 0 or frames.column("receiver").null_count == frames.num_rows:
        return chunk
    column = frames.column("receiver")
    if pseudonymise is None:
        mapped = pa.nulls(frames.num_rows, pa.string())
    else:
        names = column.unique().drop_null().to_pylist()
        mapping = {str(name): pseudonymise(str(name)) for name in names}
        keys = pa.array(list(mapping), pa.string())
        values = pa.array(list(mapping.values()), pa.string())
        mapped = pc.take(values, pc.index_in(column, value_set=keys))
    index = frames.schema.get_field_index("receiver")
    return replace(chunk, frames=frames.set_column(index, "receiver", mapped))


def _one_line(exc: BaseException) -> str:
    """An error without the peer's address: the strerror when there is one, else the type's message."""
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)  # asyncio's own strerror holds the peer's address
    if isinstance(exc, OSError):
        return type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def stream_id_for(label: str, receiver: str | None, connected_at: datetime, connection: int) -> str:
    """A socket stream's id: SHA-256 hex of the feed label, receiver pseudonym, connection time and number."""
    text = f"airpicture live stream\0{label}\0{receiver or ''}\0{connected_at.isoformat()}\0{connection}"
    return hashlib.sha256(text.encode()).hexdigest()


def _keepalive(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


async def _pause(seconds: float, stop: asyncio.Event) -> None:
    """Sleep ``seconds`` or until ``stop``."""
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        pass


async def _socket_feed(
    spec: FeedSpec,
    emit: Callable[[str, Chunk | None, datetime], None],
    clock: Clock,
    archive_dir: Path,
    stop: asyncio.Event,
    stats: FeedStats,
    receiver: str | None,
    start: datetime | None,
    rng: random.Random,
) -> None:
    assert spec.host is not None and spec.port is not None
    idle_s = spec.option("idle_s", 60.0)
    backoff = Backoff(spec.option("backoff_s", 0.5), spec.option("backoff_max_s", 30.0), rng)
    clock_kind = BeastClock(spec.text_option("clock", BeastClock.MHZ12.value))
    while not stop.is_set():
        try:
            async with asyncio.timeout(idle_s):
                reader, writer = await asyncio.open_connection(spec.host, spec.port, limit=4 * READ_BYTES)
        except (OSError, TimeoutError) as exc:
            stats.last_error = f"connect: {_one_line(exc)}"
            await _pause(_record(stats, backoff.next_delay()), stop)
            continue
        stats.connections += 1
        if stats.connections > 1:
            stats.reconnects += 1
        stats.connected = True
        _keepalive(writer)
        connected_at = clock.now()
        stream_id = stream_id_for(spec.label, receiver, connected_at, stats.connections)
        archive = StreamArchive.open(
            archive_dir,
            receiver,
            stream_id,
            {
                "feed": spec.label,
                "kind": spec.kind.value,
                "clock": clock_kind.value,
                "connected_at": connected_at.isoformat(),
                "offsets": "byte offset of the record's 0x1A" if spec.kind is FeedKind.BEAST else "1-based line",
            },
        )
        framer = framer_for(spec.kind, stream_id, clock_kind, start)
        heartbeats_before = stats.heartbeats
        try:
            while True:
                async with asyncio.timeout(idle_s):
                    data = await reader.read(READ_BYTES)
                received_at = clock.now()
                if not data:
                    stats.last_error = "closed by the server"
                    break
                stats.bytes += len(data)
                archive.append(data, received_at)
                chunk = framer.feed(data, received_at)
                upto = archive.offset
                if isinstance(framer, BeastFramer):
                    stats.heartbeats = heartbeats_before + framer.heartbeats
                    for start_at, end_at in framer.take_receiver_ids():
                        archive.redact_receiver_id(start_at, end_at)
                    upto = framer.parsed_upto
                archive.flush_if_due(received_at, upto)
                if chunk is not None:
                    if _has_rows(chunk):
                        backoff.reset()
                    emit(stream_id, chunk, received_at)
        except TimeoutError:
            stats.last_error = f"no byte for {idle_s:g} s: connection dropped as dead"
        except OSError as exc:
            stats.last_error = _one_line(exc)
        finally:
            stats.connected = False
            emit(stream_id, framer.finish(clock.now()), clock.now())
            if isinstance(framer, BeastFramer):
                for start_at, end_at in framer.take_receiver_ids():
                    archive.redact_receiver_id(start_at, end_at)
            archive.flush()
            writer.close()
        if not stop.is_set():
            await _pause(_record(stats, backoff.next_delay()), stop)


def _record(stats: FeedStats, delay_s: float) -> float:
    stats.backoffs_s.append(delay_s)
    del stats.backoffs_s[:-64]
    return delay_s


def _has_rows(chunk: Chunk) -> bool:
    return bool(
        (chunk.frames is not None and chunk.frames.num_rows)
        or (chunk.positions is not None and chunk.positions.num_rows)
    )
