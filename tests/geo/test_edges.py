"""BoundaryEdges: the first point where a segment meets a polygon's boundary."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.geo.edges import BoundaryEdges
from airpicture.reference import ReferenceData

_BELARUS: list[shapely.Geometry] = []


def belarus() -> shapely.Geometry:
    if not _BELARUS:
        _BELARUS.append(ReferenceData().country("BY"))
    return _BELARUS[0]


def _shapely_first_fraction(ax: float, ay: float, bx: float, by: float, polygon: shapely.Geometry) -> float:
    """The straightforward answer: intersect the segment with the boundary, project the hits onto it."""
    segment = shapely.LineString([(ax, ay), (bx, by)])
    hits = shapely.get_coordinates(shapely.intersection(segment, shapely.boundary(polygon)))
    return min((segment.project(shapely.Point(h)) / segment.length for h in hits), default=float("nan"))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), length_deg=st.floats(0.001, 1.0))
def test_first_crossing_matches_shapely_on_the_belarus_border(seed: int, length_deg: float) -> None:
    polygon = belarus()
    edges = BoundaryEdges.of(polygon)
    rng = np.random.default_rng(seed)
    # segments around points on the real border, so most of them cross it
    border = shapely.get_coordinates(shapely.boundary(polygon))
    centre = border[rng.integers(0, len(border), 200)]
    angle = rng.uniform(0, 2 * np.pi, 200)
    half = np.c_[np.cos(angle), np.sin(angle)] * length_deg / 2 * rng.uniform(0.1, 1.0, (200, 1))
    a, b = centre - half + rng.normal(0, length_deg / 10, (200, 2)), centre + half
    fraction = edges.first_crossing(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    for k in range(200):
        expected = _shapely_first_fraction(a[k, 0], a[k, 1], b[k, 0], b[k, 1], polygon)
        if np.isnan(expected):
            assert np.isnan(fraction[k])
        else:
            assert abs(fraction[k] - expected) * length_deg < 1e-7  # well under a metre


def test_a_segment_that_stays_inside_or_outside_does_not_cross() -> None:
    square = shapely.box(0, 0, 10, 10)
    edges = BoundaryEdges.of(square)
    fraction = edges.first_crossing(np.array([1.0, 20.0, -5.0]), np.array([1.0, 20.0, 5.0]),
                                    np.array([2.0, 21.0, 15.0]), np.array([2.0, 21.0, 5.0]))  # fmt: skip
    assert np.isnan(fraction[0]) and np.isnan(fraction[1])
    assert fraction[2] == 0.25  # enters at x = 0, a quarter of the way from -5 to 15
