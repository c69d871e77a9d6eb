"""Tracks in the workspace: rebuild them from recorded positions, join identity, list, show, export.

``tracks/`` cuts positions into tracks and knows nothing of aircraft identity; this module joins the
reference stage's aircraft table (type, operator, role, country of address, of-interest) by ``icao24``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pyarrow as pa

from airpicture.model.clock import Clock
from airpicture.model.settings import Settings
from airpicture.pipeline.export import ExportFilter, ExportKind, register_export_kind
from airpicture.pipeline.reference import reference_data
from airpicture.reference import ReferenceData
from airpicture.store import Workspace, stages
from airpicture.store.transaction import transaction
from airpicture.tracks import build_tracks

IDENTITY_COLUMNS = ("aircraft_type", "operator", "role", "country", "of_interest")


def complete_positions(workspace: Workspace) -> pl.LazyFrame | None:
    """Positions, lazily, without a half-ingested file's rows (see ``pipeline.ingest``); None when none."""
    if not workspace.has_partitions("positions"):
        return None
    pending = sorted(workspace.pending_files())
    scan = pl.scan_parquet(workspace.partition_glob("positions"), hive_partitioning=False)
    return scan.filter(~pl.col("source_file").is_in(pending)) if pending else scan


def identity_table(icao24s: Sequence[str], reference: ReferenceData) -> pl.DataFrame:
    """Identity of each address from the reference stage; nulls where it knows nothing.

    Type, operator and role come from the watch-list (``reference.aircraft``; ``of_interest`` is true for
    listed addresses, null otherwise), the country from the ICAO address blocks
    (``reference.country_of_address``). One look-up per distinct address, not per row. ``reference`` is the
    configured reference data, so a watch-list refreshed with ``reference update`` is used.
    """
    addresses = list(icao24s)
    types: list[str | None] = []
    operators: list[str | None] = []
    roles: list[str | None] = []
    listed: list[bool | None] = []
    for address in addresses:
        known = reference.aircraft(address)
        types.append((known.icao_type or known.type) if known else None)
        operators.append(known.operator if known else None)
        roles.append(str(known.role.value) if known else None)
        listed.append(True if known else None)
    return pl.DataFrame(
        {
            "icao24": addresses,
            "aircraft_type": types,
            "operator": operators,
            "role": roles,
            "country": [reference.country_of_address(a) for a in addresses],
            "of_interest": listed,
        },
        schema={
            "icao24": pl.String,
            "aircraft_type": pl.String,
            "operator": pl.String,
            "role": pl.String,
            "country": pl.String,
            "of_interest": pl.Boolean,
        },
    )


ROWS_PER_BATCH = 1_000_000
"""Positions held at once while tracks are built: addresses are taken in batches of about this many rows."""


def address_batches(positions: pl.LazyFrame, rows: int = ROWS_PER_BATCH) -> list[list[str | None]]:
    """The addresses of ``positions`` in batches of at most ``rows`` positions each (an address with more
    rows is a batch of its own). Tracks are per address, so building them batch by batch gives the same
    tracks as building them at once, with memory bounded by the batch and not by the workspace."""
    counts = positions.group_by("icao24").agg(pl.len().alias("n")).sort("icao24", nulls_last=True).collect()
    batches: list[list[str | None]] = []
    current: list[str | None] = []
    size = 0
    for address, n in counts.iter_rows():
        if current and size + n > rows:
            batches.append(current)
            current, size = [], 0
        current.append(address)
        size += n
    if current:
        batches.append(current)
    return batches


def _build_in_batches(positions: pl.LazyFrame, gap: timedelta) -> pl.DataFrame:
    parts = []
    for batch in address_batches(positions):
        listed = [a for a in batch if a is not None]
        chosen = pl.col("icao24").is_in(listed)
        if len(listed) < len(batch):
            chosen = chosen | pl.col("icao24").is_null()
        parts.append(build_tracks(positions.filter(chosen), gap))
    if not parts:
        return build_tracks(positions, gap)
    return pl.concat(parts).sort(["first_seen", "icao24"])


def tracks_inputs(workspace: Workspace) -> str:
    """Fingerprint of the positions tracks are built from (``store.stages``)."""
    with workspace.connect(read_only=True) as con:
        pending = stages.pending_prefixes(con)
    return stages.positions_fingerprint(stages.day_parts(workspace.root, pending))


def tracks_stale(workspace: Workspace) -> bool:
    """Whether the stored tracks were not built from the positions stored now (a rebuild was interrupted,
    or positions changed since): ``ingest`` and ``run`` rebuild them then."""
    with workspace.connect(read_only=True) as con:
        built = stages.done(con, stages.TRACKS).get("")
    return built != tracks_inputs(workspace)


