"""Events and per-day aggregates in the workspace database.

Replacing is idempotent: :func:`replace_events` deletes a detector's events for a window and inserts
the new ones in one transaction, so re-running detection never duplicates and a kill mid-way leaves the
old events.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa

from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.store.transaction import transaction

EVENT_COLUMNS = (
    "event_id, type, start_ts, end_ts, day, region, detector, detector_version, icao24, role, geometry, "
    "subjects, attributes, flags, evidence"
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def event_to_row(event: Event, region: str) -> list[Any]:
    """The stored row of ``event`` for ``region`` (an event of no region yet is given it: its id then includes
    the region; an event of another region is refused: one region's run never writes another's rows)."""
    if not event.region:
        event = replace(event, region=region)
    elif event.region != region:
        raise ValueError(f"an event of region {event.region!r} cannot be stored for region {region!r}")
    first = event.subjects[0] if event.subjects else Subject()
    return [
        event.event_id,
        event.type,
        event.start,
        event.end,
        event.start.astimezone(UTC).date(),
        region,
        event.detector,
        event.detector_version,
        first.icao24,
        first.role,
        event.geometry,
        json.dumps([asdict(s) for s in event.subjects], ensure_ascii=False),
        json.dumps(_jsonable(dict(event.attributes)), ensure_ascii=False, sort_keys=True),
        json.dumps(list(event.flags)),
        json.dumps([{**asdict(e), "kind": e.kind.value} for e in event.evidence]),
    ]


def row_to_event(row: Sequence[Any]) -> Event:
    """The inverse of :func:`event_to_row` for a row selected with :data:`EVENT_COLUMNS`."""
    (_, type_, start, end, _, region, detector, version, _, _, geometry, subjects, attributes, flags, evidence) = row
    return Event(
        type=type_,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        detector=detector,
        detector_version=int(version),
        geometry=geometry,
        subjects=tuple(Subject(**s) for s in json.loads(subjects)),
        attributes=json.loads(attributes),
        flags=tuple(json.loads(flags)),
        evidence=tuple(
            Evidence(EvidenceKind(e["kind"]), e["source_file"], int(e["source_offset"]), e.get("note", ""))
            for e in json.loads(evidence)
        ),
        region=region,
    )


def replace_events(
    con: duckdb.DuckDBPyConnection,
    events: Iterable[Event],
    *,
    region: str,
    detectors: Sequence[str],
    start: datetime,
    end: datetime,
) -> int:
    """Replace ``detectors``' events starting in ``[start, end)`` for ``region``; returns rows written."""
    rows = [event_to_row(e, region) for e in events]
    with transaction(con):
        for detector in detectors:
            con.execute(
                "DELETE FROM events WHERE region = ? AND detector = ? AND start_ts >= ? AND start_ts < ?",
                [region, detector, start, end],
            )
        # Another detector version or a stitched event may already hold the id: last write wins.
        if rows:
            names = [c.strip() for c in EVENT_COLUMNS.split(",")]
            batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})
            con.register("new_events", batch)
            con.execute(f"INSERT OR REPLACE INTO events ({EVENT_COLUMNS}) SELECT {EVENT_COLUMNS} FROM new_events")
            con.unregister("new_events")
    return len(rows)


def replace_aggregates(
    con: duckdb.DuckDBPyConnection,
    aggregates: pa.Table,
    *,
    region: str,
    days: Sequence[date],
    detectors: Sequence[str],
) -> None:
    """Replace the per-day aggregates of ``detectors`` on ``days`` for ``region`` with ``aggregates``
    (AGGREGATES_SCHEMA). Aggregates of detectors that did not run are kept: re-running one detector on a day
    must not erase the baselines the others built."""
    with transaction(con):
        for day in days:
            for detector in detectors:
                con.execute(
                    "DELETE FROM day_aggregates WHERE region = ? AND day = ? AND detector = ?", [region, day, detector]
                )
        if aggregates.num_rows:
            con.register("new_aggregates", aggregates)
            con.execute(
                "INSERT OR REPLACE INTO day_aggregates SELECT day, ?, detector, key, value FROM new_aggregates",
                [region],
            )
            con.unregister("new_aggregates")
