"""The local detection driver: each UTC day through ``detect_partition``, then stitching and storage.

A distributed driver calls the same ``detect_partition`` per day on a cluster; only this loop differs.
Re-running replaces the chosen detectors' events for the window (idempotent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from airpicture.detect.framework import (
    AGGREGATES_SCHEMA,
    DetectionContext,
    Detector,
    available_detectors,
    detect_partition,
    select_detectors,
    stitch_events,
)
from airpicture.detect.region_geometry import build_region_geometry
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.events import Event
from airpicture.model.schemas import POSITIONS_SCHEMA
from airpicture.model.settings import Settings
from airpicture.pipeline.reference import reference_data
from airpicture.store import Workspace
from airpicture.store.events import replace_aggregates, replace_events


@dataclass(frozen=True, slots=True)
class DetectionSummary:
    """What a detection run did."""

    region: str
    days: tuple[date, ...]
    detectors: tuple[tuple[str, int], ...]
    events_by_type: dict[str, int]
    positions_read: int


def detector_parameters(settings: Settings) -> dict[str, dict[str, Any]]:
    """Settings → constructor parameters of the built-in detectors."""
    d = settings.detect
    return {
        "border_proximity": {"within_km": d.border_within_km},
        "orbit": {
            "min_turn_deg": d.orbit_min_turn_deg,
            "max_radius_km": d.orbit_max_radius_km,
            "min_duration_min": d.orbit_min_duration_min,
        },
        "airfield_movement": {"max_dist_km": d.movement_max_dist_km},
    }


def detector_names() -> dict[str, int]:
    """Registered detectors and their versions."""
    return {name: cls.version for name, cls in available_detectors().items()}


def read_day(workspace: Workspace, day: date) -> pa.Table:
    """All positions of one UTC day (the partition's files), in the positions schema."""
    files = sorted(workspace.partition_dir("positions", day).glob("*.parquet"))
    if not files:
        return POSITIONS_SCHEMA.empty_table()
    tables = [pq.read_table(f, schema=POSITIONS_SCHEMA) for f in files]
    return pa.concat_tables(tables)


def _lead_in(workspace: Workspace, day: date, minutes: float) -> pa.Table:
    previous = read_day(workspace, day - timedelta(days=1))
    if previous.num_rows == 0 or minutes <= 0:
        return previous.slice(0, 0)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(minutes=minutes)
    return previous.filter(pc.greater_equal(previous["ts"], pa.scalar(start, POSITIONS_SCHEMA.field("ts").type)))


def resolve_days(workspace: Workspace, day: date | None, since: datetime | None, until: datetime | None) -> list[date]:
    """``--day`` or the UTC days touched by ``--since``/``--until``; default every day with positions."""
    stored = workspace.days("positions")
    if day is not None:
        return [day]
    if since is None and until is None:
        return stored
    first = since.date() if since else (stored[0] if stored else None)
    last = (until - timedelta(microseconds=1)).date() if until else (stored[-1] if stored else None)
    if first is None or last is None:
        return []
    if last < first:
        raise UsageError("the window ends before it starts", where="--since/--until")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def run_detection(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    *,
    days: Sequence[date],
    detectors: Sequence[str] = (),
    advance: Callable[[int], None] | None = None,
) -> DetectionSummary:
    """Detect events on ``days`` for the configured region and store them, replacing earlier runs."""
    reference = reference_data(settings)
    region = reference.region(settings.region)
    geometry = build_region_geometry(region, reference)
    chosen: list[Detector] = select_detectors(
        list(detectors) or list(settings.detect.detectors), detector_parameters(settings)
    )
    events: list[Event] = []
    aggregates = [AGGREGATES_SCHEMA.empty_table()]
    read = 0
    with workspace.connect(read_only=True) as con:
        history = con.execute(
            "SELECT day, detector, key, value FROM day_aggregates WHERE region = ? ORDER BY day", [region.name]
        ).to_arrow_table()
    for day in sorted(days):
        positions = read_day(workspace, day)
        read += positions.num_rows
        before = history.filter(pc.less(history["day"], pa.scalar(day, pa.date32()))) if history is not None else None
        ctx = DetectionContext(
            clock=clock,
            region=region,
            day=day,
            reference=reference,
            geometry=geometry,
            history=before.cast(AGGREGATES_SCHEMA) if before is not None else AGGREGATES_SCHEMA.empty_table(),
        )
        result = detect_partition(positions, ctx, chosen, lead_in=_lead_in(workspace, day, settings.detect.lead_in_min))
        events.extend(result.events)
        aggregates.append(result.aggregates)
        if advance is not None:
            advance(1)
    stitched = stitch_events(events)
    if days:
        window_start = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
        window_end = datetime.combine(max(days), datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
        with workspace.connect() as con:
            replace_events(
                con,
                stitched,
                region=region.name,
                detectors=[d.name for d in chosen],
                start=window_start,
                end=window_end,
            )
            replace_aggregates(con, pa.concat_tables(aggregates), region=region.name, days=list(days))
    return DetectionSummary(
        region=region.name,
        days=tuple(sorted(days)),
        detectors=tuple((d.name, d.version) for d in chosen),
        events_by_type=dict(sorted(Counter(e.type for e in stitched).items())),
        positions_read=read,
    )
