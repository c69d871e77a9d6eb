"""Geodesy properties: symmetry, round trips, agreement with pyproj's ellipsoidal geodesics."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from airpicture.geo import destination, haversine_km, initial_bearing_deg, to_local_km

lats = st.floats(-80, 80)
lons = st.floats(-179.9, 179.9)


@given(lats, lons, lats, lons)
def test_haversine_is_symmetric_and_non_negative(a: float, b: float, c: float, d: float) -> None:
    one, two = haversine_km(a, b, c, d), haversine_km(c, d, a, b)
    assert one >= 0 and np.isclose(one, two, rtol=1e-12, atol=1e-9)


@given(lats, lons, st.floats(0, 359.99), st.floats(0.001, 2000))
def test_destination_then_distance_and_bearing_round_trip(lat: float, lon: float, bearing: float, dist: float) -> None:
    lat2, lon2 = destination(lat, lon, bearing, dist)
    assert np.isclose(haversine_km(lat, lon, lat2, lon2), dist, rtol=1e-6, atol=1e-6)
    if dist > 0.01:
        back = initial_bearing_deg(lat, lon, lat2, lon2)
        assert min(abs(back - bearing), 360 - abs(back - bearing)) < 1e-3


def test_agrees_with_ellipsoid_within_half_a_percent() -> None:
    # Minsk to Kyiv and Machulishchy to Mazyr: real distances on the WGS 84 ellipsoid.
    geod = Geod(ellps="WGS84")
    pairs = [(53.90, 27.57, 50.45, 30.52), (53.77, 27.58, 52.05, 29.27)]
    for lat1, lon1, lat2, lon2 in pairs:
        _, _, metres = geod.inv(lon1, lat1, lon2, lat2)
        assert abs(haversine_km(lat1, lon1, lat2, lon2) - metres / 1000) / (metres / 1000) < 0.005


def test_local_projection_keeps_distances_from_the_centre() -> None:
    x, y = to_local_km(np.array([50.45]), np.array([30.52]), 53.90, 27.57)
    assert np.isclose(np.hypot(x, y)[0], Geod(ellps="WGS84").inv(27.57, 53.90, 30.52, 50.45)[2] / 1000, rtol=1e-6)