def rebuild_tracks(workspace: Workspace, settings: Settings, clock: Clock | None = None) -> int:
    """Recompute the ``tracks`` table from every recorded position; returns the number of tracks. Records
    the positions they were built from (``store.stages``) in the same transaction (``clock``: when).

    Built a batch of addresses at a time (:func:`address_batches`): the demo's 6.6M positions took 2.3 GB
    at once."""
    inputs = tracks_inputs(workspace)
    positions = complete_positions(workspace)
    if positions is None:
        tracks = None
    else:
        tracks = _build_in_batches(positions, timedelta(minutes=settings.tracks.gap_min))
        identity = identity_table(tracks["icao24"].unique().to_list(), reference_data(settings))
        tracks = tracks.join(identity, on="icao24", how="left")
    with workspace.connect() as con, transaction(con):
        con.execute("DELETE FROM tracks")
        if tracks is not None and tracks.height:
            arrow = tracks.to_arrow()
            con.register("_tracks", arrow)
            con.execute("INSERT INTO tracks BY NAME SELECT * FROM _tracks")
            con.unregister("_tracks")
        stages.record(con, stages.TRACKS, {"": inputs}, clock.now() if clock else None)
    return 0 if tracks is None else tracks.height


@dataclass(frozen=True, slots=True)
class TrackFilter:
    day: date | None = None
    icao24: tuple[str, ...] = ()
    role: str | None = None
    of_interest: bool = False
    since: datetime | None = None
    until: datetime | None = None


LIST_COLUMNS = (
    "track_id, icao24, first_seen, last_seen, duration_s, n_rows, n_fixes, "
    "array_to_string(callsigns, ' ') AS callsigns, array_to_string(list_distinct(squawks), ' ') AS squawks, "
    "alt_min_ft, alt_max_ft, n_flagged, aircraft_type, operator, role, country, of_interest, "
    "coalesce(time_approximate, false) AS time_approximate"
)


def _where(filters: TrackFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    start, end = filters.since, filters.until
    if filters.day is not None:
        start = datetime(filters.day.year, filters.day.month, filters.day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
    if start is not None:
        clauses.append("last_seen >= ?")
        params.append(start)
    if end is not None:
        clauses.append("first_seen < ?")
        params.append(end)
    if filters.icao24:
        clauses.append(f"icao24 IN ({', '.join('?' for _ in filters.icao24)})")
        params.extend(a.strip().lower() for a in filters.icao24)
    if filters.role:
        clauses.append("lower(role) = lower(?)")
        params.append(filters.role)
    if filters.of_interest:
        clauses.append("of_interest")
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def list_tracks(workspace: Workspace, filters: TrackFilter) -> pa.Table:
    """One row per track overlapping the filters, ordered by first seen."""
    where, params = _where(filters)
    with workspace.connect(read_only=True) as con:
        table = con.sql(
            f"SELECT {LIST_COLUMNS} FROM tracks {where} ORDER BY first_seen, icao24", params=params
        ).to_arrow_table()
    assert isinstance(table, pa.Table)
    return table


def show_tracks(workspace: Workspace, icao24: str) -> pa.Table:
    """Every column of every track of one address, ordered by first seen."""
    with workspace.connect(read_only=True) as con:
        table = con.sql(
            "SELECT * FROM tracks WHERE icao24 = ? ORDER BY first_seen", params=[icao24.strip().lower()]
        ).to_arrow_table()
    assert isinstance(table, pa.Table)
    return table


EXPORT_COLUMNS = (
    "track_id, icao24, first_seen, last_seen, duration_s, n_rows, n_fixes, "
    "array_to_string(callsigns, ' ') AS callsigns, array_to_string(squawks, ' ') AS squawks, "
    "nic_min, nic_max, nacp_min, nacp_max, n_flagged, n_impossible_speed, n_position_jump, n_cpr_ambiguous, "
    "n_frozen_position, n_integrity_low, alt_min_ft, alt_max_ft, lat_min_deg, lat_max_deg, lon_min_deg, "
    "lon_max_deg, aircraft_type, operator, role, country, of_interest, "
    "coalesce(time_approximate, false) AS time_approximate, geometry"
)


def _query_tracks(workspace: Workspace, filters: ExportFilter) -> pa.RecordBatchReader:
    where, params = _where(
        TrackFilter(day=filters.day, icao24=filters.icao24, since=filters.since, until=filters.until)
    )
    with workspace.connect(read_only=True) as con:
        table = con.sql(
            f"SELECT {EXPORT_COLUMNS} FROM tracks {where} ORDER BY first_seen, icao24", params=params
        ).to_arrow_table()
    assert isinstance(table, pa.Table)
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=4096))


register_export_kind(
    ExportKind(
        name="tracks",
        description="one row per track with its GeoJSON LineString (columns in docs/formats/tracks.md)",
        formats=("parquet", "csv", "json", "jsonl", "geojson", "kml"),
        query=_query_tracks,
    )
)
