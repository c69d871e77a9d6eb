"""The detector framework: a tiny plug-in interface and one pure function per UTC day.

A detector is a small frozen dataclass whose fields are its parameters, with ``name``, ``version`` and
``detect(positions, ctx)``. It works on whole tables (NumPy/Polars/DuckDB), reads only what its
``DetectionContext`` gives it, and does no I/O. Built-in and third-party detectors register through the
same entry-point group, ``airpicture.detectors``::

    [project.entry-points."airpicture.detectors"]
    orbit = "my_package.orbit:OrbitDetector"

Batch detection runs per UTC day through :func:`detect_partition` — Arrow in (that day's positions plus
a short lead-in from the previous day, and the context), events and per-day aggregates out. It touches
no store and no global state, and its output does not depend on row order: a distributed driver can call
it on a cluster exactly as the local driver does. :func:`stitch_events` then joins events that were cut
at midnight.

An event resting on positions whose times are approximate (``PositionFlag.TIME_APPROXIMATE``: the recording
was anchored on its file's modification time, or has no times) gets the flag ``time_approximate``
(:func:`mark_time_approximate`): when it cites such a position, or cites no position at all (an aggregate,
such as a night's surge) on a day holding such positions.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.detect.region_geometry import RegionGeometry
from airpicture.detect.tables import address_numbers
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.events import Event, EvidenceKind
from airpicture.model.region import Region
from airpicture.model.schemas import POSITIONS_SCHEMA, PositionFlag

ENTRY_POINT_GROUP = "airpicture.detectors"

_AGGREGATE_FIELDS: list[pa.Field[pa.DataType]] = [
    pa.field("day", pa.date32(), nullable=False),
    pa.field("detector", pa.string(), nullable=False),
    pa.field("key", pa.string(), nullable=False),
    pa.field("value", pa.float64(), nullable=False),
]
AGGREGATES_SCHEMA = pa.schema(_AGGREGATE_FIELDS)
"""Per-day aggregates a detector emits for baselines (e.g. ``("night_movements/fighter", 14.0)``)."""


@dataclass(frozen=True, slots=True)
class DetectionContext:
    """Everything a detector may read. No clock calls, environment or files beyond this.

    ``day`` is the UTC day being processed; ``history`` the per-day aggregates of earlier days
    (``AGGREGATES_SCHEMA``), for baselines; ``reference`` the reference data (borders, airfields,
    aircraft of interest: an ``airpicture.reference.ReferenceData``); ``geometry`` the region's country
    grid and border lines, built once per run (:func:`~airpicture.detect.region_geometry.build_region_geometry`).
    """

    clock: Clock
    region: Region
    day: date
    reference: Any = None
    geometry: RegionGeometry | None = None
    history: pa.Table = field(default_factory=lambda: AGGREGATES_SCHEMA.empty_table())
    settings: Mapping[str, Any] = field(default_factory=dict)
    earlier_events: tuple[Event, ...] = ()
    """Stored events of earlier days the driver chose to hand over (for novelty: events of aircraft of
    interest), in time order. Pure input like ``history``: a distributed driver passes the same."""
    monitoring_since: date | None = None
    """The first day with stored positions (``None``: unknown)."""
    events: tuple[Event, ...] = ()
    """This day's events from the detectors that ran before; set by :func:`detect_partition` for
    detectors that declare ``consumes_events = True`` (they run after the others)."""

    @property
    def day_start(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)

    @property
    def day_end(self) -> datetime:
        return self.day_start + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DetectorOutput:
    """What one detector returns for one day."""

    events: tuple[Event, ...] = ()
    aggregates: pa.Table = field(default_factory=lambda: AGGREGATES_SCHEMA.empty_table())


@runtime_checkable
class Detector(Protocol):
    """The plug-in interface. Implementations are frozen dataclasses; their fields are parameters.

    Optional class attributes: ``columns`` (a frozenset of position column names the detector reads: the
    driver then reads and sorts only those, plus ``CANONICAL_KEYS``; without it the detector gets every
    column), ``consumes_events`` (runs after the others and sees their events) and ``reports_ended_windows``
    (its events are kept on the day they end)."""

    name: ClassVar[str]
    version: ClassVar[int]

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput: ...


BUILT_IN = {
    "airspace": "airpicture.detect.airspace:AirspaceCrossingDetector",
    "border_proximity": "airpicture.detect.proximity:BorderProximityDetector",
    "orbit": "airpicture.detect.orbit:OrbitDetector",
    "airfield_movement": "airpicture.detect.movement:AirfieldMovementDetector",
    "watchlist_presence": "airpicture.detect.presence:WatchlistPresenceDetector",
    "going_dark": "airpicture.detect.dark:GoingDarkDetector",
    "gnss_interference": "airpicture.detect.gnss:GnssInterferenceDetector",
    "activity_surge": "airpicture.detect.surge:ActivitySurgeDetector",
    "novelty": "airpicture.detect.novelty:NoveltyDetector",
}
"""The built-in detectors, exactly as ``pyproject.toml`` registers them in the entry-point group (a test
keeps the two equal). Listed here too so an installation whose metadata predates a new built-in (an
editable install not yet re-installed) still finds it; installed entry points of the same name win."""


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def available_detectors() -> dict[str, type[Detector]]:
    """Every detector registered in the ``airpicture.detectors`` entry-point group (and the built-ins), by name."""
    found: dict[str, type[Detector]] = {name: _load(target) for name, target in BUILT_IN.items()}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in BUILT_IN and entry.value != BUILT_IN[entry.name]:
            continue  # stale metadata of a built-in: the code's own list is current
        detector_class = entry.load()
        found[detector_class.name] = detector_class
    return dict(sorted(found.items()))


def select_detectors(names: Sequence[str], parameters: Mapping[str, Mapping[str, Any]] | None = None) -> list[Detector]:
    """Instantiate the named detectors (all when ``names`` is empty) with per-detector parameters."""
    registry = available_detectors()
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise UsageError("unknown detector", found=", ".join(unknown), expected=f"one of {', '.join(registry)}")
    chosen = names or list(registry)
    params = parameters or {}
    return [registry[n](**params.get(n, {})) for n in chosen]


@dataclass(frozen=True, slots=True)
class PartitionResult:
    """Events and aggregates of one UTC day, from every detector run."""

    day: date
    events: tuple[Event, ...]
    aggregates: pa.Table
    detectors: tuple[tuple[str, int], ...]


CANONICAL_KEYS = ("icao24", "ts", "source_file", "source_offset")
"""The columns that order a partition for detectors (and that every detector gets, whatever it declares)."""
ALWAYS_READ = ("flags",)
"""Read whatever the detectors declare: the driver marks events on approximate times from it."""
TIME_APPROXIMATE = "time_approximate"
"""The event flag of an event resting on approximate times (docs/ingest.md, docs/assessment.md)."""


def required_columns(detectors: Sequence[Detector]) -> list[str] | None:
    """The position columns ``detectors`` read: the union of their ``columns`` declarations plus the canonical
    keys and ``flags``, in schema order; ``None`` when any detector declares none (it gets every column)."""
    wanted: set[str] = set(CANONICAL_KEYS) | set(ALWAYS_READ)
    for detector in detectors:
        declared = getattr(detector, "columns", None)
        if declared is None:
            return None
        wanted |= set(declared)
    return [name for name in POSITIONS_SCHEMA.names if name in wanted]


def _string_ranks(column: Any) -> npt.NDArray[np.int64]:
    """Per row, the rank of its string among the column's distinct values (sorts like the strings)."""
    encoded: Any = pc.dictionary_encode(column).combine_chunks()
    rank = np.argsort(np.argsort(np.asarray(encoded.dictionary.to_pylist(), dtype=object)))
    ranks: npt.NDArray[np.int64] = np.asarray(rank, dtype=np.int64)[encoded.indices.to_numpy(zero_copy_only=False)]
    return ranks


