"""Borders: the reference points, vectorised look-ups, shared borders and the < 100 m error bound."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer

from airpicture.model.errors import ReferenceDataError
from airpicture.reference import ReferenceData
from tests.conftest import TEST_DATA

FIXTURES = TEST_DATA / "borders"


@pytest.mark.parametrize(
    ("place", "lat", "lon", "code"),
    [
        ("Simferopol", 44.95, 34.10, "UA"),  # Germany point of view: Crimea is Ukraine
        ("Sevastopol", 44.60, 33.52, "UA"),
        ("Minsk", 53.90, 27.56, "BY"),
        ("Kaliningrad", 54.71, 20.51, "RU"),
        ("Homiel", 52.43, 30.99, "BY"),
        ("Chernihiv", 51.49, 31.29, "UA"),
        ("Vilnius", 54.69, 25.28, "LT"),
        ("Warsaw", 52.23, 21.01, "PL"),
        ("Riga", 56.95, 24.11, "LV"),
        ("Moscow", 55.75, 37.62, "RU"),
        ("Paris", 48.86, 2.35, "FR"),  # Natural Earth ISO_A2 is -99 for France; ISO_A2_EH fixes it
        ("Oslo", 59.91, 10.75, "NO"),
    ],
)
def test_country_at_known_places(ref: ReferenceData, place: str, lat: float, lon: float, code: str) -> None:
    assert ref.country_at(lat, lon) == code, place


def test_sea_is_no_country(ref: ReferenceData) -> None:
    assert ref.country_at(55.0, 18.0) is None  # Baltic Sea
    assert ref.country_at(43.0, 34.0) is None  # Black Sea


def test_countries_at_is_vectorised_and_keeps_shape(ref: ReferenceData) -> None:
    lats = np.array([[44.95, 53.90], [54.71, np.nan]])
    lons = np.array([[34.10, 27.56], [20.51, 27.0]])
    out = ref.countries_at(lats, lons)
    assert out.shape == (2, 2)
    assert out.tolist() == [["UA", "BY"], ["RU", ""]]
    assert ref.countries_at(np.array([]), np.array([])).shape == (0,)


@settings(max_examples=30, deadline=None)
@given(
    lats=st.lists(st.floats(50.0, 57.0), min_size=1, max_size=40),
    lons=st.lists(st.floats(22.0, 33.0), min_size=1, max_size=40),
)
def test_vectorised_agrees_with_polygon_containment(ref: ReferenceData, lats: list[float], lons: list[float]) -> None:
    n = min(len(lats), len(lons))
    lat, lon = np.array(lats[:n]), np.array(lons[:n])
    got = ref.countries_at(lat, lon)
    for code in ("BY", "UA", "PL", "LT", "LV", "RU"):
        inside = shapely.contains_xy(ref.country(code), lon, lat)
        assert np.all(got[inside] == code)


def test_border_is_the_shared_boundary(ref: ReferenceData) -> None:
    line = ref.border("BY", "UA")
    assert line.geom_type in ("LineString", "MultiLineString")
    length_km = Geod(ellps="WGS84").geometry_length(line) / 1000
    assert 800 < length_km < 1200  # ~1,100 km on the ground; Natural Earth 1:10m smooths river meanders
    # every vertex of the border lies on both countries' boundaries
    coords = shapely.get_coordinates(line)
    points = shapely.points(coords)
    assert shapely.dwithin(ref.country("BY").boundary, points, 1e-9).all()
    assert shapely.dwithin(ref.country("UA").boundary, points, 1e-9).all()
    assert ref.border("UA", "BY").equals(line)


@pytest.mark.parametrize("other", ["UA", "RU", "PL", "LT", "LV"])
def test_every_belarus_border_exists(ref: ReferenceData, other: str) -> None:
    assert not ref.border("BY", other).is_empty


def test_no_gaps_across_a_border(ref: ReferenceData) -> None:
    """Shared vertices mean points just either side of the BY–UA border fall in one country or the other."""
    line = ref.border("BY", "UA")
    samples = shapely.line_interpolate_point(
        line, np.linspace(0.01, 0.99, 500), normalized=True
    )  # away from the tripoints
    x, y = shapely.get_coordinates(samples).T
    for dx, dy in ((0.0003, 0.0), (-0.0003, 0.0), (0.0, 0.0003), (0.0, -0.0003)):
        codes = ref.countries_at(y + dy, x + dx)
        assert set(codes.tolist()) <= {"BY", "UA"}


def test_border_between_non_neighbours_is_an_error(ref: ReferenceData) -> None:
    with pytest.raises(ReferenceDataError, match="share no land border") as err:
        ref.border("BY", "FR")
    assert err.value.exit_code == 2


def test_unknown_country_names_it_and_lists_valid_codes(ref: ReferenceData) -> None:
    with pytest.raises(ReferenceDataError) as err:
        ref.border("BY", "XX")
    text = str(err.value)
    assert "'XX'" in text and "BY" in text and "UA" in text


def test_neighbours(ref: ReferenceData) -> None:
    assert ref.borders.neighbours("BY") == ("LT", "LV", "PL", "RU", "UA")


def test_coverage_includes_every_region_country(ref: ReferenceData) -> None:
    for name in ref.region_names():
        for code in ref.region(name).countries:
            assert ref.country(code).area > 0


@pytest.mark.parametrize("code", ["BY", "UA", "LT"])
def test_shipped_border_error_below_100_m(ref: ReferenceData, code: str) -> None:
    """Hausdorff distance in metres between the shipped polygon and the unsimplified source polygon."""
    source = shapely.from_wkb(gzip.decompress((FIXTURES / f"{code}.wkb.gz").read_bytes()))
    shipped = ref.country(code)
    assert len(shapely.get_parts(shipped)) == len(shapely.get_parts(source))
    centre = source.centroid
    to_metres = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m", always_xy=True
    )
    a = shapely.transform(source.boundary, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1])))
    b = shapely.transform(shipped.boundary, lambda xy: np.column_stack(to_metres.transform(xy[:, 0], xy[:, 1])))
    error_m = shapely.hausdorff_distance(a, b, densify=0.25)
    assert error_m < 100.0
    assert error_m < 2.0  # what the shipped encoding (1e-5 degree grid, no simplification) actually gives
