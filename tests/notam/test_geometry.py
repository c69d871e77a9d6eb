"""Areas from item E and the Q-line: real UK polygons, arcs, circles; border following on real borders."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from airpicture.decode.notam import build_areas, decode_text, parse_notam, parse_schedule, schedule_active
from airpicture.decode.notam.schedule import intervals
from airpicture.geo.borders import distance_km, shared_border
from airpicture.model.notam import GeometrySource
from tests.notam.conftest import DATA, countries, icao_text

GEOD = Geod(ellps="WGS84")


def test_every_item_e_polygon_of_the_airspace_warnings_is_a_valid_polygon() -> None:
    from airpicture.sources.notam import read_notams

    path = DATA / "notams_uk_airspace_warnings_icao.txt"
    _, raws, _ = read_notams(path.read_bytes(), path.name)
    assert len(raws) == 396
    with_polygon = 0
    for raw in raws:
        n = parse_notam(raw.text)
        e = n.item("E")
        assert e is not None
        vertices = [c for c in n.coordinates if c.span.start >= e.span.start]
        areas, issues = build_areas(n)
        assert not issues, (n.id, issues)
        for area in areas:
            if area.geometry:
                g = shape(json.loads(area.geometry))
                assert g.is_valid and g.area > 0 and g.geom_type in ("Polygon", "MultiPolygon"), n.id
                if g.geom_type == "Polygon":
                    assert g.exterior.coords[0] == g.exterior.coords[-1]
        if len(vertices) >= 3:
            with_polygon += 1
            assert any(a.source is GeometrySource.ITEM_E for a in areas), n.id
    assert with_polygon >= 60


def test_all_129_uk_polygons_become_item_e_areas() -> None:
    count = 0
    for raw in icao_text():
        n = parse_notam(raw.text)
        e = n.item("E")
        if e is not None and sum(c.span.start >= e.span.start for c in n.coordinates) >= 3:
            count += 1
            areas, _ = build_areas(n)
            assert any(a.source is GeometrySource.ITEM_E for a in areas), n.id
    assert count == 129


def _by_id(notam_id: str) -> str:
    return next(r.text for r in icao_text() if r.text.startswith(notam_id))


def test_arcs_follow_their_circles() -> None:
    r = decode_text(_by_id("J0786/26"))
    (area,) = r.areas
    assert area.name == "AREA B" and area.source is GeometrySource.ITEM_E
    ring = shape(json.loads(area.geometry or "")).exterior.coords
    centre = (-(19 + 7 / 60) / 60, 52 + 5 / 60 + 12 / 3600)  # 520512N 0001907W
    dists = sorted(GEOD.inv(centre[0], centre[1], x, y)[2] / 1852 for x, y in ring)
    # vertices lie on the 2 NM and 3 NM arcs (and the published points near them)
    assert dists[0] == pytest.approx(2.0, abs=0.1) and dists[-1] == pytest.approx(3.0, abs=0.1)


def test_circle_in_item_e_is_geodesic() -> None:
    r = decode_text(_by_id("L4935/26"))  # WI 0.1NM RADIUS OF 540848.62N 0031353.44W
    (area,) = r.areas
    ring = shape(json.loads(area.geometry or "")).exterior.coords
    lat, lon = 54 + 8 / 60 + 48.62 / 3600, -(3 + 13 / 60 + 53.44 / 3600)
    for x, y in ring:
        assert GEOD.inv(lon, lat, x, y)[2] == pytest.approx(185.2, abs=0.5)
    assert area.raw.endswith("540848.62N 0031353.44W")


def test_q_line_circle_is_the_fallback() -> None:
    r = decode_text(_by_id("L4586/26"))  # ILS text, no coordinates in E
    (area,) = r.areas
    assert area.source is GeometrySource.Q_LINE
    ring = shape(json.loads(area.geometry or "")).exterior.coords
    for x, y in ring:
        assert GEOD.inv(-(3 + 16 / 60), 54 + 8 / 60, x, y)[2] == pytest.approx(5 * 1852, abs=0.5)


SEVERAL = """A0100/26 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/200/5200N03000E050
A) UMMV B) 2607100000 C) 2607312359
E) TEMPO RESTRICTED AREAS ACTIVATED: AREA 1: 5200N02900E - 5200N02930E - 5130N02930E - 5200N02900E.
AREA 2: CIRCLE RADIUS 5NM CENTRE 5140N03010E. NAMED UMR12 ALSO ACTIVE.
F) SFC G) 3050M AMSL"""


def test_several_areas_stay_separate_features() -> None:
    r = decode_text(SEVERAL)
    assert [(a.name, a.source) for a in r.areas] == [
        ("AREA 1", GeometrySource.ITEM_E),
        ("AREA 2", GeometrySource.ITEM_E),
    ]
    first, second = (shape(json.loads(a.geometry or "")) for a in r.areas)
    assert not first.intersects(second)
    assert second.contains(Point(30 + 10 / 60, 51 + 40 / 60))
    assert r.upper_ft == pytest.approx(10006.6)


def test_named_area_is_kept_by_name() -> None:
    r = decode_text(_by_id("J2314/26"))  # TDA EGD098E with its polygon
    assert r.areas[0].name == "EGD098E"


BORDER = """A0200/22 NOTAMN
Q) UMMV/QRDCA/IV/BO/W/000/300/5148N03000E040
A) UMMV B) 2207110000 C) 2207312359
E) DANGER AREA ACTIVATED WI 515500N0293000E - 512551N0293000E THEN ALONG STATE BORDER WITH UKRAINE
TO 511533N0303000E - 515500N0303000E - 515500N0293000E.
F) SFC G) FL300"""


def test_along_the_state_border_follows_the_real_boundary() -> None:
    world = countries()
    border = shared_border(world["BY"], world["UA"])
    assert border is not None

    def lookup(a: str, b: str | None):  # type: ignore[no-untyped-def]
        return shared_border(world[a], world[b]) if b else world[a].boundary

    r = decode_text(BORDER, lookup)
    (area,) = r.areas
    polygon = shape(json.loads(area.geometry or ""))
    assert polygon.is_valid
    # many border vertices were inserted, and the southern edge hugs the border
    assert len(polygon.exterior.coords) > 20
    southern = [Point(x, y) for x, y in polygon.exterior.coords if y < 51.6]
    assert southern and max(distance_km(p, border) for p in southern) < 15
    # without border data it is drawn straight and reported
    r2 = decode_text(BORDER)
    assert any("border" in i.reason for i in r2.notam.issues)


def test_schedules() -> None:
    start = datetime(2026, 8, 22, tzinfo=UTC)
    s = parse_schedule("TUE-FRI 0600-2300, SAT 1200-2300", start)
    assert schedule_active(s, datetime(2026, 8, 25, 6, 0, tzinfo=UTC))  # Tuesday
    assert not schedule_active(s, datetime(2026, 8, 24, 12, 0, tzinfo=UTC))  # Monday
    assert not schedule_active(s, datetime(2026, 8, 22, 11, 0, tzinfo=UTC))  # Saturday morning
    assert schedule_active(s, datetime(2026, 8, 22, 12, 0, tzinfo=UTC))
    overnight = parse_schedule("2130-0330", start)
    assert schedule_active(overnight, datetime(2026, 8, 23, 2, 0, tzinfo=UTC))
    dated = parse_schedule("AUG 24 26 27 SEP 01-04 0600-1800", start)
    assert schedule_active(dated, datetime(2026, 9, 3, 7, 0, tzinfo=UTC))
    assert not schedule_active(dated, datetime(2026, 8, 25, 7, 0, tzinfo=UTC))
    exc = parse_schedule("0700-1700 EXC SAT SUN", start)
    assert not schedule_active(exc, datetime(2026, 8, 23, 8, 0, tzinfo=UTC))
    unreadable = parse_schedule("WHEN THE WIND BLOWS", start)
    assert not unreadable.readable and schedule_active(unreadable, datetime(2026, 8, 23, 8, 0, tzinfo=UTC))


def test_sr_ss_uses_the_real_sun_at_the_location() -> None:
    s = parse_schedule("SR-SS", datetime(2026, 6, 21, tzinfo=UTC))
    day = datetime(2026, 6, 21, tzinfo=UTC)
    (minsk,) = intervals(s, day, day.replace(hour=23, minute=59), 53.9, 27.57)
    # Minsk, 21 June 2026: sunrise 01:40 UTC, sunset 18:43 UTC (NOAA solar calculator), within 3 minutes
    assert abs((minsk[0] - day.replace(hour=1, minute=40)).total_seconds()) < 180
    assert abs((minsk[1] - day.replace(hour=18, minute=43)).total_seconds()) < 180
