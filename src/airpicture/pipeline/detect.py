"""The local detection driver: each UTC day through ``detect_partition``, then stitching and storage.

A distributed driver calls the same ``detect_partition`` per day on a cluster; only this loop differs.
Re-running replaces the chosen detectors' events for the window (idempotent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
    required_columns,
    select_detectors,
    stitch_events,
)
from airpicture.detect.novelty import NOVELTY_TYPES
from airpicture.detect.proximity import is_of_interest
from airpicture.detect.region_geometry import build_region_geometry
from airpicture.detect.restrictions import AircraftInAreaDetector, RestrictionChangeDetector
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.events import Event
from airpicture.model.schemas import POSITIONS_SCHEMA
from airpicture.model.settings import Settings
from airpicture.pipeline.notam import aircraft_in_areas, load_restrictions, restriction_events
from airpicture.pipeline.reference import reference_data
from airpicture.store import Workspace
from airpicture.store.events import EVENT_COLUMNS, replace_aggregates, replace_events, row_to_event
from airpicture.store.transaction import transaction


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
        "going_dark": {"silence_s": d.dark_silence_s, "min_history_share": d.dark_min_history_share},
        "gnss_interference": {"resolution": d.gnss_resolution, "min_share": d.gnss_min_share},
        "activity_surge": {
            "baseline_nights": d.surge_baseline_nights,
            "min_baseline_nights": d.surge_min_baseline_nights,
            "min_z": d.surge_min_z,
        },
        "novelty": {"min_gap_days": d.novelty_min_gap_days},
    }


NOTAM_DETECTORS = {
    RestrictionChangeDetector.name: RestrictionChangeDetector.version,
    AircraftInAreaDetector.name: AircraftInAreaDetector.version,
}
"""Detectors over NOTAM restrictions (not positions alone); the driver runs them beside the others."""


def detector_names() -> dict[str, int]:
    """Every detector the driver can run, with its version: the registered ones and the NOTAM ones."""
    return {**{name: cls.version for name, cls in available_detectors().items()}, **NOTAM_DETECTORS}


def read_day(
    workspace: Workspace, day: date, pending: frozenset[str] = frozenset(), columns: Sequence[str] | None = None
) -> pa.Table:
    """All positions of one UTC day (the partition's files), in the positions schema, without the rows of
    files whose ingest has not completed (``pending``: their positions may be partial). ``columns``: only
    these (the detectors' declared columns; ``None``: all)."""
    schema = POSITIONS_SCHEMA if columns is None else pa.schema([POSITIONS_SCHEMA.field(c) for c in columns])
    files = sorted(workspace.partition_dir("positions", day).glob("*.parquet"))
    if not files:
        return schema.empty_table()
    table = pa.concat_tables([pq.read_table(f, schema=POSITIONS_SCHEMA, columns=schema.names) for f in files])
    if pending:
        table = table.filter(pc.invert(pc.is_in(table["source_file"], pa.array(sorted(pending), pa.string()))))
    return table


def _lead_in(previous: pa.Table, day: date, minutes: float) -> pa.Table:
    """The last ``minutes`` of the previous day's positions (``previous``)."""
    if previous.num_rows == 0 or minutes <= 0:
        return previous.slice(0, 0)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(minutes=minutes)
    return previous.filter(pc.greater_equal(previous["ts"], pa.scalar(start, POSITIONS_SCHEMA.field("ts").type)))


FRAME_COLUMNS = frozenset({"lat_deg", "lon_deg", "source_file"})
"""The position columns the driver reads for the region's frame filter, whatever the detectors declare."""

COVERAGE_AGGREGATE = "coverage"
"""The driver's own per-day aggregate: ``positions_in_region``, the positions inside the region's frame."""


def _coverage_aggregate(day: date, in_region: int) -> pa.Table:
    return pa.table(
        {"day": [day], "detector": [COVERAGE_AGGREGATE], "key": ["positions_in_region"], "value": [float(in_region)]},
        schema=AGGREGATES_SCHEMA,
    )


def region_monitoring_since(con: Any, region: str, before: date | None = None) -> date | None:
    """The first day (before ``before``, if given) with positions inside ``region``'s frame, from the stored
    coverage aggregates; ``None`` when there is none."""
    row = con.execute(
        "SELECT min(day) FROM day_aggregates WHERE region = ? AND detector = ? AND key = 'positions_in_region' "
        "AND value > 0 AND day < ?",
        [region, COVERAGE_AGGREGATE, before or date.max],
    ).fetchone()
    return row[0] if row and row[0] else None


def undetected_days(workspace: Workspace, region: str) -> list[date]:
    """Days with stored positions that no detection run of ``region`` has covered yet (no coverage aggregate of
    the region for the day): a region added to a workspace later is detected on the data already there."""
    stored = workspace.days("positions")
    if not stored:
        return []
    with workspace.connect(read_only=True) as con:
        done = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT day FROM day_aggregates WHERE region = ? AND detector = ?",
                [region, COVERAGE_AGGREGATE],
            ).fetchall()
        }
    return [d for d in stored if d not in done]


