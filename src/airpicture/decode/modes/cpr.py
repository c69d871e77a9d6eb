"""Compact Position Reporting (DO-260B §A.1.7), vectorised over NumPy columns.

A CPR position is 17 bits of latitude and 17 bits of longitude *within a zone*; the zone comes either from an
even/odd pair (global decoding) or from a reference position close enough to the aircraft (local
decoding: within half a zone, ≈ 180 NM airborne and 45 NM on the surface). Airborne zones span 360°,
surface zones 90° (four times finer, so four-fold ambiguous without a reference).

All functions take raw 17-bit integers and return degrees; NaN marks a failed decode (latitude pair in
different NL zones, latitude beyond the poles).
"""

from __future__ import annotations

from functools import cache
from typing import cast

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

CPR_SCALE = 131072.0  # 2**17
NZ = 15


@cache
def nl_boundaries() -> F64:
    """Latitudes (ascending) at which NL steps from 59-i down to 58-i, from the closed form with NZ = 15."""
    a = 1 - np.cos(np.pi / (2 * NZ))
    k = np.arange(59, 1, -1, dtype=np.float64)
    cos_sq = a / (1 - np.cos(2 * np.pi / k))
    bounds = np.degrees(np.arccos(np.sqrt(cos_sq)))
    bounds[-1] = 87.0
    return cast(F64, bounds)


def cpr_nl(lat_deg: F64) -> I64:
    """Number of longitude zones NL(lat), 1..59 (DO-260B §A.1.7.2): 59 at the equator, 2 at ±87°, 1 beyond."""
    abs_lat = np.abs(lat_deg)
    nl = 59 - np.searchsorted(nl_boundaries(), abs_lat, side="right")
    nl = np.where(abs_lat == 87.0, 2, nl)
    return np.where(abs_lat > 87.0, 1, nl).astype(np.int64)


def _zone_span(surface: npt.NDArray[np.bool_] | bool) -> F64 | float:
    return np.where(surface, 90.0, 360.0) if not isinstance(surface, bool) else (90.0 if surface else 360.0)


def global_decode(
    lat_even: I64,
    lon_even: I64,
    lat_odd: I64,
    lon_odd: I64,
    odd_is_newer: npt.NDArray[np.bool_],
    surface: npt.NDArray[np.bool_],
    ref_lat_deg: F64,
    ref_lon_deg: F64,
) -> tuple[F64, F64]:
    """Position of the newer frame of each even/odd pair (DO-260B §A.1.7.3 airborne, §A.1.7.4 surface).

    Surface pairs resolve the latitude hemisphere and the 90° longitude quadrant to the candidate nearest
    ``ref_*`` (NaN reference → NaN result). Airborne pairs ignore the reference.
    """
    span = _zone_span(surface)
    yz_e = lat_even / CPR_SCALE
    yz_o = lat_odd / CPR_SCALE
    xz_e = lon_even / CPR_SCALE
    xz_o = lon_odd / CPR_SCALE
    j = np.floor(59 * yz_e - 60 * yz_o + 0.5)
    lat_e = span / 60 * (np.mod(j, 60) + yz_e)
    lat_o = span / 59 * (np.mod(j, 59) + yz_o)
    # Airborne: fold [270, 360) to the southern hemisphere. Surface: pick north/south by the reference.
    lat_e = np.where(~surface & (lat_e >= 270), lat_e - 360, lat_e)
    lat_o = np.where(~surface & (lat_o >= 270), lat_o - 360, lat_o)
    # Surface latitudes repeat every 90°: the candidates are ``newer`` (in [0, 90)), ``newer - 90`` and, when
    # ``newer`` is 0 (an all-zero latitude pair), ``newer + 90`` = the north pole, the mirror of the south
    # pole case. Keep the candidate nearest the reference.
    newer = np.where(odd_is_newer, lat_o, lat_e)
    d_here = np.abs(ref_lat_deg - newer)
    d_south = np.abs(ref_lat_deg - (newer - 90))
    d_north = np.where(newer + 90 <= 90, np.abs(ref_lat_deg - (newer + 90)), np.inf)
    south = surface & (d_south < d_here) & (d_south <= d_north)
    north = surface & ~south & (d_north < d_here)
    shift = np.where(south, -90.0, np.where(north, 90.0, 0.0))
    lat_e = lat_e + shift
    lat_o = lat_o + shift
    nl_e = cpr_nl(lat_e)
    ok = nl_e == cpr_nl(lat_o)
    lat = np.where(odd_is_newer, lat_o, lat_e)
    nl = cpr_nl(lat)
    ni = np.maximum(np.where(odd_is_newer, nl - 1, nl), 1)
    m = np.floor(xz_e * (nl - 1) - xz_o * nl + 0.5)
    lon = span / ni * (np.mod(m, ni) + np.where(odd_is_newer, xz_o, xz_e))
    lon = np.where(lon > 180, lon - 360, lon)
    # Surface: four longitude candidates 90° apart; keep the one nearest the reference (circular distance).
    quadrant = np.round(np.mod(ref_lon_deg - lon + 180, 360) / 90.0 - 2.0)
    quadrant = np.where(np.isfinite(quadrant), quadrant, 0)
    lon_s = np.mod(lon + 90 * quadrant + 180, 360) - 180
    lon = np.where(surface, lon_s, lon)
    bad = ~ok | (np.abs(lat) > 90) | (np.abs(lon) > 180) | (surface & ~np.isfinite(ref_lat_deg + ref_lon_deg))
    return np.where(bad, np.nan, lat), np.where(bad, np.nan, lon)


def local_decode(
    cpr_lat: I64,
    cpr_lon: I64,
    odd: npt.NDArray[np.bool_],
    surface: npt.NDArray[np.bool_],
    ref_lat_deg: F64,
    ref_lon_deg: F64,
) -> tuple[F64, F64]:
    """Position of single frames against a reference within half a zone (DO-260B §A.1.7.5/§A.1.7.6)."""
    span = _zone_span(surface)
    yz = cpr_lat / CPR_SCALE
    xz = cpr_lon / CPR_SCALE
    dlat = span / np.where(odd, 59.0, 60.0)
    j = np.floor(0.5 + ref_lat_deg / dlat - yz)
    lat = dlat * (j + yz)
    ni = cpr_nl(lat) - odd.astype(np.int64)
    dlon = np.where(ni > 0, span / np.maximum(ni, 1), span)
    m = np.floor(0.5 + ref_lon_deg / dlon - xz)
    lon = dlon * (m + xz)
    lon = np.where(lon > 180, lon - 360, np.where(lon < -180, lon + 360, lon))
    bad = ~np.isfinite(ref_lat_deg + ref_lon_deg) | (np.abs(lat) > 90)
    return np.where(bad, np.nan, lat), np.where(bad, np.nan, lon)
