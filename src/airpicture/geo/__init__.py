"""Geodesy and vectorised geometry on NumPy arrays. May import model."""

from airpicture.geo.distance import (
    EARTH_RADIUS_KM,
    KM_PER_NM,
    destination,
    haversine_km,
    initial_bearing_deg,
    local_projection,
    to_local_km,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "KM_PER_NM",
    "destination",
    "haversine_km",
    "initial_bearing_deg",
    "local_projection",
    "to_local_km",
]
