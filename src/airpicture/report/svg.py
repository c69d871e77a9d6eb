"""Inline SVG: the map (GeoJSON drawn in an equirectangular projection scaled by cos(latitude)) and the
night-activity chart. No scripts, no external resources: the HTML stays self-contained and offline."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from airpicture.model.judgments import MapData

WIDTH, HEIGHT = 720, 520


def _coords(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    """Every ring or line of a GeoJSON geometry as a list of [lon, lat]."""
    kind = geometry.get("type")
    c: Any = geometry.get("coordinates") or []
    if kind == "Point":
        yield [c]
    elif kind in ("LineString", "MultiPoint"):
        yield c
    elif kind in ("Polygon", "MultiLineString"):
        yield from c
    elif kind == "MultiPolygon":
        for polygon in c:
            yield from polygon
    elif kind == "GeometryCollection":
        for g in geometry.get("geometries", []):
            yield from _coords(g)


class Projection:
    def __init__(self, bbox: tuple[float, float, float, float]) -> None:
        west, south, east, north = bbox
        self.lat0 = math.radians((south + north) / 2)
        span_x = (east - west) * math.cos(self.lat0)
        span_y = north - south
        self.scale = min(WIDTH / span_x, HEIGHT / span_y)
        self.west, self.north = west, north
        self.dx = (WIDTH - span_x * self.scale) / 2
        self.dy = (HEIGHT - span_y * self.scale) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.dx + (lon - self.west) * math.cos(self.lat0) * self.scale,
            self.dy + (self.north - lat) * self.scale,
        )

    def path(self, geometry: dict[str, Any], close: bool) -> str:
        parts = []
        for ring in _coords(geometry):
            if not ring:
                continue
            pts = [self.xy(p[0], p[1]) for p in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + ("Z" if close else ""))
        return "".join(parts)


def _bbox(geometries: Sequence[dict[str, Any]]) -> tuple[float, float, float, float]:
    lons = [p[0] for g in geometries for ring in _coords(g) for p in ring]
    lats = [p[1] for g in geometries for ring in _coords(g) for p in ring]
    if not lons:
        return (23.0, 51.0, 33.0, 56.5)
    pad_x, pad_y = (max(lons) - min(lons)) * 0.08 + 0.2, (max(lats) - min(lats)) * 0.08 + 0.2
    return (min(lons) - pad_x, min(lats) - pad_y, max(lons) + pad_x, max(lats) + pad_y)


def map_svg(data: MapData, cites: dict[str, int]) -> str:
    """The map: countries, the watched country, restrictions, tracks, orbits, markers (with endnote numbers)."""
    countries = {code: json.loads(g) for code, g in data.countries}
    watched = countries.get(data.watched)
    proj = Projection(_bbox([watched] if watched else list(countries.values())))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="Map of the night: borders, tracks of interest, orbits, restrictions and events" class="map">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" class="sea"/>',
    ]
    for code, geometry in sorted(countries.items()):
        cls = "watched" if code == data.watched else "country"
        out.append(f'<path class="{cls}" d="{proj.path(geometry, True)}"><title>{escape(code)}</title></path>')
    for notam, g in data.restrictions:
        out.append(
            f'<path class="restriction" d="{proj.path(json.loads(g), True)}">'
            f"<title>NOTAM {escape(notam)}</title></path>"
        )
    for label, g in data.tracks:
        out.append(f'<path class="track" d="{proj.path(json.loads(g), False)}"><title>{escape(label)}</title></path>')
    for label, g in data.orbits:
        out.append(f'<path class="orbit" d="{proj.path(json.loads(g), False)}"><title>{escape(label)}</title></path>')
    # Markers closer than a label's width share one label ("13, 23") instead of printing over each other.
    placed: list[tuple[float, float, list[int]]] = []
    for claim_id, label, lon, lat in data.markers:
        x, y = proj.xy(lon, lat)
        n = cites.get(claim_id)
        tag = f" [{n}]" if n else ""
        out.append(
            f'<g class="marker"><circle cx="{x:.1f}" cy="{y:.1f}" r="5"/><title>{escape(label + tag)}</title></g>'
        )
        near = next((p for p in placed if abs(p[0] - x) < 14 and abs(p[1] - y) < 10), None)
        if near is None:
            placed.append((x, y, [n] if n else []))
        elif n and n not in near[2]:
            near[2].append(n)
    for x, y, numbers in placed:
        if numbers:
            text = ", ".join(str(n) for n in sorted(numbers))
            out.append(f'<text class="marker-label" x="{x + 7:.1f}" y="{y + 4:.1f}">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def chart_svg(activity: Sequence[tuple[str, int, float]], baseline: float | None, today: str) -> str:
    """Bars: aircraft without airline callsigns per night; a line at the baseline (none when there is no
    baseline yet); today's bar highlighted."""
    w, h, left, bottom = 720, 240, 40, 40
    n = max(1, len(activity))
    top = max([c for _, c, _ in activity] + [baseline or 0.0, 1.0]) * 1.15
    bar = (w - left - 10) / n
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" class="chart" '
        'aria-label="Night activity against its baseline">'
    ]

    def y(v: float) -> float:
        return h - bottom - (h - bottom - 10) * v / top

    for i, (night, count, cov) in enumerate(activity):
        x = left + i * bar
        cls = "bar today" if night == today else "bar"
        out.append(
            f'<rect class="{cls}" x="{x + 2:.1f}" y="{y(count):.1f}" width="{bar - 4:.1f}" '
            f'height="{y(0) - y(count):.1f}">'
            f"<title>{night}: {count} aircraft, receivers up {cov:.0%}</title></rect>"
        )
        if i % max(1, n // 8) == 0 or night == today:
            out.append(
                f'<text class="axis" x="{x + bar / 2:.1f}" y="{h - bottom + 16}" '
                f'text-anchor="middle">{night[5:]}</text>'
            )
    if baseline is not None:
        out.append(f'<line class="baseline" x1="{left}" x2="{w - 10}" y1="{y(baseline):.1f}" y2="{y(baseline):.1f}"/>')
        out.append(
            f'<text class="axis" x="{w - 12}" y="{y(baseline) - 4:.1f}" text-anchor="end">'
            f"baseline {baseline:.1f}</text>"
        )
    out.append(f'<line class="axisline" x1="{left}" x2="{w - 10}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>')
    out.append("</svg>")
    return "".join(out)
