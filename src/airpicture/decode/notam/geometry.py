"""Lateral limits of a NOTAM: item-E polygons, circles, arcs and border segments; Q-line circle fallback.

Item E forms read (spec/notam.md, "Geometry in item E")::

    523000N0274500E-524500N0290000E-…             polygon vertices (any coordinate form, see fields.py)
    RADIUS 5NM CENTRED ON X | CIRCLE RADIUS 1NM CENTRE X | WI 2KM RADIUS OF X | WI 0.5NM OF PSN X
    X THEN CLOCKWISE ARC OF A CIRCLE RADIUS 3NM CENTRED C TO Y     (also ANTI-CLOCKWISE, "ALONG ARC OF 10NM RADIUS")
    X THEN ALONG STATE BORDER [WITH UKRAINE] - Y    follows the country boundary from X to Y
    AREA 1: … AREA 2: …                             one area (feature) each, never merged
    EGD098E, UMR12, EGTR196                          designators kept as the area's name

Circles and arcs are geodesic (``geo.circles``). Every ring is closed and checked with shapely; an
invalid ring is repaired with ``make_valid`` (polygonal parts kept) and the repair is reported as an
issue. Border lines come from an injected ``BorderLookup`` (this stage may not import ``reference``);
without one a border segment is drawn as a straight edge and reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

from airpicture.decode.notam.fields import find_coordinates
from airpicture.geo.circles import M_PER_KM, M_PER_NM, arc_points, circle_ring, follow_border
from airpicture.model.notam import Area, Coordinate, GeometrySource, Notam, NotamIssue, Span

BorderLookup = Callable[[str, str | None], LineString | MultiLineString | None]
"""``(country_iso2, neighbour_iso2 or None) -> boundary line``: the shared border of two countries, or
the whole outline of the first when the neighbour is not named. ``None`` when unknown."""

# ICAO location-indicator prefixes of the region's states (ICAO Doc 7910) -> ISO 3166-1 alpha-2.
FIR_COUNTRY = {
    "UM": "BY",
    "UK": "UA",
    "EP": "PL",
    "EY": "LT",
    "EV": "LV",
    "EE": "EE",
    "LU": "MD",
    "LR": "RO",
    "LZ": "SK",
    "LH": "HU",
    "EF": "FI",
    "UG": "GE",
}
for _prefix in ("UU", "UL", "UW", "UR", "UN", "US", "UH", "UI", "UE", "UO", "UB"):
    FIR_COUNTRY[_prefix] = "RU"
FIR_COUNTRY["UMKK"] = "RU"  # Kaliningrad FIR is Russian despite the UM prefix

COUNTRY_NAMES = {
    "UKRAINE": "UA",
    "BELARUS": "BY",
    "REPUBLIC OF BELARUS": "BY",
    "RUSSIA": "RU",
    "RUSSIAN FEDERATION": "RU",
    "POLAND": "PL",
    "LITHUANIA": "LT",
    "LATVIA": "LV",
    "ESTONIA": "EE",
    "MOLDOVA": "MD",
    "ROMANIA": "RO",
    "FINLAND": "FI",
}

MAX_RADIUS_NM = 999
"""The largest radius an item-E circle or arc may have: the Q-line's own maximum (3 digits, NM). A larger one
(``RADIUS 99999NM``) cannot be drawn on the Earth and the NOTAM is rejected."""

_DIST = r"(?<![\d.,])(?P<dist>\d++(?:[.,]\d++)?)\s?(?P<unit>NM|KM|M)\b"  # possessive: linear (issue 19)
_CIRCLE = re.compile(
    r"(?:(?:CIRCLE\s+)?RADIUS\s+(?:OF\s+)?" + _DIST + r"\s*(?:CENTRED|CENTERED|CENTRE|CENTER)(?:\s+(?:ON|AT))?"
    r"|" + _DIST.replace("dist", "dist2").replace("unit", "unit2") + r"\s+(?:RADIUS\s+)?(?:OF|CENTRED ON|CENTERED ON|"
    r"AROUND|CENTRED|CENTERED)(?:\s+(?:PSN|POINT|POSITION))?)\s*:?\s*$"
)
_ARC = re.compile(
    r"(?P<dir>ANTI-?CLOCKWISE|COUNTER-?CLOCKWISE|CLOCKWISE)\s+(?:ALONG\s+)?(?:THE\s+|AN\s+)?ARC\s+"
    r"(?:OF\s+)?(?:A\s+CIRCLE\s+)?(?:WITH\s+)?(?:RADIUS\s+(?:OF\s+)?)?" + _DIST + r"\s*(?:RADIUS\s+)?"
    r"(?:CENTRED|CENTERED|CENTRE|CENTER)(?:\s+(?:ON|AT))?\s*:?\s*$"
)
_BORDER = re.compile(
    r"ALONG\s+(?:THE\s+)?(?:STATE\s+|NATIONAL\s+)?BORDER(?:\s+(?:WITH|OF)\s+(?:THE\s+)?"
    r"(?P<country>REPUBLIC OF BELARUS|RUSSIAN FEDERATION|[A-Z]+))?"
)
_AREA_LABEL = re.compile(r"\bAREA\s+(?P<label>\d{1,2}|[A-Z])\s*[:.)]?\s+(?!BOUNDED)")
_NAMED = re.compile(r"\b(?P<name>(?:EG|ED|EP|EY|EV|UM|UK|UU|UL)(?:TRA?|[DRP])\s?\d{1,4}[A-Z]?)\b")


@dataclass(frozen=True, slots=True)
class _Vertex:
    coordinate: Coordinate


def _metres(value: str, unit: str) -> float:
    number = float(value.replace(",", "."))
    return number * {"NM": M_PER_NM, "KM": M_PER_KM, "M": 1.0}[unit]


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    rings = [polygon.exterior, *polygon.interiors]
    return [np.round(shapely.get_coordinates(r), 6).tolist() for r in rings]


def _geojson(geometry: Polygon | MultiPolygon) -> str:
    """Compact GeoJSON text, coordinates rounded to 6 decimals (~0.1 m)."""
    if isinstance(geometry, Polygon):
        data: dict[str, object] = {"type": "Polygon", "coordinates": _rings(geometry)}
    else:
        data = {"type": "MultiPolygon", "coordinates": [_rings(p) for p in geometry.geoms]}
    return json.dumps(data, separators=(",", ":"))


class _Builder:
    def __init__(self, notam: Notam, border_lookup: BorderLookup | None) -> None:
        self.notam = notam
        self.border_lookup = border_lookup
        self.issues: list[NotamIssue] = []
        self.areas: list[Area] = []

    def issue(self, offset: int, reason: str, rejected: bool = False) -> None:
        self.issues.append(NotamIssue(self.notam.id, "E", offset, reason, rejected))

    def radius_ok(self, radius_m: float, offset: int) -> bool:
        """A circle or arc radius no larger than ``MAX_RADIUS_NM``; beyond it the NOTAM is rejected."""
        if radius_m <= MAX_RADIUS_NM * M_PER_NM:
            return True
        self.issue(
            offset,
            f"radius {radius_m / M_PER_NM:,.0f} NM is beyond {MAX_RADIUS_NM} NM (the largest Q-line radius): "
            "impossible area, NOTAM rejected",
            rejected=True,
        )
        return False

    def country(self) -> str | None:
        codes = [self.notam.qline.fir] if self.notam.qline else []
        codes += list(self.notam.locations)
        for code in codes:
            found = FIR_COUNTRY.get(code) or FIR_COUNTRY.get(code[:2])
            if found:
                return found
        return None

    def segment(self, start: int, end: int, label: str | None) -> None:
        """Read one area segment ``raw[start:end]`` (offsets into ``notam.raw``)."""
        raw = self.notam.raw
        coords = [c for c in self.notam.coordinates if start <= c.span.start < end and c is not self._qcentre()]
        ring: list[tuple[float, float]] = []
        used: set[int] = set()
        pending_border: re.Match[str] | None = None
        cursor = start
        i = 0
        while i < len(coords):
            c = coords[i]
            before = raw[cursor : c.span.start]
            circle = _CIRCLE.search(" ".join(before.split()))
            arc = _ARC.search(" ".join(before.split()))
            border = _BORDER.search(before)
            if arc is not None and ring and i + 1 < len(coords):
                end_c = coords[i + 1]
                if not self.radius_ok(_metres(arc["dist"], arc["unit"]), cursor):
                    return
                clockwise = not arc["dir"].startswith(("ANTI", "COUNTER"))
                prev_lon, prev_lat = ring[-1]
                ring.extend(
                    arc_points(
                        c.lat_deg,
                        c.lon_deg,
                        _metres(arc["dist"], arc["unit"]),
                        prev_lat,
                        prev_lon,
                        end_c.lat_deg,
                        end_c.lon_deg,
                        clockwise,
                    )
                )
                ring.append((end_c.lon_deg, end_c.lat_deg))
                used.update((i, i + 1))
                cursor = end_c.span.end
                i += 2
                continue
            if circle is not None:
                dist, unit = (circle["dist"], circle["unit"]) if circle["dist"] else (circle["dist2"], circle["unit2"])
                radius_m = _metres(dist, unit)
                if not self.radius_ok(radius_m, cursor):
                    return
                if radius_m > 0:
                    polygon = Polygon(circle_ring(c.lat_deg, c.lon_deg, radius_m))
                    fragment_start = c.span.start - len(before) + before.find(before.strip()[:1] or " ")
                    self.add(polygon, label, raw[max(fragment_start, cursor) : c.span.end], Span(cursor, c.span.end))
                used.add(i)
                cursor = c.span.end
                i += 1
                continue
            if border is not None and ring:
                pending_border = border
            if pending_border is not None and ring:
                ring.extend(self.border(pending_border, ring[-1], c, cursor))
                pending_border = None
            ring.append((c.lon_deg, c.lat_deg))
            used.add(i)
            cursor = c.span.end
            i += 1
        tail_border = _BORDER.search(raw[cursor:end])
        if tail_border is not None and len(ring) >= 2:
            first = coords[0] if coords else None
            if first is not None:
                ring.extend(self.border(tail_border, ring[-1], first, cursor))
        if len(ring) >= 3:
            first_span = next((coords[k].span.start for k in sorted(used)), start)
            self.add_ring(ring, label, raw[first_span:cursor], Span(first_span, cursor))

    def _qcentre(self) -> Coordinate | None:
        return self.notam.qline.centre if self.notam.qline else None

    def border(
        self, match: re.Match[str], last: tuple[float, float], nxt: Coordinate, offset: int
    ) -> list[tuple[float, float]]:
        country = self.country()
        neighbour = COUNTRY_NAMES.get(match["country"] or "")
        if match["country"] and neighbour is None:
            neighbour = COUNTRY_NAMES.get(match["country"].split()[0])
        line = self.border_lookup(country, neighbour) if (self.border_lookup and country) else None
        if line is None or line.is_empty:
            self.issue(offset + match.start(), f"border {country}-{neighbour or '?'} unknown: drawn as a straight edge")
            return []
        return follow_border(line, last[0], last[1], nxt.lon_deg, nxt.lat_deg)

    def add_ring(self, ring: list[tuple[float, float]], label: str | None, raw: str, span: Span) -> None:
        if ring[0] != ring[-1]:
            ring = [*ring, ring[0]]
        self.add(Polygon(ring), label, raw, span)

    def add(self, polygon: Polygon, label: str | None, raw: str, span: Span) -> None:
        geometry: object = polygon
        if not polygon.is_valid:
            repaired = shapely.make_valid(polygon)
            parts = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type in ("Polygon", "MultiPolygon")]
            if not parts:
                self.issue(span.start, "area ring does not enclose anything")
                return
            geometry = shapely.union_all(parts)
            self.issue(span.start, "area ring crosses itself: repaired")
        geometry = shapely.orient_polygons(geometry) if hasattr(shapely, "orient_polygons") else geometry
        self.areas.append(
            Area(
                index=len(self.areas),
                name=label,
                source=GeometrySource.ITEM_E,
                geometry=_geojson(geometry),
                raw=" ".join(raw.split()),
                span=span,
            )
        )


@lru_cache(maxsize=4096)
def q_circle_geojson(lat_deg: float, lon_deg: float, radius_nm: int) -> str:
    """The Q-line circle as GeoJSON text (cached: many NOTAMs share an aerodrome's centre)."""
    return _geojson(Polygon(circle_ring(lat_deg, lon_deg, radius_nm * M_PER_NM)))


def build_areas(
    notam: Notam, border_lookup: BorderLookup | None = None
) -> tuple[tuple[Area, ...], tuple[NotamIssue, ...]]:
    """The areas of ``notam``: item-E areas if any, else the Q-line circle; plus named areas.

    Returns the areas (indexed in order) and issues met on the way. Never raises on bad input.
    """
    builder = _Builder(notam, border_lookup)
    e = notam.item("E")
    names = []
    if e is not None:
        text = notam.raw[e.span.start : e.span.end]
        labels = list(_AREA_LABEL.finditer(text))
        labelled = [m for m in labels if any(True for _ in find_coordinates(text[m.end() : m.end() + 200]))]
        if len(labelled) >= 2:
            bounds = [e.span.start + m.start() for m in labelled] + [e.span.end]
            for k, m in enumerate(labelled):
                builder.segment(bounds[k], bounds[k + 1], f"AREA {m['label']}")
        else:
            builder.segment(e.span.start, e.span.end, f"AREA {labelled[0]['label']}" if labelled else None)
        names = list(dict.fromkeys(m["name"].replace(" ", "") for m in _NAMED.finditer(text)))
    areas = builder.areas
    if len(names) == 1 and areas and all(a.name is None for a in areas):
        areas = [Area(a.index, names[0], a.source, a.geometry, a.raw, a.span) for a in areas]
    elif names and not areas:
        areas = [Area(k, name, GeometrySource.NAMED, None, name, None) for k, name in enumerate(names)]
    if not any(a.geometry for a in areas):
        q = notam.qline
        if q is not None and q.centre is not None and q.radius_nm:
            circle = q_circle_geojson(q.centre.lat_deg, q.centre.lon_deg, q.radius_nm)
            areas.append(Area(len(areas), None, GeometrySource.Q_LINE, circle, "", q.span))
    return tuple(areas), tuple(builder.issues)
