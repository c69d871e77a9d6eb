"""Geodesic circles, arcs and border segments for airspace geometry (WGS 84).

Circles and arcs are computed on the ellipsoid (``pyproj.Geod`` forward problem), never as buffers in
degrees: a 10 NM circle at 60° N is round on the ground, not squashed. Coordinates are (lon, lat) degrees
as in GeoJSON. ``follow_border`` walks a country boundary line between two points given near it.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import linemerge, substring

M_PER_NM = 1852.0
M_PER_KM = 1000.0


@cache
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def circle_ring(lat_deg: float, lon_deg: float, radius_m: float, points: int = 72) -> list[tuple[float, float]]:
    """A closed ring of ``points`` + 1 (lon, lat) vertices at ``radius_m`` metres around the centre.

    Raises ``ValueError`` when the radius is not positive or the centre is not a valid position.
    """
    if not radius_m > 0:
        raise ValueError(f"circle radius must be positive, got {radius_m} m")
    if not (-90 <= lat_deg <= 90 and -180 <= lon_deg <= 180):
        raise ValueError(f"centre {lat_deg}, {lon_deg} is not a position")
    azimuths = np.linspace(0.0, 360.0, points, endpoint=False)
    lons, lats, _ = _geod().fwd(np.full(points, lon_deg), np.full(points, lat_deg), azimuths, np.full(points, radius_m))
    ring = [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]
    ring.reverse()  # counter-clockwise exterior (RFC 7946)
    ring.append(ring[0])
    return ring


def azimuth_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Forward azimuth from point 1 to point 2, degrees clockwise from true north, in [0, 360)."""
    az, _, _ = _geod().inv(lon1, lat1, lon2, lat2)
    return float(az) % 360.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres."""
    _, _, dist = _geod().inv(lon1, lat1, lon2, lat2)
    return float(dist)


def arc_points(
    centre_lat: float,
    centre_lon: float,
    radius_m: float,
    from_lat: float,
    from_lon: float,
    to_lat: float,
    to_lon: float,
    clockwise: bool,
    step_deg: float = 5.0,
) -> list[tuple[float, float]]:
    """(lon, lat) points along an arc of ``radius_m`` around the centre, from the bearing of the first
    point to the bearing of the second, turning clockwise or anticlockwise. The end points themselves
    are not included (the caller has them as published)."""
    start = azimuth_deg(centre_lat, centre_lon, from_lat, from_lon)
    end = azimuth_deg(centre_lat, centre_lon, to_lat, to_lon)
    sweep = (end - start) % 360.0 if clockwise else -((start - end) % 360.0)
    steps = max(int(abs(sweep) / step_deg), 1)
    azimuths = start + sweep * np.arange(1, steps) / steps
    if azimuths.size == 0:
        return []
    n = azimuths.size
    lons, lats, _ = _geod().fwd(np.full(n, centre_lon), np.full(n, centre_lat), azimuths, np.full(n, radius_m))
    return [(float(x), float(y)) for x, y in zip(lons, lats, strict=True)]


def follow_border(
    border: LineString | MultiLineString, from_lon: float, from_lat: float, to_lon: float, to_lat: float
) -> list[tuple[float, float]]:
    """The vertices of ``border`` between the points nearest ``from`` and ``to``, in that direction.

    The border (e.g. the shared boundary of two countries) may be in several pieces: the piece nearest
    to both points is used. The returned list holds the border vertices strictly between the two points' projections.
    """
    line: LineString
    if isinstance(border, MultiLineString):
        merged = linemerge(border)
        pieces = list(merged.geoms) if isinstance(merged, MultiLineString) else [merged]
        a, b = Point(from_lon, from_lat), Point(to_lon, to_lat)
        line = min(pieces, key=lambda p: p.distance(a) + p.distance(b))
    else:
        line = border
    d_from = line.project(Point(from_lon, from_lat))
    d_to = line.project(Point(to_lon, to_lat))
    lo, hi = min(d_from, d_to), max(d_from, d_to)
    coords = [(float(x), float(y)) for x, y, *_ in shapely.get_coordinates(substring(line, lo, hi))]
    if line.is_closed and hi - lo > line.length / 2:
        # a closed boundary (a whole country outline): go the shorter way round, across the ring's seam
        after = shapely.get_coordinates(substring(line, hi, line.length))
        before = shapely.get_coordinates(substring(line, 0.0, lo))
        coords = [(float(x), float(y)) for x, y, *_ in [*after, *before[1:]]]
        coords.reverse()
    if d_from > d_to:
        coords.reverse()
    # the two ends are the projections of the given points: the caller has the published points
    return coords[1:-1]


def nm_to_m(value_nm: float) -> float:
    return value_nm * M_PER_NM


def is_finite_position(lat_deg: float, lon_deg: float) -> bool:
    return math.isfinite(lat_deg) and math.isfinite(lon_deg) and -90 <= lat_deg <= 90 and -180 <= lon_deg <= 180
