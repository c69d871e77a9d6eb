"""The local detection driver: each UTC day through ``detect_partition``, then stitching and storage.

A distributed driver calls the same ``detect_partition`` per day on a cluster; only this loop differs.
Re-running replaces the chosen detectors' events for the window (idempotent).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
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
from airpicture.detect.region_geometry import RegionGeometry, build_region_geometry
from airpicture.detect.restrictions import AircraftInAreaDetector, RestrictionChangeDetector
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.events import Event
from airpicture.model.notam import Restriction
from airpicture.model.region import Region
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


@dataclass(frozen=True, slots=True)
class DetectionPlan:
    """What every day of one detection run needs, built once by the driver (:func:`plan_detection`).

    Picklable: a distributed driver (``airpicture.scale``) ships it to its workers, which read the positions
    under ``root`` themselves; the DuckDB file is read here, by the driver, only."""

    root: Path
    clock: Clock
    region: Region
    reference: Any
    geometry: RegionGeometry
    chosen: tuple[Detector, ...]
    in_areas: bool
    """Run the aircraft-in-area detector (NOTAM restrictions) over each day's positions."""
    restrictions: tuple[Restriction, ...]
    columns: list[str] | None
    pending: frozenset[str]
    lead_in_min: float


@dataclass(frozen=True, slots=True)
class RunStart:
    """What the store held before the run, for the first day: baselines, earlier events, monitoring start."""

    history: pa.Table
    earlier: tuple[Event, ...]
    monitoring_since: date | None


@dataclass(frozen=True, slots=True)
class DayDetection:
    """One UTC day's detection: its events (the partition's and the aircraft-in-area ones), its aggregates
    (the coverage aggregate first, then the detectors'), positions read and positions inside the region."""

    day: date
    events: tuple[Event, ...]
    area_events: tuple[Event, ...]
    aggregates: pa.Table
    in_region: int
    read: int


DayRunner = Callable[[DetectionPlan, Sequence[date], RunStart, Callable[[int], None] | None], list[DayDetection]]
"""Runs every day of a plan and returns their detections in day order: :func:`run_days_locally`, or a
distributed driver's (``airpicture.scale``) that maps :func:`detect_day` over a cluster."""


def plan_detection(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    detectors: Sequence[str] = (),
    prepared: tuple[Any, Any] | None = None,
) -> tuple[DetectionPlan, tuple[tuple[str, int], ...], list[str]]:
    """The plan of a run, the detectors it runs (name, version) and the NOTAM detectors among them.
    ``prepared``: the ``(reference, region geometry)`` of :func:`prepare_detection`, for a driver that detects
    again and again (live)."""
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
    columns = required_columns(chosen)
    if columns is not None:  # the frame filter reads the position and the recording of each row
        wanted_columns = set(columns) | FRAME_COLUMNS
        if AircraftInAreaDetector.name in notam_wanted:
            wanted_columns |= AircraftInAreaDetector.columns
        columns = [name for name in POSITIONS_SCHEMA.names if name in wanted_columns]
    plan = DetectionPlan(
        root=workspace.root,
        clock=clock,
        region=region,
        reference=reference,
        geometry=geometry,
        chosen=tuple(chosen),
        in_areas=AircraftInAreaDetector.name in notam_wanted,
        restrictions=tuple(restrictions),
        columns=columns,
        pending=workspace.pending_files(),
        lead_in_min=settings.detect.lead_in_min,
    )
    ran = tuple((d.name, d.version) for d in chosen) + tuple((n, NOTAM_DETECTORS[n]) for n in notam_wanted)
    return plan, ran, notam_wanted


def run_start(workspace: Workspace, plan: DetectionPlan, days: Sequence[date]) -> RunStart:
    """The stored baselines, earlier events (for novelty) and monitoring start that the run begins from."""
    region = plan.region.name
    with workspace.connect(read_only=True) as con:
        history = con.sql(
            "SELECT day, detector, key, value FROM day_aggregates WHERE region = $region ORDER BY day",
            params={"region": region},
        ).to_arrow_table()
    history = AGGREGATES_SCHEMA.empty_table() if history is None else history.cast(AGGREGATES_SCHEMA)
    monitoring_since = _monitoring_since(workspace, region, min(days)) if days else None
    wants_earlier = days and "novelty" in [d.name for d in plan.chosen]
    earlier = tuple(_earlier_events(workspace, region, min(days))) if wants_earlier else ()
    return RunStart(history, earlier, monitoring_since)


def detect_positions(
    plan: DetectionPlan,
    day: date,
    all_positions: pa.Table,
    previous: pa.Table,
    history: pa.Table,
    earlier: Sequence[Event],
    monitoring_since: date | None,
) -> tuple[DayDetection, pa.Table]:
    """One day's detection from its positions (``all_positions``, as read) and the previous day's positions in
    the region's frame (``previous``, for the lead-in); ``history``: the aggregates of the days before, as the
    store would hold them after detecting those days. Returns the day's detection and its positions in the
    frame (the next day's ``previous``). Pure: no store."""
    # the region's detectors see only its frame: another region's positions never become its events
    positions = plan.geometry.frame_filter(all_positions)
    read = all_positions.num_rows
    del all_positions  # the unfiltered read is not held while the detectors run
    in_region = plan.geometry.count_in_frame(positions["lat_deg"], positions["lon_deg"])
    if in_region and monitoring_since is None:
        monitoring_since = day
    before = history.filter(pc.less(history["day"], pa.scalar(day, pa.date32())))
    ctx = DetectionContext(
        clock=plan.clock,
        region=plan.region,
        day=day,
        reference=plan.reference,
        geometry=plan.geometry,
        history=before,
        earlier_events=tuple(earlier),
        monitoring_since=monitoring_since,
    )
    result = detect_partition(positions, ctx, plan.chosen, lead_in=_lead_in(previous, day, plan.lead_in_min))
    area_events: list[Event] = []
    if plan.in_areas and plan.restrictions and positions.num_rows:
        addresses = [a for a in pc.unique(positions["icao24"]).to_pylist() if a]
        of_interest = frozenset(
            a for a, keep in zip(addresses, is_of_interest(addresses, plan.reference), strict=True) if keep
        )
        area_events = aircraft_in_areas(plan.restrictions, positions, of_interest)
    aggregates = pa.concat_tables([_coverage_aggregate(day, in_region), result.aggregates.cast(AGGREGATES_SCHEMA)])
    detection = DayDetection(day, result.events, tuple(area_events), aggregates, in_region, read)
    return detection, positions


