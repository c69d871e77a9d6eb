"""Reading stored events: listing with filters, one event in full, and the ``events`` export kind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from airpicture.model.errors import UsageError
from airpicture.model.events import Event
from airpicture.pipeline.export import ExportFilter, ExportKind, register_export_kind, time_and_address_clause
from airpicture.store import Workspace
from airpicture.store.events import EVENT_COLUMNS, row_to_event


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Filters of ``events list`` (all optional; combined with AND)."""

    types: tuple[str, ...] = ()
    day: date | None = None
    icao24: tuple[str, ...] = ()
    role: str | None = None
    region: str | None = None
    detector: str | None = None


def _where(filters: EventFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters.types:
        clauses.append(f"type IN ({', '.join('?' * len(filters.types))})")
        params.extend(filters.types)
    if filters.day is not None:
        clauses.append("day = ?")
        params.append(filters.day)
    if filters.icao24:
        clauses.append(f"icao24 IN ({', '.join('?' * len(filters.icao24))})")
        params.extend(a.lower() for a in filters.icao24)
    for column, value in (("role", filters.role), ("region", filters.region), ("detector", filters.detector)):
        if value is not None:
            clauses.append(f"lower({column}) = lower(?)")
            params.append(value)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_events(
    workspace: Workspace, filters: EventFilter, limit: int | None = None, after: str | None = None
) -> list[tuple[str, Event]]:
    """``(event_id, event)`` pairs in time order; ``after`` (an event id) starts past that event (a cursor:
    the order is start, type, id, so the next page is stable while events are added)."""
    where, params = _where(filters)
    if after is not None:
        cursor = "(start_ts, type, event_id) > (SELECT (start_ts, type, event_id) FROM events WHERE event_id = ?)"
        where = f"{where} AND {cursor}" if where else f"WHERE {cursor}"
        params.append(after)
    sql = f"SELECT {EVENT_COLUMNS} FROM events {where} ORDER BY start_ts, type, event_id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with workspace.connect(read_only=True) as con:
        rows = con.execute(sql, params).fetchall()
    return [(row[0], row_to_event(row)) for row in rows]


def find_event(workspace: Workspace, event_id: str) -> tuple[Event, str]:
    """One event by id (a unique prefix of at least 6 characters is enough) and its region."""
    if len(event_id) < 6:
        raise UsageError("event id too short", where="events show", found=event_id, expected="at least 6 characters")
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE event_id LIKE ? ORDER BY event_id LIMIT 2", [event_id + "%"]
        ).fetchall()
    if not rows:
        raise UsageError("no such event", where="events show", found=event_id, expected="an id from 'events list'")
    if len(rows) > 1:
        raise UsageError("ambiguous event id", where="events show", found=event_id, expected="more characters")
    return row_to_event(rows[0]), str(rows[0][5])


def event_record(event_id: str, event: Event, region: str | None = None) -> dict[str, Any]:
    """One event as ``events list|show --json`` and the web API give it (times as datetimes)."""
    return {
        "event_id": event_id,
        "type": event.type,
        "start": event.start,
        "end": event.end,
        **({"region": region} if region else {}),
        "detector": event.detector,
        "detector_version": event.detector_version,
        "subjects": [
            {k: v for k, v in ((name, getattr(s, name)) for name in s.__slots__) if v is not None}
            for s in event.subjects
        ],
        "attributes": dict(event.attributes),
        "flags": list(event.flags),
        "geometry": json.loads(event.geometry) if event.geometry else None,
        "evidence": [
            {"kind": e.kind.value, "source_file": e.source_file, "source_offset": e.source_offset, "note": e.note}
            for e in event.evidence
        ],
    }


def _query_events(workspace: Workspace, filters: ExportFilter) -> pa.RecordBatchReader:
    where, params = time_and_address_clause(filters, "start_ts", "icao24")
    with workspace.connect(read_only=True) as con:
        table = con.execute(
            f"SELECT event_id, type, start_ts AS start_time, end_ts AS end_time, region, detector, detector_version, "
            f"icao24, role, geometry, subjects, attributes, flags, evidence FROM events {where} "
            "ORDER BY start_ts, type, event_id",
            params,
        ).to_arrow_table()
    assert table is not None
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


register_export_kind(
    ExportKind(
        name="events",
        description="detector events with subjects, attributes, flags and evidence (JSON text columns)",
        formats=("json", "jsonl", "csv", "geojson", "kml", "parquet"),
        query=_query_events,
    )
)
