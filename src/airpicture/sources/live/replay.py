"""``replay:PATH[?speed=N]``: a recording read by the file reader ingest uses, handed on by its own clock.

The chunks are those of ``airpicture ingest`` of the same file (the same reader, the same options), so
``stream_id`` is the file's content hash (ingest's ``file_id``) and every ``source_offset`` is ingest's. They
are cut into slices of at most :data:`SLICE_ROWS` rows and ``SLICE_S`` of recording time and handed on when
due: slice time minus the first frame's time, divided by ``speed``, after the replay began (by the injected
clock). ``speed=0`` hands them on as fast as the consumer takes them. The recording is its own archive: its
bytes are not copied. The file is read in a worker thread, so a large block never stalls other feeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime

import numpy as np
import pyarrow as pa

from airpicture.model.clock import Clock
from airpicture.sources.adsb import FORMATS, detect_format, open_input
from airpicture.sources.adsb._common import EMPTY_REJECTS, BeastClock, Chunk, ReadOptions
from airpicture.sources.live.batch import FeedStats
from airpicture.sources.live.spec import FeedSpec

SLICE_ROWS = 4096
SLICE_S = 0.1


def slices(chunk: Chunk, slice_rows: int = SLICE_ROWS, slice_s: float = SLICE_S) -> Iterator[tuple[Chunk, int | None]]:
    """``chunk`` cut into consecutive row slices, each with its first row's time (µs; None without rows).
    Rejects and notes go with the first slice."""
    table = chunk.frames if chunk.frames is not None else chunk.positions
    if table is None or table.num_rows == 0:
        yield chunk, None
        return
    ts = table.column("ts").cast(pa.int64()).to_numpy()
    cuts = [0]
    step = int(slice_s * 1e6)
    n = len(ts)
    while cuts[-1] < n:
        at = cuts[-1]
        limit = ts[at] + step
        end = at + int(np.searchsorted(ts[at : at + slice_rows], limit, side="left"))
        cuts.append(max(end, at + 1) if end < n else n)
    for k in range(len(cuts) - 1):
        part = table.slice(cuts[k], cuts[k + 1] - cuts[k])
        first = k == 0
        piece = replace(
            chunk,
            read=chunk.read if first else 0,
            frames=part if chunk.frames is not None else None,
            positions=part if chunk.positions is not None else None,
            rejects=chunk.rejects if first else EMPTY_REJECTS,
            notes=chunk.notes if first else (),
        )
        yield piece, int(ts[cuts[k]])


async def replay_feed(
    spec: FeedSpec,
    emit: Callable[[str, Chunk | None, datetime], None],
    *,
    clock: Clock,
    stop: asyncio.Event,
    stats: FeedStats,
    options: ReadOptions | None,
) -> None:
    speed = spec.option("speed", 1.0)
    source, head = await asyncio.to_thread(open_input, spec.replay_path)
    fmt = detect_format(source, head)
    if options is None:
        options = ReadOptions(beast_clock=BeastClock(spec.text_option("clock", BeastClock.MHZ12.value)))
    reader = FORMATS[fmt.format].read(source, options)
    stats.connected = True
    began = clock.now()
    first_us: int | None = None
    done = object()
    try:
        while not stop.is_set():
            chunk = await asyncio.to_thread(next, reader, done)
            if chunk is done:
                break
            assert isinstance(chunk, Chunk)
            stats.bytes = source.size_bytes
            for piece, at_us in slices(chunk):
                if speed > 0 and at_us is not None:
                    if first_us is None:
                        first_us = at_us
                    due_s = (at_us - first_us) / 1e6 / speed
                    wait_s = due_s - (clock.now() - began).total_seconds()
                    if wait_s > 0:
                        await asyncio.sleep(wait_s)
                else:
                    await asyncio.sleep(0)
                if stop.is_set():
                    return
                emit(source.file_id, piece, clock.now())
    finally:
        stats.connected = False
        stats.ended = True