def detect_day(
    plan: DetectionPlan, day: date, history: pa.Table, earlier: Sequence[Event], monitoring_since: date | None
) -> DayDetection:
    """:func:`detect_positions` over the day's partition and the previous day's, read from the workspace's
    Parquet under ``plan.root`` (the task a distributed driver maps over days)."""
    workspace = Workspace(plan.root)
    previous = plan.geometry.frame_filter(read_day(workspace, day - timedelta(days=1), plan.pending, plan.columns))
    positions = read_day(workspace, day, plan.pending, plan.columns)
    return detect_positions(plan, day, positions, previous, history, earlier, monitoring_since)[0]


def novelty_earlier(detection: DayDetection) -> list[Event]:
    """The day's events that later days' novelty looks back on (watch-list aircraft, novelty types)."""
    return [e for e in detection.events if e.type in NOVELTY_TYPES and e.subjects and e.subjects[0].role]


def history_after(history: pa.Table, detection: DayDetection) -> pa.Table:
    """``history`` with the day's rows replaced by its new aggregates: what a later run would read."""
    day = pa.scalar(detection.day, pa.date32())
    return pa.concat_tables([history.filter(pc.not_equal(history["day"], day)), detection.aggregates])


def run_days_locally(
    plan: DetectionPlan, days: Sequence[date], start: RunStart, advance: Callable[[int], None] | None = None
) -> list[DayDetection]:
    """The local driver: the days in order in this process, each partition read once."""
    workspace = Workspace(plan.root)
    history, earlier, monitoring_since = start.history, list(start.earlier), start.monitoring_since
    out: list[DayDetection] = []
    previous_day: date | None = None
    previous = POSITIONS_SCHEMA.empty_table()
    for day in sorted(days):
        # consecutive days: the day read last time is this day's lead-in (each partition is read once)
        if previous_day != day - timedelta(days=1):
            previous = plan.geometry.frame_filter(
                read_day(workspace, day - timedelta(days=1), plan.pending, plan.columns)
            )
        # read inline, not bound to a name: detect_positions drops the unfiltered table once it is filtered
        detection, positions = detect_positions(
            plan, day, read_day(workspace, day, plan.pending, plan.columns), previous, history, earlier,
            monitoring_since,
        )  # fmt: skip
        out.append(detection)
        if detection.in_region and monitoring_since is None:
            monitoring_since = day
        earlier.extend(novelty_earlier(detection))
        # later days of this run see this day's aggregates, exactly as a later run would from the store
        history = history_after(history, detection)
        # only the next day's lead-in is kept (its last minutes), so one day's positions are held at a time
        previous_day, previous = day, _lead_in(positions, day + timedelta(days=1), plan.lead_in_min)
        del positions
        if advance is not None:
            advance(1)
    return out


def run_detection(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    *,
    days: Sequence[date],
    detectors: Sequence[str] = (),
    advance: Callable[[int], None] | None = None,
    on_store: Callable[[Any], None] | None = None,
    runner: DayRunner | None = None,
    prepared: tuple[Any, Any] | None = None,
) -> DetectionSummary:
    """Detect events on ``days`` for the configured region and store them, replacing earlier runs.

    ``on_store(con)`` runs inside the transaction that stores the events and aggregates (the run's stage
    completion records, ``store.stages``). ``runner`` runs the days (default :func:`run_days_locally`; a
    distributed driver passes its own); the plan, the stitching across midnight and the storing are the same.
    ``prepared``: see :func:`plan_detection`."""
    plan, ran, notam_wanted = plan_detection(workspace, settings, clock, detectors, prepared)
    region = plan.region
    days = sorted(days)
    start = run_start(workspace, plan, days)
    detections = (runner or run_days_locally)(plan, days, start, advance) if days else []
    events: list[Event] = []
    for detection in detections:
        events.extend(detection.events)
        events.extend(detection.area_events)
    read = sum(d.read for d in detections)
    aggregates = [AGGREGATES_SCHEMA.empty_table(), *(d.aggregates for d in detections)]
    stitched = [e if e.region else replace(e, region=region.name) for e in stitch_events(events)]
    if days:
        window_start = datetime.combine(min(days), datetime.min.time(), tzinfo=UTC)
        window_end = datetime.combine(max(days), datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
        if RestrictionChangeDetector.name in notam_wanted and plan.restrictions:
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
                detectors=[COVERAGE_AGGREGATE, *(d.name for d in plan.chosen)],
            )
            if on_store is not None:
                on_store(con)
    return DetectionSummary(
        region=region.name,
        days=tuple(days),
        detectors=ran,
        events_by_type=dict(sorted(Counter(e.type for e in stitched).items())),
        positions_read=read,
    )