def canonical_permutation(positions: pa.Table) -> npt.NDArray[np.int64] | None:
    """The row order (icao24, ts, source_file, source_offset) as indices; ``None`` when already in that order.

    One integer key (address rank, then microseconds since the first row) sorts the rows; only rows that tie
    on it (the same address at the same microsecond, e.g. heard by two receivers) are ordered by file and
    offset afterwards, so the usual case is one ``argsort`` of int64."""
    n = positions.num_rows
    numbers = address_numbers(positions["icao24"])  # usual case: 24-bit addresses, no hashing of strings
    address = _string_ranks(positions["icao24"]) if numbers is None else numbers
    ts = pc.cast(positions["ts"], pa.int64()).to_numpy()
    ts_rel = ts - ts.min()
    ts_bits = max(1, int(ts_rel.max()).bit_length())
    if int(address.max(initial=0)).bit_length() + ts_bits > 62:  # too wide for one key: sort on all four
        file_rank = _string_ranks(positions["source_file"])
        offset = pc.cast(positions["source_offset"], pa.int64()).to_numpy()
        order = np.lexsort((offset, file_rank, ts, address))
        return None if bool(np.all(order == np.arange(n))) else np.asarray(order, dtype=np.int64)
    key = (address << ts_bits) | ts_rel
    step = np.diff(key)
    if bool(np.all(step > 0)):
        return None
    order = np.asarray(np.argsort(key), dtype=np.int64)
    sorted_key = key[order]
    tie = sorted_key[1:] == sorted_key[:-1]
    if tie.any():
        in_tie = np.zeros(n, dtype=bool)
        in_tie[1:] |= tie
        in_tie[:-1] |= tie
        spots = np.flatnonzero(in_tie)
        rows = order[spots]
        file_rank = _string_ranks(positions["source_file"].take(rows))
        offset = pc.cast(positions["source_offset"], pa.int64()).to_numpy()[rows]
        order[spots] = rows[np.lexsort((offset, file_rank, key[rows]))]
    if bool(np.all(step >= 0)) and bool(np.all(np.diff(order) == 1)):
        return None  # sorted already, ties included
    return order


