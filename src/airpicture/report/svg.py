"""Inline SVG: the map (GeoJSON drawn in an equirectangular projection scaled by cos(latitude)) and the
night-activity chart. No scripts, no external resources: the HTML stays self-contained and offline."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from html import escape
from typing import Any

import shapely
import shapely.geometry

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


COUNTRY_LABELS = {
    "BY": "BELARUS", "RU": "RUSSIA", "UA": "UKRAINE", "PL": "POLAND", "LT": "LITHUANIA", "LV": "LATVIA",
    "EE": "ESTONIA", "MD": "MOLDOVA", "SK": "SLOVAKIA", "RO": "ROMANIA",
}  # fmt: skip
_NICE_KM = (10, 20, 25, 50, 100, 200, 250, 500)
PIXEL_TOLERANCE = 0.75
"""Border outlines are clipped to the map frame and simplified to this many pixels: a border drawn finer than
the screen shows nothing more and made the HTML report 98 % map paths."""


def _frame_geometry(geometry: dict[str, Any], proj: Projection) -> Any:
    """The part of ``geometry`` inside the map frame, simplified to ``PIXEL_TOLERANCE`` pixels (lat degrees)."""
    west = proj.west - proj.dx / (proj.scale * math.cos(proj.lat0))
    east = west + WIDTH / (proj.scale * math.cos(proj.lat0))
    north = proj.north + proj.dy / proj.scale
    south = north - HEIGHT / proj.scale
    shape = shapely.geometry.shape(geometry)
    clipped = shapely.clip_by_rect(shape, west - 0.2, south - 0.2, east + 0.2, north + 0.2)
    return shapely.simplify(clipped, PIXEL_TOLERANCE / proj.scale, preserve_topology=True)


def _fine(geometry_text: str, proj: Projection) -> dict[str, Any]:
    """A track, orbit or area simplified to ``PIXEL_TOLERANCE`` pixels: a one-second track has thousands of
    points per screen pixel."""
    shape = shapely.geometry.shape(json.loads(geometry_text))
    simple = shapely.simplify(shape, PIXEL_TOLERANCE / proj.scale, preserve_topology=False)
    found: dict[str, Any] = json.loads(shapely.to_geojson(simple if not simple.is_empty else shape))
    return found


def _scale_bar(proj: Projection) -> str:
    """A scale bar of a round length (km) about a fifth of the map wide, bottom left."""
    px_per_km = proj.scale / 111.2  # one degree of latitude; the projection keeps north-south distances true
    km = next((k for k in _NICE_KM if k * px_per_km >= WIDTH / 8), _NICE_KM[-1])
    length = km * px_per_km
    x, y = 16.0, HEIGHT - 18.0
    return (
        f'<g class="scalebar"><line x1="{x:.1f}" y1="{y:.1f}" x2="{x + length:.1f}" y2="{y:.1f}"/>'
        f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x:.1f}" y2="{y + 4:.1f}"/>'
        f'<line x1="{x + length:.1f}" y1="{y - 4:.1f}" x2="{x + length:.1f}" y2="{y + 4:.1f}"/>'
        f'<text x="{x + length / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle">{km} km</text></g>'
    )


def _legend(entries: Sequence[tuple[str, str]]) -> str:
    """A legend listing exactly what the map draws: (symbol class, words) in drawing order."""
    if not entries:
        return ""
    h = 14 * len(entries) + 8
    x0, y0 = WIDTH - 214, HEIGHT - h - 8
    out = [f'<g class="legend"><rect x="{x0}" y="{y0}" width="206" height="{h}" class="legend-box"/>']
    for k, (symbol, words) in enumerate(entries):
        y = y0 + 12 + 14 * k
        if symbol in ("marker", "marker unconfirmed", "place"):
            r = 2.5 if symbol == "place" else 4
            out.append(f'<circle class="{symbol}" cx="{x0 + 14}" cy="{y - 4}" r="{r}"/>')
        elif symbol in ("restriction", "watched"):
            out.append(f'<rect class="{symbol}" x="{x0 + 6}" y="{y - 9}" width="16" height="9"/>')
        else:
            out.append(f'<line class="{symbol}" x1="{x0 + 6}" y1="{y - 4}" x2="{x0 + 22}" y2="{y - 4}"/>')
        out.append(f'<text x="{x0 + 28}" y="{y}">{escape(words)}</text>')
    out.append("</g>")
    return "".join(out)


def map_svg(
    data: MapData,
    cites: dict[str, int],
    *,
    statuses: Mapping[str, str] | None = None,
    named: Collection[str] | None = None,
    simulated: bool = False,
) -> str:
    """The map: countries (labelled), places, restrictions, tracks, orbits and event markers with their endnote
    numbers, a scale bar and a legend of what is drawn. ``named``: the aircraft addresses and NOTAM ids the
    report's text names — a track, orbit, restriction or marker the text does not mention is left out (None:
    draw everything). ``statuses``: claim id → status; markers of claims short of *confirmed* are drawn hollow.
    ``simulated`` puts the simulated-data label on the map itself."""
    countries = {code: json.loads(g) for code, g in data.countries}
    watched = countries.get(data.watched)
    proj = Projection(_bbox([watched] if watched else list(countries.values())))
    statuses = statuses or {}
    legend: list[tuple[str, str]] = []
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="Map of the night: borders, tracks of interest, orbits, restrictions and events" class="map">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" class="sea"/>',
    ]
    labels: list[str] = []
    for code, geometry in sorted(countries.items()):
        cls = "watched" if code == data.watched else "country"
        shape = _frame_geometry(geometry, proj)
        if shape.is_empty:
            continue
        d = proj.path(json.loads(shapely.to_geojson(shape)), True)
        out.append(f'<path class="{cls}" d="{d}"><title>{escape(code)}</title></path>')
        name = COUNTRY_LABELS.get(code, code)
        if shape.area > 0.3:
            point = shapely.point_on_surface(shape)
            x, y = proj.xy(point.x, point.y)
            labels.append(
                f'<text class="country-label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">{escape(name)}</text>'
            )
    if watched:
        legend.append(("watched", COUNTRY_LABELS.get(data.watched, data.watched).title() + " (watched)"))
    drawn_restrictions = [(n, g) for n, g in data.restrictions if named is None or n in named]
    for notam, g in drawn_restrictions:
        out.append(
            f'<path class="restriction" d="{proj.path(_fine(g, proj), True)}">'
            f"<title>NOTAM {escape(notam)}</title></path>"
        )
    if drawn_restrictions:
        legend.append(("restriction", "restricted area (NOTAM)"))
    drawn_tracks = [(label, g) for label, g in data.tracks if named is None or label.split(" ")[0] in named]
    for label, g in drawn_tracks:
        out.append(f'<path class="track" d="{proj.path(_fine(g, proj), False)}"><title>{escape(label)}</title></path>')
    if drawn_tracks:
        legend.append(("track", "track of an aircraft named in the text"))
    drawn_orbits = [(label, g) for label, g in data.orbits if named is None or label in cites]
    for label, g in drawn_orbits:
        out.append(f'<path class="orbit" d="{proj.path(_fine(g, proj), False)}"><title>{escape(label)}</title></path>')
    if drawn_orbits:
        legend.append(("orbit", "orbit"))
    out += labels
    for name, lon, lat in data.places:
        x, y = proj.xy(lon, lat)
        if 0 <= x <= WIDTH and 0 <= y <= HEIGHT:
            out.append(f'<circle class="place" cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>')
            out.append(f'<text class="place-label" x="{x + 4:.1f}" y="{y - 3:.1f}">{escape(name)}</text>')
    if data.places:
        legend.append(("place", "town"))
    # Markers closer than a label's width share one label ("13, 23") instead of printing over each other.
    placed: list[tuple[float, float, list[int]]] = []
    kinds: set[bool] = set()
    for claim_id, label, lon, lat in data.markers:
        if named is not None and claim_id not in cites:
            continue
        x, y = proj.xy(lon, lat)
        n = cites.get(claim_id)
        tag = f" [{n}]" if n else ""
        status = statuses.get(claim_id, "confirmed" if not statuses else "")
        confirmed = status == "confirmed"
        kinds.add(confirmed)
        cls = "marker" if confirmed else "marker unconfirmed"
        words = f"{label}{tag}" + ("" if confirmed else f" ({status or 'not confirmed'})")
        out.append(f'<g class="{cls}"><circle cx="{x:.1f}" cy="{y:.1f}" r="5"/><title>{escape(words)}</title></g>')
        near = next((p for p in placed if abs(p[0] - x) < 14 and abs(p[1] - y) < 10), None)
        if near is None:
            placed.append((x, y, [n] if n else []))
        elif n and n not in near[2]:
            near[2].append(n)
    if True in kinds:
        legend.append(("marker", "confirmed event (number: endnote)"))
    if False in kinds:
        legend.append(("marker unconfirmed", "event not confirmed"))
    for x, y, numbers in placed:
        if numbers:
            text = ", ".join(str(n) for n in sorted(numbers))
            out.append(f'<text class="marker-label" x="{x + 7:.1f}" y="{y + 4:.1f}">{escape(text)}</text>')
    out.append(_scale_bar(proj))
    out.append(_legend(legend))
    if simulated:
        out.append(
            f'<text class="simulated" x="{WIDTH / 2:.0f}" y="22" text-anchor="middle">'
            "SIMULATED DATA, not real observations</text>"
        )
    out.append("</svg>")
    return "".join(out)


def chart_svg(activity: Sequence[tuple[str, int, float]], baseline: float | None, today: str) -> str:
    """Bars: aircraft without airline callsigns per night; a line at the baseline (none when there is no
    baseline yet); today's bar highlighted."""
    w, h, left, bottom = 720, 240, 48, 40
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
    # the y axis: aircraft a night, with round values
    out.append(f'<line class="axisline" x1="{left}" x2="{left}" y1="10" y2="{y(0):.1f}"/>')
    for v in _ticks(top):
        out.append(f'<line class="tick" x1="{left - 4}" x2="{left}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>')
        out.append(f'<text class="axis" x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    out.append(
        f'<text class="axis" x="12" y="{(h - bottom) / 2:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(h - bottom) / 2:.0f})">aircraft</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _ticks(top: float) -> list[float]:
    """Round tick values from 0 to below ``top``: steps of 1, 2, 5, 10, 20, 50 … giving at most six ticks."""
    step = 1.0
    for candidate in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        step = float(candidate)
        if top / step <= 6:
            break
    return [k * step for k in range(int(top // step) + 1)]
