"""Vectorised distances and bearings on the WGS 84 sphere approximation, and local projections.

All functions take NumPy arrays (or scalars) in degrees and return arrays. Distances use the haversine
formula on a sphere of radius 6,371.0088 km (the IUGG mean radius): within 0.5 % of the ellipsoid, which
is ample for speeds, gaps and proximity. Where metre accuracy matters (NOTAM circles, border error
tests) use :mod:`pyproj` geodesics instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import CRS, Transformer

EARTH_RADIUS_KM = 6371.0088
KM_PER_NM = 1.852

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    lat1_deg: npt.ArrayLike, lon1_deg: npt.ArrayLike, lat2_deg: npt.ArrayLike, lon2_deg: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km between paired points (broadcasting)."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    )
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def initial_bearing_deg(
    lat1_deg: npt.ArrayLike, lon1_deg: npt.ArrayLike, lat2_deg: npt.ArrayLike, lon2_deg: npt.ArrayLike
) -> FloatArray:
    """Initial true bearing in degrees [0, 360) from point 1 to point 2."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1_deg, lon1_deg, lat2_deg, lon2_deg)
    )
    dlon = lon2 - lon1
    y = np.sin(dlon) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.asarray((np.degrees(np.arctan2(y, x)) + 360.0) % 360.0, dtype=np.float64)


def destination(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, bearing_deg: npt.ArrayLike, dist_km: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point ``dist_km`` from the start along ``bearing_deg`` (great circle). Returns (lat, lon)."""
    lat1, lon1, brg = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat_deg, lon_deg, bearing_deg))
    delta = np.asarray(dist_km, dtype=np.float64) / EARTH_RADIUS_KM
    lat2 = np.arcsin(np.sin(lat1) * np.cos(delta) + np.cos(lat1) * np.sin(delta) * np.cos(brg))
    lon2 = lon1 + np.arctan2(np.sin(brg) * np.sin(delta) * np.cos(lat1), np.cos(delta) - np.sin(lat1) * np.sin(lat2))
    lon2 = (lon2 + np.pi) % (2 * np.pi) - np.pi
    return np.degrees(lat2), np.degrees(lon2)


def local_projection(lat0_deg: float, lon0_deg: float) -> tuple[Transformer, Transformer]:
    """Forward and inverse transformers between WGS 84 lon/lat and an azimuthal-equidistant plane in
    metres centred on (lat0, lon0): distances from the centre are exact, and nearby shapes keep their
    size — the right plane for circles, orbits and buffers (never buffer in degrees)."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0_deg} +lon_0={lon0_deg} +datum=WGS84 +units=m +no_defs")
    forward = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    inverse = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    return forward, inverse


def to_local_km(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, lat0_deg: float, lon0_deg: float
) -> tuple[FloatArray, FloatArray]:
    """Project points to (x_km east, y_km north) in the azimuthal-equidistant plane around (lat0, lon0)."""
    forward, _ = local_projection(lat0_deg, lon0_deg)
    x, y = forward.transform(np.asarray(lon_deg, dtype=np.float64), np.asarray(lat_deg, dtype=np.float64))
    return np.asarray(x, dtype=np.float64) / 1000.0, np.asarray(y, dtype=np.float64) / 1000.0
