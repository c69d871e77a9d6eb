"""Public testing fakes for airpicture's own tests and for plug-in authors.

- :class:`FixedClock`: a clock that stands still until told to move.
- :class:`ListSource`: a source that yields the Arrow batches it was given.
- :func:`make_track`: a positions table (``POSITIONS_SCHEMA``) for one aircraft from a few points,
  optionally densified to one fix every ``step_s`` seconds.

Everything these fakes make is simulated and says so: positions carry the ``SIMULATED`` flag and a
``source_file`` starting with ``simulated:``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from airpicture.geo import KM_PER_NM, haversine_km, initial_bearing_deg
from airpicture.model.clock import FixedClock
from airpicture.model.schemas import POSITIONS_SCHEMA, PositionFlag

__all__ = ["FixedClock", "ListSource", "TrackPoint", "make_track"]

TrackPoint = tuple[datetime, float, float, float]
"""``(time_utc, lat_deg, lon_deg, alt_ft)``."""


@dataclass(frozen=True, slots=True)
class ListSource:
    """A source that yields the given record batches (or tables, one batch per table chunk) in order."""

    batches: Sequence[pa.RecordBatch | pa.Table]
    name: str = "simulated:list-source"

    def read(self) -> Iterator[pa.RecordBatch]:
        for item in self.batches:
            if isinstance(item, pa.Table):
                yield from item.to_batches()
            else:
                yield item


def make_track(
    icao24: str,
    points: Sequence[TrackPoint],
    *,
    callsign: str | None = None,
    step_s: float | None = None,
    squawk: str | None = None,
) -> pa.Table:
    """A positions table for one aircraft through ``points`` (at least one).

    With ``step_s`` the track is densified by linear interpolation in time, latitude, longitude and
    altitude (fine for the short legs tests use). Ground speed and track are derived from successive
    fixes. Raises ``ValueError`` for naive times or points out of time order.
    """
    if not points:
        raise ValueError("make_track needs at least one point")
    times = np.array([p[0].astimezone(UTC).timestamp() for p in points if p[0].tzinfo], dtype=np.float64)
    if len(times) != len(points):
        raise ValueError("make_track needs timezone-aware times")
    if np.any(np.diff(times) < 0):
        raise ValueError("make_track points must be in time order")
    lats = np.array([p[1] for p in points], dtype=np.float64)
    lons = np.array([p[2] for p in points], dtype=np.float64)
    alts = np.array([p[3] for p in points], dtype=np.float64)
    if step_s is not None and len(points) > 1:
        dense = times[0] + np.arange(0.0, times[-1] - times[0] + step_s * 1e-6, step_s)
        lats, lons, alts = (np.interp(dense, times, v) for v in (lats, lons, alts))
        times = dense
    gs_kt, track_deg = _speed_and_track(times, lats, lons)
    n = len(times)
    return pa.table(
        {
            "ts": pa.array((times * 1e6).astype("int64"), pa.int64()).cast(POSITIONS_SCHEMA.field("ts").type),
            "icao24": pa.array([icao24.lower()] * n, pa.string()),
            "lat_deg": lats,
            "lon_deg": lons,
            "alt_ft": alts.astype(np.float32),
            "alt_gnss_ft": pa.nulls(n, pa.float32()),
            "gs_kt": gs_kt.astype(np.float32),
            "track_deg": track_deg.astype(np.float32),
            "vrate_fpm": pa.nulls(n, pa.float32()),
            "callsign": pa.array([callsign] * n, pa.string()),
            "squawk": pa.array([squawk] * n, pa.string()),
            "on_ground": pa.array([False] * n),
            "nic": pa.array([8] * n, pa.int8()),
            "nacp": pa.array([9] * n, pa.int8()),
            "sil": pa.array([3] * n, pa.int8()),
            "df": pa.nulls(n, pa.int8()),
            "tc": pa.nulls(n, pa.int8()),
            "flags": pa.array([int(PositionFlag.SIMULATED)] * n, pa.uint16()),
            "source_file": pa.array([f"simulated:make_track:{icao24.lower()}"] * n, pa.string()),
            "source_offset": pa.array(np.arange(n, dtype=np.int64)),
        },
        schema=POSITIONS_SCHEMA,
    )


def _speed_and_track(times: np.ndarray, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ground speed (kt) and true track (deg) from each fix to the next (last fix repeats the previous)."""
    n = len(times)
    if n < 2:
        return np.zeros(n), np.zeros(n)
    dist_nm = haversine_km(lats[:-1], lons[:-1], lats[1:], lons[1:]) / KM_PER_NM
    gs = dist_nm / (np.maximum(np.diff(times), 1e-9) / 3600.0)
    trk = initial_bearing_deg(lats[:-1], lons[:-1], lats[1:], lons[1:])
    return np.append(gs, gs[-1]), np.append(trk, trk[-1])
