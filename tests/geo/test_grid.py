"""LabelGrid gives exactly shapely's answer, whatever the points."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.geo.grid import LabelGrid


def star(cx: float, cy: float, r1: float, r2: float, spikes: int) -> shapely.Polygon:
    angles = np.linspace(0, 2 * np.pi, 2 * spikes, endpoint=False)
    radii = np.where(np.arange(2 * spikes) % 2 == 0, r1, r2)
    return shapely.Polygon(np.c_[cx + radii * np.cos(angles), cy + radii * np.sin(angles)])


def neighbours() -> tuple[list[str], list[shapely.Geometry]]:
    """Two countries sharing a jagged border, one with a hole (an enclave), and a third apart."""
    west = shapely.Polygon([(20, 50), (25, 50), (25.3, 51), (24.8, 52), (25.2, 53), (25, 54), (20, 54)])
    east = shapely.box(20, 50, 30, 54).difference(west)
    enclave = star(27.0, 52.0, 0.6, 0.25, 9)
    east = east.difference(enclave)
    return ["W", "E", "X"], [west, east, enclave]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cell=st.sampled_from([0.01, 0.05, 0.2]))
def test_grid_agrees_with_shapely_everywhere(seed: int, cell: float) -> None:
    labels, polygons = neighbours()
    grid = LabelGrid.build(labels, polygons, bounds=(19.0, 49.0, 31.0, 55.0), cell_deg=cell)
    rng = np.random.default_rng(seed)
    lons = rng.uniform(18.0, 32.0, 4000)  # includes points outside the grid
    lats = rng.uniform(48.0, 56.0, 4000)
    expected = np.full(lats.shape, None, dtype=object)
    for label, polygon in zip(labels, polygons, strict=True):
        expected[shapely.contains_xy(polygon, lons, lats)] = label
    assert (grid.labels_at(lats, lons) == expected).all()


def test_points_on_the_border_and_nan() -> None:
    labels, polygons = neighbours()
    grid = LabelGrid.build(labels, polygons, cell_deg=0.05)
    lats = np.array([52.0, np.nan, 52.0])
    lons = np.array([24.8, 22.0, 27.0])
    # (24.8, 52.0) is a vertex of the shared border: in neither interior (shapely's convention).
    assert list(grid.labels_at(lats, lons)) == [None, None, "X"]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_overlapping_polygons_keep_the_first_label_and_crowded_cells_test_all(seed: int) -> None:
    # B overlaps A (a point in both is A's, as shapely in list order says); C, D, E meet at one corner.
    polygons = [
        shapely.box(0, 0, 2.013, 2),
        star(2.0, 1.0, 1.0, 0.4, 7),
        shapely.box(4, 0, 5, 1),
        shapely.box(5, 0, 6, 1),
        shapely.box(4.5, 1, 5.5, 2),
    ]
    labels = ["A", "B", "C", "D", "E"]
    grid = LabelGrid.build(labels, polygons, bounds=(-1.0, -1.0, 7.0, 3.0), cell_deg=0.1)
    assert (grid.candidates[..., 0] == LabelGrid.ANY).any()  # the C/D/E corner
    rng = np.random.default_rng(seed)
    lons, lats = rng.uniform(-1.5, 7.5, 5000), rng.uniform(-1.5, 3.5, 5000)
    expected = np.full(lats.shape, None, dtype=object)
    for label, polygon in reversed(list(zip(labels, polygons, strict=True))):
        expected[shapely.contains_xy(polygon, lons, lats)] = label
    assert (grid.labels_at(lats, lons) == expected).all()
