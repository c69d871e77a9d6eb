"""The current air picture: each aircraft's latest state at a moment, with its identity (the web API's
``aircraft``, the dashboard, the ``/v2`` compatibility router).

"Current" is a moment ``at`` (default: the newest position in the workspace, so a replayed night shows its
last picture and a live workspace shows now) and a window before it (``window_s``, like tar1090's "seen"):
an aircraft heard in the window is in the picture; its position is its newest fix in the window, or none
("heard without position": Mode S replies, velocity or identification messages only). One DuckDB query
over the positions columns, grouped per address; identity comes from the reference stage, one look-up per
address (``pipeline.tracks.identity_table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import polars as pl

from airpicture.model.settings import Settings
from airpicture.pipeline.reference import reference_data
from airpicture.pipeline.tracks import identity_table
from airpicture.reference import ReferenceData
from airpicture.store import Workspace

DEFAULT_WINDOW_S = 60.0
"""An aircraft not heard for this long drops off the picture (tar1090 and readsb use 60 s too)."""


@dataclass(frozen=True, slots=True)
class AircraftFilter:
    """Filters of the picture (all optional; combined with AND). ``bbox`` is (south, west, north, east) in
    degrees and keeps aircraft with a position inside it."""

    at: datetime | None = None
    window_s: float = DEFAULT_WINDOW_S
    bbox: tuple[float, float, float, float] | None = None
    military: bool = False
    watchlist: bool = False
    category: str | None = None
    icao24: tuple[str, ...] = ()
    callsign: str | None = None
    near: tuple[float, float, float] | None = None
    """(lat, lon, radius in nautical miles): aircraft with a position within that great-circle distance."""


PICTURE_SQL = """
SELECT icao24,
       max(ts) AS last_seen,
       max(ts) FILTER (WHERE lat_deg IS NOT NULL) AS position_at,
       arg_max(lat_deg, ts) FILTER (WHERE lat_deg IS NOT NULL) AS lat_deg,
       arg_max(lon_deg, ts) FILTER (WHERE lat_deg IS NOT NULL) AS lon_deg,
       arg_max(alt_ft, ts) FILTER (WHERE alt_ft IS NOT NULL) AS alt_ft,
       arg_max(gs_kt, ts) FILTER (WHERE gs_kt IS NOT NULL) AS gs_kt,
       arg_max(track_deg, ts) FILTER (WHERE track_deg IS NOT NULL) AS track_deg,
       arg_max(trim(callsign), ts) FILTER (WHERE callsign IS NOT NULL AND trim(callsign) <> '') AS callsign,
       arg_max(squawk, ts) FILTER (WHERE squawk IS NOT NULL) AS squawk,
       count(*) AS messages
