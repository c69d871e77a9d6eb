"""Novelty, activity surge and the built-in registry: detectors over events and per-day aggregates."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from airpicture.detect.framework import AGGREGATES_SCHEMA, BUILT_IN, DetectionContext, detect_partition
from airpicture.detect.novelty import NoveltyDetector
from airpicture.detect.surge import ActivitySurgeDetector, night_bounds
from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.model.schemas import POSITIONS_SCHEMA

REPO = Path(__file__).resolve().parents[2]
A50 = Subject(icao24="14c5a9", registration="RF-50601", type_code="A50", role="AEW&C")


def _entry(at: datetime, offset: int) -> Event:
    return Event(
        type="airspace_entry", start=at, end=at, detector="airspace", detector_version=2, subjects=(A50,),
        attributes={"from_country": "RU", "to_country": "BY"},
        evidence=(Evidence(EvidenceKind.POSITION, "f" * 64, offset),),
    )  # fmt: skip


def test_pyproject_registers_exactly_the_built_in_detectors() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["airpicture.detectors"] == BUILT_IN


def test_novelty_first_time_since_the_earlier_event(belarus_context: DetectionContext) -> None:
    earlier = _entry(datetime(2022, 4, 4, 21, 14, tzinfo=UTC), 10)
    today = _entry(datetime(2022, 7, 11, 21, 14, tzinfo=UTC), 20)
    ctx = DetectionContext(**{**_fields(belarus_context), "events": (today,), "earlier_events": (earlier,)})
    (novelty,) = NoveltyDetector().detect(POSITIONS_SCHEMA.empty_table(), ctx).events
    assert novelty.attributes["first_time_since"] == "2022-04-04"
    assert novelty.attributes["gap_days"] == 98
    assert novelty.attributes["earlier_event_id"] == earlier.event_id
    assert novelty.evidence[0].source_offset == 20
    assert novelty.evidence[-1].note == f"earlier event {earlier.event_id}"
    # seen 10 days ago: nothing new
    recent = _entry(datetime(2022, 7, 1, 21, 0, tzinfo=UTC), 5)
    ctx = DetectionContext(**{**_fields(ctx), "earlier_events": (earlier, recent)})
    assert NoveltyDetector().detect(POSITIONS_SCHEMA.empty_table(), ctx).events == ()


def test_novelty_since_monitoring_began_only_in_an_old_enough_archive(belarus_context: DetectionContext) -> None:
    today = _entry(datetime(2022, 7, 11, 21, 14, tzinfo=UTC), 20)
    young = DetectionContext(**{**_fields(belarus_context), "events": (today,), "monitoring_since": date(2022, 7, 1)})
    assert NoveltyDetector().detect(POSITIONS_SCHEMA.empty_table(), young).events == ()
    old = DetectionContext(**{**_fields(young), "monitoring_since": date(2022, 4, 1)})
    (novelty,) = NoveltyDetector().detect(POSITIONS_SCHEMA.empty_table(), old).events
    assert novelty.attributes["since_monitoring_began"] is True
    assert novelty.attributes["phrase"] == "for the first time since monitoring began"


def _coverage_history(days: list[date]) -> pa.Table:
    """The detect driver's coverage aggregate: positions inside the region's frame on each of ``days``."""
    return pa.table({"day": pa.array(days, pa.date32()), "detector": ["coverage"] * len(days),
                     "key": ["positions_in_region"] * len(days), "value": pa.array([500.0] * len(days))},
                    schema=AGGREGATES_SCHEMA)  # fmt: skip


def test_novelty_states_the_gap_in_its_records_and_is_not_novel_across_it(belarus_context: DetectionContext) -> None:
    """Issue 12 item 8: "first time since 4 April" hid that there was no receiver data 5 April – 26 June."""
    earlier = _entry(datetime(2022, 4, 4, 21, 14, tzinfo=UTC), 10)
    today = _entry(datetime(2022, 7, 11, 21, 14, tzinfo=UTC), 20)
    june = [date(2022, 6, 27) + timedelta(days=k) for k in range(14)]  # 27 June – 10 July covered
    ctx = DetectionContext(**{**_fields(belarus_context), "events": (today,), "earlier_events": (earlier,),
                              "history": _coverage_history([date(2022, 4, 4), *june])})  # fmt: skip
    (novelty,) = NoveltyDetector().detect(POSITIONS_SCHEMA.empty_table(), ctx).events
    assert novelty.attributes["uncovered"] == [["2022-04-05", "2022-06-26"]]
    assert novelty.attributes["coverage_thin"] is True  # 83 of 97 days without data
    assert novelty.attributes["phrase"] == (
        "for the first time in our records since 2022-04-04; no receiver data 2022-04-05 – 2022-06-26"
    )
    # the same interval fully covered: novel, and nothing to add
    every_day = [date(2022, 4, 4) + timedelta(days=k) for k in range(98)]
    ctx = DetectionContext(**{**_fields(ctx), "history": _coverage_history(every_day)})
    (novelty,) = NoveltyDetector().detect(POSITIONS_SCHEMA.empty_table(), ctx).events
    assert novelty.attributes["uncovered"] == [] and novelty.attributes["coverage_thin"] is False
    assert novelty.attributes["phrase"] == "for the first time in our records since 2022-04-04"


def _night_history(region: object, nights: list[date], metric: str, values: list[float]) -> pa.Table:
    days, keys, out = [], [], []
    for night, value in zip(nights, values, strict=True):
        for key, v in ((f"night/{night}/uptime_hours", 9.0), (f"night/{night}/{metric}", value)):
            days.append(night)
            keys.append(key)
            out.append(v)
    return pa.table({"day": pa.array(days, pa.date32()), "detector": ["activity_surge"] * len(days),
                     "key": keys, "value": pa.array(out, pa.float64())}, schema=AGGREGATES_SCHEMA)  # fmt: skip


OWN_COLUMNS = ("ts", "icao24", "flags", "source_file", "source_offset")


def _heard(night_start: datetime, addresses: int, hours: int) -> pa.Table:
    """Positions (no fixes needed: heard is enough) of ``addresses`` aircraft every 10 min for ``hours``."""
    rows = [
        (night_start + timedelta(minutes=10 * k), f"5100{a:02x}") for a in range(addresses) for k in range(6 * hours)
    ]
    return pa.table(
        {"ts": pa.array([r[0] for r in rows], POSITIONS_SCHEMA.field("ts").type), "icao24": [r[1] for r in rows],
         **{f.name: pa.nulls(len(rows), f.type) for f in POSITIONS_SCHEMA if f.name not in OWN_COLUMNS},
         "flags": pa.array([1] * len(rows), pa.uint16()), "source_file": ["f"] * len(rows),
         "source_offset": pa.array(range(len(rows)), pa.int64())},
        schema=POSITIONS_SCHEMA,
    )  # fmt: skip


def test_surge_against_a_coverage_normalised_baseline(belarus_context: DetectionContext) -> None:
    region = belarus_context.region
    night = date(2022, 7, 11)
    start, end = night_bounds(region, night)
    assert (start.hour, end.hour) == (18, 3)  # 21:00-06:00 Minsk
    nights = [night - timedelta(days=k) for k in range(14, 0, -1)]
    history = _night_history(
        region, nights, "aircraft_hours/all", [20, 22, 19, 21, 20, 23, 18, 20, 21, 22, 19, 20, 21, 20]
    )
    detector = ActivitySurgeDetector()
    # the night's first UTC day stores its part; the second day judges the whole night
    first = DetectionContext(**{**_fields(belarus_context), "day": night, "history": history})
    part1 = detect_partition(_heard(start, 8, 6), first, [detector])
    assert part1.events == ()
    history2 = pa.concat_tables([history, part1.aggregates])
    second = DetectionContext(**{**_fields(first), "day": night + timedelta(days=1), "history": history2})
    result = detect_partition(_heard(datetime(2022, 7, 12, tzinfo=UTC), 8, 3), second, [detector])
    (surge,) = result.events
    assert surge.start == start and surge.end == end
    assert surge.attributes["metric"] == "aircraft_hours/all"
    assert surge.attributes["count"] == 8 * 9
    assert surge.attributes["z"] > 3 and surge.attributes["p_value"] < 0.001
    # the same count in a night the receivers heard for half the time is twice as much activity
    quiet = detect_partition(_heard(datetime(2022, 7, 12, tzinfo=UTC), 1, 3), second, [detector])
    assert quiet.events == () or quiet.events[0].attributes["count"] < surge.attributes["count"]


def _fields(ctx: DetectionContext) -> dict[str, object]:
    return {name: getattr(ctx, name) for name in DetectionContext.__dataclass_fields__}