def _monitoring_since(workspace: Workspace, region: str, first: date) -> date | None:
    """When monitoring of ``region`` began, for a run starting at ``first``: so "since monitoring began" means
    this region, not the oldest file in the workspace (a recording from elsewhere). A workspace detected before
    the coverage aggregate existed: its first stored day, as before."""
    with workspace.connect(read_only=True) as con:
        found = region_monitoring_since(con, region, first)
        recorded = con.execute(
            "SELECT count(*) FROM day_aggregates WHERE region = ? AND detector = ? AND day < ?",
            [region, COVERAGE_AGGREGATE, first],
        ).fetchone()
    if found is not None or (recorded and recorded[0]):
        return found
    stored = [d for d in workspace.days("positions") if d < first]
    return stored[0] if stored else None


def _earlier_events(workspace: Workspace, region: str, before: date) -> list[Event]:
    """Stored events of watch-list aircraft of the types novelty looks at, starting before ``before``."""
    start = datetime(before.year, before.month, before.day, tzinfo=UTC)
    types = ", ".join("?" for _ in NOVELTY_TYPES)
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE region = ? AND role IS NOT NULL AND start_ts < ? "
            f"AND type IN ({types}) ORDER BY start_ts",
            [region, start, *NOVELTY_TYPES],
        ).fetchall()
    return [row_to_event(row) for row in rows]


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


def prepare_detection(settings: Settings) -> tuple[Any, Any]:
    """The reference data and the configured region's geometry detection reads (slow to build: seconds)."""
    reference = reference_data(settings)
    return reference, build_region_geometry(reference.region(settings.region), reference)