FROM positions WHERE ts > ? AND ts <= ? {extra}
GROUP BY icao24 ORDER BY icao24
"""
"""The picture's one query (``bench/web.py`` times it bare as the endpoint's baseline)."""


def latest_time(workspace: Workspace) -> datetime | None:
    """The newest position time in the workspace (None without positions)."""
    if not workspace.has_partitions("positions"):
        return None
    with workspace.connect(read_only=True) as con:
        row = con.execute("SELECT max(ts) FROM positions").fetchone()
    return None if row is None else row[0]


def picture_query(at: datetime, window_s: float, icao24: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
    extra = ""
    params: list[Any] = [at - timedelta(seconds=window_s), at]
    if icao24:
        extra = f"AND icao24 IN ({', '.join('?' for _ in icao24)})"
        params.extend(a.strip().lower() for a in icao24)
    return PICTURE_SQL.format(extra=extra), params


def current_aircraft(
    workspace: Workspace, settings: Settings, filters: AircraftFilter, reference: ReferenceData | None = None
) -> tuple[datetime | None, pa.Table]:
    """``(at, table)``: one row per aircraft heard in the window before ``at``, with identity columns
    (registration, aircraft_type, operator, role, category, military, of_interest, country)."""
    at = filters.at or latest_time(workspace)
    if at is None:
        return None, pa.table({"icao24": pa.array([], pa.string())})
    sql, params = picture_query(at, filters.window_s, filters.icao24)
    with workspace.connect(read_only=True) as con:
        table = con.sql(sql, params=params).to_arrow_table()
    assert isinstance(table, pa.Table)
    reference = reference or reference_data(settings)  # a server loads it once and passes it
    addresses = [str(a) for a in table.column("icao24").to_pylist()]
    known = _identities(addresses, reference, f"{settings.reference_path}|{settings.region_dirs}")
    names = ("aircraft_type", "operator", "role", "country", "of_interest", "registration", "category", "military")
    columns: dict[str, Any] = {name: [k[i] for k in known] for i, name in enumerate(names)}
    for name, values in columns.items():
        kind = pa.bool_() if name in ("military", "of_interest") else pa.string()
        table = table.append_column(name, pa.array(values, type=kind))
    return at, _filtered(table, filters)


_IDENTITY_CACHE: dict[tuple[str, str], tuple[Any, ...]] = {}
"""Identity per (reference folders, address): a watch-list look-up costs ~0.4 ms, a picture has 1,000 addresses
and the server asks every second. A watch-list refreshed while serving shows after a restart."""


def _identities(addresses: list[str], reference: ReferenceData, key: str) -> list[tuple[Any, ...]]:
    """Per address: the ``identity_table`` columns (type, operator, role, country, of_interest) and the
    registration, watch-list category and whether the operator is military, from one look-up."""
    missing = [a for a in addresses if (key, a) not in _IDENTITY_CACHE]
    if missing:
        table = identity_table(missing, reference)
        for row in table.iter_rows():
            known = reference.aircraft(row[0])
            military = bool(known and known.operator_class is not None and known.operator_class.value == "Mil")
            extra = (known.registration or None, known.category or None) if known else (None, None)
            _IDENTITY_CACHE[(key, row[0])] = (*row[1:5], bool(row[5]), *extra, military)
    return [_IDENTITY_CACHE[(key, a)] for a in addresses]


def _filtered(table: pa.Table, filters: AircraftFilter) -> pa.Table:
    import polars as pl

    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    keep = pl.col("icao24").str.len_chars() == 6
    if filters.bbox is not None:
        south, west, north, east = filters.bbox
        keep &= pl.col("lat_deg").is_between(south, north) & pl.col("lon_deg").is_between(west, east)
    if filters.near is not None:
        lat, lon, radius_nm = filters.near
        keep &= _dist_nm(lat, lon) <= radius_nm
    if filters.military:
        keep &= pl.col("military")
    if filters.watchlist:
        keep &= pl.col("of_interest")
    if filters.category is not None:
        keep &= pl.col("category").str.to_lowercase() == filters.category.lower()
    if filters.callsign is not None:
        keep &= pl.col("callsign").str.to_uppercase() == filters.callsign.strip().upper()
    return frame.filter(keep.fill_null(False)).to_arrow()


def _dist_nm(lat: float, lon: float) -> pl.Expr:
    """Great-circle distance (haversine) of each row's position from a point, in nautical miles."""
    import math

    import polars as pl

    lat1, lon1 = math.radians(lat), math.radians(lon)
    lat2, lon2 = pl.col("lat_deg").radians(), pl.col("lon_deg").radians()
    a = ((lat2 - lat1) / 2).sin() ** 2 + math.cos(lat1) * lat2.cos() * ((lon2 - lon1) / 2).sin() ** 2
    return 2 * EARTH_RADIUS_NM * a.clip(0, 1).sqrt().arcsin()


EARTH_RADIUS_NM = 6371.0088 / 1.852


def trail_points(workspace: Workspace, icao24: str, since: datetime | None, until: datetime | None) -> pa.Table:
    """The fixes of one aircraft in time order (ts, lat, lon, alt, gs, track, flags) between two times."""
    clauses = ["icao24 = ?", "lat_deg IS NOT NULL"]
    params: list[Any] = [icao24.strip().lower()]
    if since is not None:
        clauses.append("ts >= ?")
        params.append(since)
    if until is not None:
        clauses.append("ts <= ?")
        params.append(until)
    if not workspace.has_partitions("positions"):
        return pa.table({"ts": pa.array([], pa.timestamp("us", "UTC"))})
    with workspace.connect(read_only=True) as con:
        table = con.sql(
            "SELECT ts, lat_deg, lon_deg, alt_ft, gs_kt, track_deg, flags FROM positions "
            f"WHERE {' AND '.join(clauses)} ORDER BY ts",
            params=params,
        ).to_arrow_table()
    assert isinstance(table, pa.Table)
    return table