def canonical_order(positions: pa.Table) -> pa.Table:
    """Sort by (icao24, ts, source_file, source_offset): detectors see the same table whatever the input order.
    A table already in that order is returned as it is (no copy)."""
    if positions.num_rows == 0:
        return positions
    names = [k for k in CANONICAL_KEYS if k in positions.schema.names]
    if names != list(CANONICAL_KEYS):
        keys: list[tuple[str, Literal["ascending", "descending"]]] = [(k, "ascending") for k in names]
        return positions.take(pc.sort_indices(positions, sort_keys=keys))
    order = canonical_permutation(positions)
    return positions if order is None else positions.take(order)


def detect_partition(
    positions: pa.Table, ctx: DetectionContext, detectors: Sequence[Detector], lead_in: pa.Table | None = None
) -> PartitionResult:
    """Run ``detectors`` over one UTC day. Pure: no store, no globals, independent of row order.

    Every event is tagged with ``ctx.region`` (its id includes it). The caller hands over only the rows the
    region may see (:meth:`~airpicture.detect.region_geometry.RegionGeometry.frame_filter`).

    ``positions`` holds the day's rows; ``lead_in`` optionally the last minutes of the previous day, so a
    track that crosses midnight keeps its continuity. Events that start before the day are dropped (the
    previous day's run reports them) — except from detectors that declare ``reports_ended_windows = True``
    (a night's surge is judged once, when the night ends): theirs are kept when they *end* in the day.
    """
    table = positions if lead_in is None or lead_in.num_rows == 0 else pa.concat_tables([lead_in, positions])
    approximate = approximate_files(table)
    wanted = required_columns(detectors)
    if wanted is not None and set(wanted) < set(table.schema.names):
        table = table.select([name for name in table.schema.names if name in wanted])
    table = canonical_order(table)
    events: list[Event] = []
    aggregates = [AGGREGATES_SCHEMA.empty_table()]
    # detectors over other detectors' events (novelty, surge) run last and see the day's events so far
    ordered = sorted(detectors, key=lambda d: bool(getattr(d, "consumes_events", False)))
    for detector in ordered:
        if getattr(detector, "consumes_events", False):
            ctx = replace(ctx, events=tuple(sorted(events, key=lambda e: (e.start, e.type, e.event_id))))
        output = detector.detect(table, ctx)
        found = [e if e.region else replace(e, region=ctx.region.name) for e in output.events]  # ids carry it
        if getattr(detector, "reports_ended_windows", False):
            # judged once, on the day its window ends (e.g. a night's surge): keep windows ending today
            events.extend(e for e in found if ctx.day_start < e.end <= ctx.day_end)
        else:
            events.extend(e for e in found if ctx.day_start <= e.start < ctx.day_end)
        if output.aggregates.num_rows:
            aggregates.append(output.aggregates.select(AGGREGATES_SCHEMA.names).cast(AGGREGATES_SCHEMA))
    events = mark_time_approximate(events, approximate)
    events.sort(key=lambda e: (e.start, e.type, e.event_id))
    return PartitionResult(
        day=ctx.day,
        events=tuple(events),
        aggregates=pa.concat_tables(aggregates),
        detectors=tuple((d.name, d.version) for d in ordered),
    )