def run_detection(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    *,
    days: Sequence[date],
    detectors: Sequence[str] = (),
    advance: Callable[[int], None] | None = None,
    on_store: Callable[[Any], None] | None = None,
    prepared: tuple[Any, Any] | None = None,
) -> DetectionSummary:
    """Detect events on ``days`` for the configured region and store them, replacing earlier runs.

    ``on_store(con)`` runs inside the transaction that stores the events and aggregates (the run's stage
    completion records, ``store.stages``). ``prepared``: the ``(reference, region geometry)`` of
    :func:`prepare_detection`, for a driver that detects again and again (live)."""
    reference, geometry = prepared if prepared is not None else prepare_detection(settings)
    region = reference.region(settings.region)
    wanted = list(detectors) or list(settings.detect.detectors)
    unknown = [n for n in wanted if n not in detector_names()]
    if unknown:
        raise UsageError("unknown detector", found=", ".join(unknown), expected=f"one of {', '.join(detector_names())}")
    notam_wanted = [n for n in NOTAM_DETECTORS if not wanted or n in wanted]
    position_wanted = [n for n in wanted if n not in NOTAM_DETECTORS]
    chosen: list[Detector] = (
        select_detectors(position_wanted, detector_parameters(settings)) if position_wanted or not wanted else []
    )
    restrictions = load_restrictions(workspace, settings) if notam_wanted else []
    events: list[Event] = []
    aggregates = [AGGREGATES_SCHEMA.empty_table()]
    read = 0
    with workspace.connect(read_only=True) as con:
        history = con.sql(
            "SELECT day, detector, key, value FROM day_aggregates WHERE region = $region ORDER BY day",
            params={"region": region.name},
        ).to_arrow_table()
    history = AGGREGATES_SCHEMA.empty_table() if history is None else history.cast(AGGREGATES_SCHEMA)
    pending = workspace.pending_files()
    columns = required_columns(chosen)
    if columns is not None:  # the frame filter reads the position and the recording of each row
        wanted_columns = set(columns) | FRAME_COLUMNS
        if AircraftInAreaDetector.name in notam_wanted:
            wanted_columns |= AircraftInAreaDetector.columns
        columns = [name for name in POSITIONS_SCHEMA.names if name in wanted_columns]
    previous_day: date | None = None
    previous = POSITIONS_SCHEMA.empty_table()
    monitoring_since = _monitoring_since(workspace, region.name, min(days)) if days else None
    earlier = (
        _earlier_events(workspace, region.name, min(days)) if days and "novelty" in [d.name for d in chosen] else []
    )
    for day in sorted(days):
        # consecutive days: the day read last time is this day's lead-in (each partition is read once)
        if previous_day != day - timedelta(days=1):
            previous = geometry.frame_filter(read_day(workspace, day - timedelta(days=1), pending, columns))
        all_positions = read_day(workspace, day, pending, columns)
        read += all_positions.num_rows
        # the region's detectors see only its frame: another region's positions never become its events
        positions = geometry.frame_filter(all_positions)
        in_region = geometry.count_in_frame(positions["lat_deg"], positions["lon_deg"])
        if in_region and monitoring_since is None:
            monitoring_since = day
        aggregates.append(_coverage_aggregate(day, in_region))
        before = history.filter(pc.less(history["day"], pa.scalar(day, pa.date32())))
        ctx = DetectionContext(
            clock=clock,
            region=region,
            day=day,
            reference=reference,
            geometry=geometry,
            history=before,
            earlier_events=tuple(earlier),
            monitoring_since=monitoring_since,
        )
        result = detect_partition(positions, ctx, chosen, lead_in=_lead_in(previous, day, settings.detect.lead_in_min))
        events.extend(result.events)
        earlier.extend(e for e in result.events if e.type in NOVELTY_TYPES and e.subjects and e.subjects[0].role)
        if AircraftInAreaDetector.name in notam_wanted and restrictions and positions.num_rows:
            addresses = [a for a in pc.unique(positions["icao24"]).to_pylist() if a]
            of_interest = frozenset(
                a for a, keep in zip(addresses, is_of_interest(addresses, reference), strict=True) if keep
            )
            events.extend(aircraft_in_areas(restrictions, positions, of_interest))
        aggregates.append(result.aggregates)
        # later days of this run see this day's aggregates, exactly as a later run would from the store
        history = pa.concat_tables([history.filter(pc.not_equal(history["day"], pa.scalar(day, pa.date32()))),
                                    _coverage_aggregate(day, in_region),
                                    result.aggregates.cast(AGGREGATES_SCHEMA)])  # fmt: skip
        previous_day, previous = day, positions
        if advance is not None:
            advance(1)
    stitched = [e if e.region else replace(e, region=region.name) for e in stitch_events(events)]
    ran = [(d.name, d.version) for d in chosen] + [(n, NOTAM_DETECTORS[n]) for n in notam_wanted]
    if days:
        window_start = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
        window_end = datetime.combine(max(days), datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
        if RestrictionChangeDetector.name in notam_wanted and restrictions:
            found = restriction_events(workspace, settings, window_start, window_end)
            stitched.extend(replace(e, region=region.name) for e in found)
        with workspace.connect() as con, transaction(con):
            replace_events(
                con,
                stitched,
                region=region.name,
                detectors=[name for name, _ in ran],
                start=window_start,
                end=window_end,
            )
            replace_aggregates(
                con,
                pa.concat_tables(aggregates),
                region=region.name,
                days=list(days),
                detectors=[COVERAGE_AGGREGATE, *(d.name for d in chosen)],
            )
            if on_store is not None:
                on_store(con)
    return DetectionSummary(
        region=region.name,
        days=tuple(sorted(days)),
        detectors=tuple(ran),
        events_by_type=dict(sorted(Counter(e.type for e in stitched).items())),
        positions_read=read,
    )
