"""``export KIND``: one registry of exportable kinds of data, shared by every stage.

A kind names the formats it supports and a query that streams its rows (Arrow record batches) from
the workspace under common filters. Stages add their kind with :func:`register_export_kind`
(positions here; tracks, events, restrictions and claims as they arrive).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

import pyarrow as pa

from airpicture.model.errors import UsageError
from airpicture.store import Workspace
from airpicture.store.exporters import write_export
from airpicture.store.workspace import COMPLETE_POSITIONS


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Filters every kind understands (those that do not apply to a kind are ignored by it)."""

    day: date | None = None
    since: datetime | None = None
    until: datetime | None = None
    icao24: tuple[str, ...] = ()
    at: datetime | None = None
    """One instant (kinds with validity, such as restrictions: what is active then)."""

    def time_window(self) -> tuple[datetime | None, datetime | None]:
        """``--day`` as a UTC window, else ``--since``/``--until``."""
        if self.day is not None:
            start = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
            return start, datetime.fromordinal(self.day.toordinal() + 1).replace(tzinfo=UTC)
        return self.since, self.until


@dataclass(frozen=True, slots=True)
class ExportKind:
    name: str
    description: str
    formats: tuple[str, ...]
    query: Callable[[Workspace, ExportFilter], pa.RecordBatchReader] = field(repr=False)


EXPORT_KINDS: dict[str, ExportKind] = {}

KIND_MODULES = (
    "airpicture.pipeline.claims",
    "airpicture.pipeline.events",
    "airpicture.pipeline.gnss",
    "airpicture.pipeline.notam_records",
    "airpicture.pipeline.tracks",
)
"""Pipeline modules that register an export kind when imported; :func:`export_kinds` imports them."""


def export_kinds() -> dict[str, ExportKind]:
    """Every exportable kind, by name (importing the modules that register them, once)."""
    import importlib

    for module in KIND_MODULES:
        importlib.import_module(module)
    return dict(sorted(EXPORT_KINDS.items()))


def register_export_kind(kind: ExportKind) -> None:
    EXPORT_KINDS[kind.name] = kind


def _query_positions(workspace: Workspace, filters: ExportFilter) -> pa.RecordBatchReader:
    """Positions, streamed; a half-ingested file's rows (its hash in ``ingest_pending``) are left out."""
    where, params = time_and_address_clause(filters, "ts", "icao24")
    if not workspace.has_partitions("positions"):
        from airpicture.model.schemas import POSITIONS_SCHEMA

        return pa.RecordBatchReader.from_batches(POSITIONS_SCHEMA, [])
    where = f"{where} AND {COMPLETE_POSITIONS}" if where else f"WHERE {COMPLETE_POSITIONS}"
    sql = f"SELECT * EXCLUDE (day) FROM positions {where} ORDER BY ts, icao24, source_file, source_offset"
    return _stream(workspace, sql, params)


def _stream(workspace: Workspace, sql: str, params: list[Any]) -> pa.RecordBatchReader:
    """Run ``sql`` and stream its rows in batches; the connection closes when the stream ends."""
    context = workspace.connect(read_only=True)
    con = context.__enter__()
    try:
        reader = con.sql(sql, params=params).to_arrow_reader(65536)
    except BaseException:
        context.__exit__(None, None, None)
        raise

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        finally:
            context.__exit__(None, None, None)

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def time_and_address_clause(filters: ExportFilter, ts_column: str, address_column: str | None) -> tuple[str, list[Any]]:
    """A SQL ``WHERE`` clause and its parameters for the common filters."""
    clauses: list[str] = []
    params: list[Any] = []
    start, end = filters.time_window()
    if start is not None:
        clauses.append(f"{ts_column} >= ?")
        params.append(start)
    if end is not None:
        clauses.append(f"{ts_column} < ?")
        params.append(end)
    if filters.icao24 and address_column:
        clauses.append(f"{address_column} IN ({', '.join('?' for _ in filters.icao24)})")
        params.extend(a.lower() for a in filters.icao24)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


register_export_kind(
    ExportKind(
        name="positions",
        description="decoded positions and replies, one row per fix (columns in docs/formats.md)",
        formats=("parquet", "csv", "json", "jsonl", "geojson", "kml"),
        query=_query_positions,
    )
)


def export(workspace: Workspace, kind: str, fmt: str, out: BinaryIO, filters: ExportFilter) -> int:
    """Stream ``kind`` under ``filters`` to ``out`` in ``fmt``; returns the number of rows written."""
    kinds = export_kinds()
    if kind not in kinds:
        raise UsageError("unknown kind of data to export", found=kind, expected=f"one of {', '.join(kinds)}")
    spec = kinds[kind]
    if fmt not in spec.formats:
        raise UsageError(
            f"{kind} cannot be exported in this format",
            found=fmt,
            expected=f"one of {', '.join(spec.formats)}",
        )
    return write_export(spec.query(workspace, filters), fmt, out)
