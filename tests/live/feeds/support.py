"""Helpers for the feed tests: run feeds against loopback servers until a condition, collect their batches.

No test asserts a time: waits are for conditions, with a generous guard (``GUARD_S``) that only turns a
hang into a failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from airpicture.model.clock import SystemClock
from airpicture.sources.adsb import FORMATS, BeastClock, ReadOptions, detect_format, open_input
from airpicture.sources.live import FeedBatch, FeedSpec, FeedStats, run_feed

DATA = Path(__file__).resolve().parents[2] / "data" / "adsb"
START = datetime(2024, 6, 6, 8, 58, tzinfo=UTC)
GUARD_S = 60.0


@dataclass
class Run:
    spec: FeedSpec
    stats: FeedStats
    batches: list[FeedBatch] = field(default_factory=list)

    def table(self, column: str = "frames") -> pa.Table | None:
        parts = [getattr(b.chunk, column) for b in self.batches if getattr(b.chunk, column) is not None]
        parts = [p for p in parts if p.num_rows]
        return pa.concat_tables(parts) if parts else None

    def rejects(self) -> pa.Table:
        return pa.concat_tables([b.chunk.rejects for b in self.batches])


async def _until(condition: Callable[[], bool], stop: asyncio.Event, settle_s: float = 0.2) -> None:
    async with asyncio.timeout(GUARD_S):
        while not condition():
            await asyncio.sleep(0.02)
    await asyncio.sleep(settle_s)  # let the reader take the last bytes in flight
    stop.set()


def run_feeds(
    specs: Sequence[FeedSpec],
    archive_dir: Path,
    until: Callable[[list[Run]], bool],
    *,
    receivers: Sequence[str | None] | None = None,
    start: datetime | None = START,
    sink: Callable[[Run], Callable[[FeedBatch], object]] | None = None,
    settle_s: float = 0.2,
) -> list[Run]:
    """Run every feed concurrently until ``until(runs)`` holds, then stop them all and return what each got."""
    runs = [Run(spec, FeedStats(spec.label)) for spec in specs]

    async def main() -> None:
        stop = asyncio.Event()
        feeds = [
            run_feed(
                run.spec,
                sink(run) if sink is not None else run.batches.append,
                clock=SystemClock(),
                archive_dir=archive_dir,
                stop=stop,
                stats=run.stats,
                receiver=receivers[k] if receivers is not None else None,
                start=start,
            )
            for k, run in enumerate(runs)
        ]
        async with asyncio.timeout(GUARD_S * 2):
            await asyncio.gather(*feeds, _until(lambda: until(runs), stop, settle_s))

    asyncio.run(main())
    return runs


def file_chunks_table(
    path: Path, column: str = "frames", start: datetime | None = START, clock: BeastClock = BeastClock.MHZ12
) -> tuple[str, pa.Table]:
    """What ``airpicture ingest``'s reader gives for ``path``: its file id and all rows of ``column``."""
    source, head = open_input(path)
    spec = detect_format(source, head)
    chunks = list(FORMATS[spec.format].read(source, ReadOptions(start=start, beast_clock=clock)))
    return source.file_id, pa.concat_tables([getattr(c, column) for c in chunks if getattr(c, column) is not None])