def approximate_files(positions: pa.Table) -> frozenset[str]:
    """The ``source_file`` of every row flagged ``TIME_APPROXIMATE`` (empty without a ``flags`` column)."""
    if positions.num_rows == 0 or "flags" not in positions.schema.names:
        return frozenset()
    bit = pa.scalar(int(PositionFlag.TIME_APPROXIMATE), pa.uint16())
    flagged = pc.not_equal(pc.bit_wise_and(positions["flags"], bit), pa.scalar(0, pa.uint16()))
    return frozenset(str(f) for f in pc.unique(positions["source_file"].filter(flagged)).to_pylist())


def mark_time_approximate(events: Iterable[Event], approximate: frozenset[str]) -> list[Event]:
    """Flag ``time_approximate`` on events citing a position of an ``approximate`` file, and on events citing no
    position (aggregates) when there is any such file; other events are returned as they are."""
    out: list[Event] = []
    for event in events:
        cited = {e.source_file for e in event.evidence if e.kind is EvidenceKind.POSITION}
        hit = bool(cited & approximate) if cited else bool(approximate)
        if hit and TIME_APPROXIMATE not in event.flags:
            event = replace(event, flags=(*event.flags, TIME_APPROXIMATE))
        out.append(event)
    return out


def _subject_key(event: Event) -> tuple[Any, ...]:
    return (event.detector, event.type, tuple(s.icao24 or s.name for s in event.subjects))


def stitch_events(events: Iterable[Event], tolerance: timedelta = timedelta(minutes=2)) -> list[Event]:
    """Join events cut at midnight: same detector, type and subjects, one ending at 00:00 UTC and the next
    starting within ``tolerance`` of it. The joined event spans both and cites both evidence sets."""
    ordered = sorted(events, key=lambda e: (_subject_key(e), e.start))
    stitched: list[Event] = []
    for event in ordered:
        previous = stitched[-1] if stitched else None
        if (
            previous is not None
            and _subject_key(previous) == _subject_key(event)
            and previous.attributes.get("cut_at_day_end")
            and event.start - previous.end <= tolerance
        ):
            attributes = {k: v for k, v in {**previous.attributes, **event.attributes}.items() if k != "cut_at_day_end"}
            if event.attributes.get("cut_at_day_end"):
                attributes["cut_at_day_end"] = True
            stitched[-1] = replace(
                previous,
                end=max(previous.end, event.end),
                attributes=attributes,
                evidence=previous.evidence + event.evidence,
                flags=tuple(dict.fromkeys(previous.flags + event.flags)),
            )
        else:
            stitched.append(event)
    return sorted(stitched, key=lambda e: (e.start, e.type, e.event_id))
