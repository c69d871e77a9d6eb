"""The detector framework: pure per-day partitions, order independence, midnight stitching, storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.detect.framework import (
    AGGREGATES_SCHEMA,
    CANONICAL_KEYS,
    DetectionContext,
    Detector,
    DetectorOutput,
    canonical_order,
    detect_partition,
    required_columns,
    stitch_events,
)
from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.model.region import Region
from airpicture.store import Workspace
from airpicture.store.events import EVENT_COLUMNS, replace_events, row_to_event
from airpicture.testing import FixedClock, make_track

REGION = Region(
    name="test",
    title="Test",
    watched_country="BY",
    neighbours=("UA",),
    timezone="Europe/Minsk",
    night_start=time(21),
    night_end=time(6),
    airfields=(),
    border_segments=(("BY", "UA"),),
)


@dataclass(frozen=True, slots=True)
class HeardDetector:
    """Test detector: one 'heard' event per address from its first to its last fix, cut at day end."""

    name: ClassVar[str] = "heard"
    version: ClassVar[int] = 1

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        if positions.num_rows == 0:
            return DetectorOutput()
        grouped = positions.group_by("icao24").aggregate([("ts", "min"), ("ts", "max"), ("ts", "count")])
        events = []
        for icao24, first, last in zip(
            grouped["icao24"].to_pylist(), grouped["ts_min"].to_pylist(), grouped["ts_max"].to_pylist(), strict=True
        ):
            mask = pc.equal(positions["icao24"], icao24)
            offsets = positions.filter(mask)["source_offset"].to_numpy()
            start = max(first, ctx.day_start)
            events.append(
                Event(
                    type="heard",
                    start=start,
                    end=last,
                    detector=self.name,
                    detector_version=self.version,
                    subjects=(Subject(icao24=icao24),),
                    attributes={"cut_at_day_end": last >= ctx.day_end - timedelta(minutes=1)},
                    evidence=(Evidence(EvidenceKind.POSITION, "simulated:test", int(np.min(offsets))),),
                )
            )
        aggregates = pa.table(
            {
                "day": pa.array([ctx.day] * grouped.num_rows, pa.date32()),
                "detector": [self.name] * grouped.num_rows,
                "key": [f"fixes/{a}" for a in grouped["icao24"].to_pylist()],
                "value": pc.cast(grouped["ts_count"], pa.float64()),
            },
            schema=AGGREGATES_SCHEMA,
        )
        return DetectorOutput(tuple(events), aggregates)


def context(day: date) -> DetectionContext:
    return DetectionContext(clock=FixedClock(), region=REGION, day=day)


def positions_two_aircraft() -> pa.Table:
    start = datetime(2022, 7, 11, 20, 0, tzinfo=UTC)
    a = make_track(
        "14c5a9", [(start, 52.0, 30.0, 30000.0), (start + timedelta(hours=2), 51.5, 29.0, 30000.0)], step_s=30
    )
    b = make_track(
        "510123", [(start, 53.9, 27.5, 5000.0), (start + timedelta(minutes=40), 53.5, 28.0, 9000.0)], step_s=30
    )
    return pa.concat_tables([a, b])


def test_a_detector_satisfies_the_protocol() -> None:
    assert isinstance(HeardDetector(), Detector)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), pieces=st.integers(1, 5))
def test_output_does_not_depend_on_row_order_or_grouping(seed: int, pieces: int) -> None:
    table = positions_two_aircraft()
    expected = detect_partition(table, context(date(2022, 7, 11)), [HeardDetector()])
    shuffled = table.take(np.random.default_rng(seed).permutation(table.num_rows))
    regrouped = pa.concat_tables([shuffled.slice(i * 100, 100) for i in range(pieces)] + [shuffled.slice(pieces * 100)])
    result = detect_partition(regrouped, context(date(2022, 7, 11)), [HeardDetector()])
    assert result.events == expected.events
    assert result.aggregates.sort_by("key").equals(expected.aggregates.sort_by("key"))


def test_events_cut_at_midnight_are_stitched() -> None:
    start = datetime(2022, 7, 11, 23, 0, tzinfo=UTC)
    track = make_track(
        "14c5a9", [(start, 52.0, 30.0, 30000.0), (start + timedelta(hours=2), 51.0, 29.0, 30000.0)], step_s=30
    )
    day = pc.cast(track["ts"], pa.date32())
    first = track.filter(pc.equal(day, pa.scalar(date(2022, 7, 11), pa.date32())))
    second = track.filter(pc.equal(day, pa.scalar(date(2022, 7, 12), pa.date32())))
    lead_in = first.slice(first.num_rows - 10)
    one = detect_partition(first, context(date(2022, 7, 11)), [HeardDetector()])
    two = detect_partition(second, context(date(2022, 7, 12)), [HeardDetector()], lead_in=lead_in)
    assert len(one.events) == len(two.events) == 1
    joined = stitch_events([*one.events, *two.events])
    assert len(joined) == 1
    assert (joined[0].start, joined[0].end) == (start, start + timedelta(hours=2))
    assert len(joined[0].evidence) == 2


def test_events_round_trip_through_the_workspace_and_replace_idempotently(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    result = detect_partition(positions_two_aircraft(), context(date(2022, 7, 11)), [HeardDetector()])
    window = (datetime(2022, 7, 11, tzinfo=UTC), datetime(2022, 7, 12, tzinfo=UTC))
    with workspace.connect() as con:
        for _ in range(2):
            replace_events(con, result.events, region="test", detectors=["heard"], start=window[0], end=window[1])
        rows = con.execute(f"SELECT {EVENT_COLUMNS} FROM events ORDER BY start_ts, icao24").fetchall()
    assert len(rows) == 2
    assert sorted((row_to_event(r) for r in rows), key=lambda e: e.event_id) == sorted(
        result.events, key=lambda e: e.event_id
    )


def _positions_with_ties(rng: np.random.Generator, n: int) -> pa.Table:
    """Few addresses, coarse times, two files: many rows tie on (address, time) and need file and offset."""
    ts_us = 1_657_497_600_000_000 + rng.integers(0, 20, n) * 1_000_000
    return pa.table(
        {
            "ts": pa.array(ts_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "icao24": pa.array(rng.choice(["14c5a9", "0a0b0c", "ffffff", "510081"], n)),
            "lat_deg": pa.array(rng.uniform(50, 55, n)),
            "source_file": pa.array(rng.choice(["b" * 64, "a" * 64], n)),
            "source_offset": pa.array(rng.integers(0, 50, n), pa.int64()),
        }
    )


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400))
def test_canonical_order_equals_a_four_key_sort_with_ties(seed: int, n: int) -> None:
    table = _positions_with_ties(np.random.default_rng(seed), n)
    keys = [(k, "ascending") for k in CANONICAL_KEYS]
    expected = table.take(pc.sort_indices(table, sort_keys=keys))
    ours = canonical_order(table)
    for name in CANONICAL_KEYS:
        assert ours[name].to_pylist() == expected[name].to_pylist()
    # a sorted table comes back as it is
    assert canonical_order(ours) is ours


def test_only_the_declared_columns_are_sorted_and_handed_over() -> None:
    @dataclass(frozen=True)
    class Narrow:
        name: ClassVar[str] = "narrow"
        version: ClassVar[int] = 1
        columns: ClassVar[frozenset[str]] = frozenset({"lat_deg"})

    class Wide(Narrow):
        columns = None  # type: ignore[assignment]

    assert required_columns([Narrow()]) == ["ts", "icao24", "lat_deg", "flags", "source_file", "source_offset"]
    assert required_columns([Narrow(), Wide()]) is None
