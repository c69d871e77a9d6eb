"""Fly a route: scripted elements → a 1 Hz trajectory (NumPy arrays), with realistic turns and climbs.

Method (all in an azimuthal-equidistant plane centred on the route, metres):

1. The route becomes *path points*: departure roll and initial climb, waypoints, orbit laps (legs and
   half circles sampled every 5°), final approach (3° glide path from 8 NM), landing roll.
2. Corners at waypoints are replaced by arcs of the bank-limited turn radius ``r = v² / (g·tan φ)``
   (φ = 25°, fighters 45°), tangent to both legs.
3. The path is resampled every 100 m; speed follows the leg speeds, smoothed over 3 km (ground rolls keep
   their constant-acceleration profile); time is ``Σ 2·ds / (v₁ + v₂)`` (exact for constant acceleration).
4. Altitude follows markers: climbs start at once at the class climb rate, descents start late enough to
   arrive on time at the class descent rate, approaches are linear (the glide path).
5. The path is sampled at whole UTC seconds; track and vertical rate come from the samples.

Impossible kinematics (a leg speed outside the class envelope, an orbit tighter than the bank limit, a
climb the class cannot make in the time) raise ``ConfigError`` naming the route element's line.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from airpicture.geo import local_projection
from airpicture.model.errors import ConfigError
from airpicture.simulate.scenario import (
    LIMITS,
    AircraftClass,
    Depart,
    Flight,
    Land,
    Limits,
    Orbit,
    Start,
    Waypoint,
)

F64 = npt.NDArray[np.float64]
G = 9.80665
KT = 0.514444
FT = 0.3048
STEP_M = 100.0
GLIDE_DEG = 3.0
FINAL_M = 8 * 1852.0


@dataclass(frozen=True, slots=True)
class Marks:
    """What happened when, for ground truth: take-off, landing, orbit windows (UTC seconds)."""

    takeoff_s: float | None = None
    landing_s: float | None = None
    orbits: tuple[tuple[float, float, Orbit], ...] = ()


@dataclass(frozen=True, slots=True)
class Trajectory:
    """1 Hz samples of one flight: UTC seconds, position, baro altitude, speed, track, vertical rate."""

    t_s: npt.NDArray[np.int64]
    lat: F64
    lon: F64
    alt_ft: F64
    gs_kt: F64
    track_deg: F64
    vrate_fpm: F64
    on_ground: npt.NDArray[np.bool_]
    marks: Marks = field(default_factory=Marks)

    def at(self, t: F64) -> dict[str, npt.NDArray[Any]]:
        """Linear interpolation of every column at times ``t`` (UTC seconds, within the trajectory)."""
        ts = self.t_s.astype(np.float64)
        rad = np.radians(self.track_deg)
        east, north = np.interp(t, ts, np.sin(rad)), np.interp(t, ts, np.cos(rad))
        return {
            "lat": np.interp(t, ts, self.lat),
            "lon": np.interp(t, ts, self.lon),
            "alt_ft": np.interp(t, ts, self.alt_ft),
            "gs_kt": np.interp(t, ts, self.gs_kt),
            "track_deg": np.degrees(np.arctan2(east, north)) % 360.0,
            "vrate_fpm": np.interp(t, ts, self.vrate_fpm),
            "on_ground": np.interp(t, ts, self.on_ground.astype(np.float64)) > 0.5,
        }


@dataclass(slots=True)
class _Point:
    x: float
    y: float
    v: float
    """Speed (m/s) on the segment that ends at this point."""
    fillet: bool = True
    ground: bool = False
    alt_ft: float | None = None
    alt_mode: str = "rate"
    where: str = ""
    tag: str = ""


def _ts(t: datetime) -> float:
    return t.timestamp()


def _heading_xy(deg: float) -> tuple[float, float]:
    return math.sin(math.radians(deg)), math.cos(math.radians(deg))


class _Builder:
    def __init__(self, flight: Flight, strict: bool) -> None:
        self.flight = flight
        self.strict = strict
        self.kind = flight.identity.kind
        self.limits: Limits = LIMITS[self.kind]
        lats, lons = _route_positions(flight)
        self.lat0, self.lon0 = float(np.mean(lats)), float(np.mean(lons))
        self.forward, self.inverse = local_projection(self.lat0, self.lon0)
        self.points: list[_Point] = []
        self.t0 = 0.0
        self.est_t = 0.0
        self.orbits: list[tuple[int, int, Orbit]] = []
        self.bank = math.radians(45.0 if self.kind is AircraftClass.FIGHTER else 25.0)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        x, y = self.forward.transform(lon, lat)
        return float(x), float(y)

    def error(self, where: str, message: str, found: str, expected: str) -> ConfigError:
        return ConfigError(message, where=where, found=found, expected=expected)

    def add(self, point: _Point) -> None:
        if self.points:
            last = self.points[-1]
            self.est_t += math.hypot(point.x - last.x, point.y - last.y) / max(point.v, 1.0)
        self.points.append(point)

    def build(self) -> None:
        for element in self.flight.route:
            if isinstance(element, Start):
                self.t0 = self.est_t = _ts(element.at)
                x, y = self.xy(element.lat, element.lon)
                self.add(_Point(x, y, element.gs_kt * KT, alt_ft=element.alt_ft, where=element.where))
            elif isinstance(element, Depart):
                self.t0 = self.est_t = _ts(element.at)
                self._depart(element)
            elif isinstance(element, Waypoint):
                self._waypoint(element)
            elif isinstance(element, Orbit):
                self._orbit(element)
            elif isinstance(element, Land):
                self._land(element)

    def _depart(self, d: Depart) -> None:
        rw = d.runway
        ux, uy = _heading_xy(rw.heading_deg)
        x0, y0 = self.xy(rw.threshold_lat, rw.threshold_lon)
        lim = self.limits
        if self.kind is AircraftClass.HELICOPTER:
            self.add(_Point(x0, y0, 1.0, fillet=False, ground=True, alt_ft=rw.elevation_ft, where=d.where, tag="off"))
            self.add(_Point(x0 + ux * 2000, y0 + uy * 2000, 50 * KT, alt_ft=rw.elevation_ft + 1000, where=d.where))
            return
        roll = min(lim.takeoff_roll_m, rw.length_m * 0.85)
        vr = lim.rotate_kt * KT
        n = 12
        for k in range(n + 1):
            s = roll * k / n
            v = max(math.sqrt(vr * vr * s / roll), 3.0)
            self.add(_Point(x0 + ux * s, y0 + uy * s, v, fillet=False, ground=True, where=d.where))
        self.points[0].alt_ft = rw.elevation_ft
        self.points[-1].tag = "off"
        self.points[-1].alt_ft = rw.elevation_ft
        self.points[-1].alt_mode = "ground"
        climb_out = 8000.0 if self.kind is not AircraftClass.FIGHTER else 5000.0
        v2 = vr * 1.25
        self.add(_Point(x0 + ux * (roll + climb_out), y0 + uy * (roll + climb_out), v2, fillet=False))

    def _leg_speed(self, where: str, gs_kt: float | None, at: datetime | None, dist_m: float) -> float:
        if gs_kt is not None:
            return gs_kt * KT
        if at is not None:
            dt = _ts(at) - self.est_t
            v_kt = dist_m / dt / KT if dt > 0 else math.inf
            if self.strict and not self.limits.min_kt <= v_kt <= self.limits.max_kt:
                raise self.error(where + ".at", "impossible kinematics: the time needs a ground speed outside "
                                 f"the {self.kind.value} envelope", f"{v_kt:,.0f} kt ({v_kt * 1.852:,.0f} km/h)",
                                 f"{self.limits.min_kt:g} … {self.limits.max_kt:g} kt")  # fmt: skip
            return v_kt * KT
        return self.points[-1].v if self.points else 200 * KT

    def _waypoint(self, w: Waypoint) -> None:
        x, y = self.xy(w.lat, w.lon)
        last = self.points[-1]
        v = self._leg_speed(w.where, w.gs_kt, w.at, math.hypot(x - last.x, y - last.y))
        self.add(_Point(x, y, v, alt_ft=w.alt_ft, where=w.where))

    def _orbit(self, o: Orbit) -> None:
        v = o.gs_kt * KT
        r = o.width_km * 500.0
        bank_needed = math.degrees(math.atan(v * v / (G * r)))
        if bank_needed > self.limits.max_bank_deg:
            raise self.error(o.where, "impossible kinematics: the orbit is too tight for this speed",
                             f"bank {bank_needed:.0f}° for a {r / 1000:.1f} km turn radius at {o.gs_kt:g} kt",
                             f"at most {self.limits.max_bank_deg:g}° (widen the orbit or slow down)")  # fmt: skip
        cx, cy = self.xy(o.centre_lat, o.centre_lon)
        ux, uy = _heading_xy(o.heading_deg)
        nx, ny = (uy, -ux) if o.clockwise else (-uy, ux)  # the side the turns go to
        half = o.leg_km * 500.0
        lap: list[tuple[float, float]] = [(cx - ux * half - nx * r, cy - uy * half - ny * r)]
        for end, sign in ((1.0, 1.0), (-1.0, -1.0)):
            ex, ey = cx + end * ux * half, cy + end * uy * half
            if half > 0:
                lap.append((ex - sign * nx * r, ey - sign * ny * r))
            for k in range(1, 37):  # half circle in 5° steps, turning towards the n side
                a = math.pi * k / 36
                px = ex - sign * nx * r * math.cos(a) + sign * ux * r * math.sin(a)
                py = ey - sign * ny * r * math.cos(a) + sign * uy * r * math.sin(a)
                lap.append((px, py))
        lap_xy = np.array(lap)
        seg = np.hypot(*np.diff(np.vstack([lap_xy, lap_xy[:1]]), axis=0).T)
        lap_len = float(seg.sum())
        total = v * o.duration_s
        n_laps = int(total // lap_len) + 2
        pts = np.vstack([lap_xy] * n_laps)
        dist = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
        keep = int(np.searchsorted(dist, total))
        frac = (total - dist[keep - 1]) / max(dist[keep] - dist[keep - 1], 1e-9)
        end_xy = pts[keep - 1] + frac * (pts[keep] - pts[keep - 1])
        first = len(self.points)
        self.add(_Point(float(pts[0, 0]), float(pts[0, 1]), v, alt_ft=o.alt_ft, where=o.where, tag="orbit"))
        for px, py in pts[1:keep]:
            self.add(_Point(float(px), float(py), v, fillet=False))
        self.add(_Point(float(end_xy[0]), float(end_xy[1]), v, fillet=False, alt_ft=o.alt_ft, where=o.where))
        self.orbits.append((first, len(self.points) - 1, o))

    def _land(self, land: Land) -> None:
        rw = land.runway
        ux, uy = _heading_xy(rw.heading_deg)
        x0, y0 = self.xy(rw.threshold_lat, rw.threshold_lon)
        lim = self.limits
        elev = rw.elevation_ft
        va = lim.approach_kt * KT
        if self.kind is AircraftClass.HELICOPTER:
            self.add(_Point(x0 - ux * 3000, y0 - uy * 3000, va, alt_ft=elev + 800, where=land.where))
            # approach speed down the slope, then a short flare to the hover (not a 3 km crawl at hover speed)
            self.add(_Point(x0 - ux * 300, y0 - uy * 300, va, fillet=False, alt_ft=elev + 80, alt_mode="linear"))
            self.add(_Point(x0, y0, 3.0, fillet=False, alt_ft=elev, alt_mode="linear", where=land.where, tag="on"))
            return
        faf_ft = elev + FINAL_M * math.tan(math.radians(GLIDE_DEG)) / FT
        iaf = FINAL_M + 12000.0
        self.add(_Point(x0 - ux * iaf, y0 - uy * iaf, va * 1.3, alt_ft=faf_ft, where=land.where))
        self.add(_Point(x0 - ux * FINAL_M, y0 - uy * FINAL_M, va, fillet=False, alt_ft=faf_ft, alt_mode="linear"))
        self.add(_Point(x0 + ux * 300, y0 + uy * 300, va, fillet=False, alt_ft=elev, alt_mode="linear", tag="on"))
        roll = min(lim.landing_roll_m, rw.length_m * 0.8)
        n = 10
        for k in range(1, n + 1):
            s = roll * k / n
            v = max(math.sqrt(max(va * va * (1 - s / roll), 0.0)), 8.0)
            self.add(_Point(x0 + ux * (300 + s), y0 + uy * (300 + s), v, fillet=False, ground=True))
        self.points[-1].alt_ft = elev
        self.points[-1].alt_mode = "ground"


def _route_positions(flight: Flight) -> tuple[list[float], list[float]]:
    lats, lons = [], []
    for e in flight.route:
        if isinstance(e, Start | Waypoint):
            lats.append(e.lat)
            lons.append(e.lon)
        elif isinstance(e, Depart | Land):
            lats.append(e.runway.threshold_lat)
            lons.append(e.runway.threshold_lon)
        elif isinstance(e, Orbit):
            lats.append(e.centre_lat)
            lons.append(e.centre_lon)
    return lats, lons


def _fillet(points: list[_Point], bank_rad: float) -> list[_Point]:
    """Replace each corner that allows it by an arc of the bank-limited radius, tangent to both legs."""
    out: list[_Point] = [points[0]]
    for i in range(1, len(points) - 1):
        a, b, c = out[-1], points[i], points[i + 1]
        if not b.fillet:
            out.append(b)
            continue
        d1 = np.array([b.x - a.x, b.y - a.y])
        d2 = np.array([c.x - b.x, c.y - b.y])
        l1, l2 = float(np.hypot(*d1)), float(np.hypot(*d2))
        if l1 < 1 or l2 < 1:
            out.append(b)
            continue
        u1, u2 = d1 / l1, d2 / l2
        turn = math.atan2(u1[0] * u2[1] - u1[1] * u2[0], float(u1 @ u2))
        if abs(turn) < 1e-3:
            out.append(b)
            continue
        radius = max(b.v, 30.0) ** 2 / (G * math.tan(bank_rad))
        tangent = min(radius * math.tan(abs(turn) / 2), 0.5 * l1, 0.5 * l2)
        radius = tangent / math.tan(abs(turn) / 2)
        t1 = np.array([b.x, b.y]) - u1 * tangent
        left = np.array([-u1[1], u1[0]]) * (1 if turn > 0 else -1)
        centre = t1 + left * radius
        start = math.atan2(t1[1] - centre[1], t1[0] - centre[0])
        steps = max(2, int(abs(math.degrees(turn)) / 3))
        angles = start + np.linspace(0, turn, steps + 1)
        mid = steps // 2
        for k, ang in enumerate(angles):
            p = _Point(float(centre[0] + radius * math.cos(ang)), float(centre[1] + radius * math.sin(ang)), b.v)
            if k == mid:
                p.alt_ft, p.alt_mode, p.where, p.tag = b.alt_ft, b.alt_mode, b.where, b.tag
            out.append(p)
    out.append(points[-1])
    return out


def fly(flight: Flight, *, strict: bool = True) -> Trajectory:
    """The 1 Hz trajectory of ``flight``. ``strict``: raise on infeasible climbs (scripted flights)."""
    builder = _Builder(flight, strict)
    builder.build()
    orbit_tags = {}
    for k, (first, last, orbit) in enumerate(builder.orbits):
        builder.points[first].tag = f"orbit-start-{k}"
        builder.points[last].tag = f"orbit-end-{k}"
        orbit_tags[k] = orbit
    pts = _fillet(builder.points, builder.bank)
    px = np.array([p.x for p in pts])
    py = np.array([p.y for p in pts])
    pv = np.array([p.v for p in pts])
    pground = np.array([p.ground for p in pts])
    seg = np.hypot(np.diff(px), np.diff(py))
    n_sub = np.maximum(np.ceil(seg / STEP_M).astype(np.int64), 1)
    # dense samples: for segment j (points j -> j+1), fractions k/n_sub[j], k = 0..n_sub-1, then the last point
    seg_idx = np.repeat(np.arange(len(seg)), n_sub)
    starts = np.cumsum(n_sub) - n_sub
    frac = (np.arange(int(n_sub.sum())) - starts[seg_idx]) / n_sub[seg_idx]
    x = np.append(px[seg_idx] + frac * (px[seg_idx + 1] - px[seg_idx]), px[-1])
    y = np.append(py[seg_idx] + frac * (py[seg_idx + 1] - py[seg_idx]), py[-1])
    v_seg = np.append(pv[seg_idx + 1], pv[-1])
    ground = np.append(pground[seg_idx] & pground[seg_idx + 1], pground[-1])
    point_index = np.append(starts, len(x) - 1)  # dense index of each path point
    ds = np.hypot(np.diff(x), np.diff(y))
    window = 31
    kernel = np.ones(window) / window
    padded = np.pad(v_seg, window // 2, mode="edge")
    v = np.convolve(padded, kernel, mode="valid")
    # ground rolls and the few points around them keep their exact profile
    near_ground = np.convolve(np.pad(ground.astype(np.float64), window // 2, mode="edge"), kernel, "valid") > 0
    v = np.where(near_ground, v_seg, v)
    v = np.maximum(v, 1.0)
    dt = 2 * ds / (v[:-1] + v[1:])
    t = builder.t0 + np.concatenate([[0.0], np.cumsum(dt)])
    alt = _altitudes(pts, point_index, t, ground, builder, strict)
    return _sample(builder, t, x, y, v, alt, ground, pts, point_index, orbit_tags)


def _altitudes(
    pts: list[_Point], point_index: npt.NDArray[np.int64], t: F64, ground: npt.NDArray[np.bool_],
    builder: _Builder, strict: bool,
) -> F64:  # fmt: skip
    marks = [(int(point_index[i]), p) for i, p in enumerate(pts) if p.alt_ft is not None]
    alt = np.full(len(t), marks[0][1].alt_ft if marks else 0.0)
    lim = builder.limits
    for (i0, p0), (i1, p1) in itertools.pairwise(marks):
        a0, a1 = float(p0.alt_ft), float(p1.alt_ft)  # type: ignore[arg-type]
        seg_t = t[i0 : i1 + 1]
        span_min = (t[i1] - t[i0]) / 60.0
        delta = a1 - a0
        rate = lim.climb_fpm if delta > 0 else lim.descent_fpm
        if p1.alt_mode in ("linear", "ground") or abs(delta) < 1:
            alt[i0 : i1 + 1] = np.interp(seg_t, [t[i0], t[i1]], [a0, a1]) if t[i1] > t[i0] else a1
            continue
        if abs(delta) > rate * span_min * 1.001:
            if strict:
                raise ConfigError(
                    f"impossible kinematics: a {'climb' if delta > 0 else 'descent'} of {abs(delta):,.0f} ft in "
                    f"{span_min:.1f} min", where=p1.where or builder.flight.where,
                    found=f"{abs(delta) / max(span_min, 1e-9):,.0f} ft/min",
                    expected=f"at most {rate:,.0f} ft/min for a {builder.kind.value}",
                )  # fmt: skip
            alt[i0 : i1 + 1] = np.interp(seg_t, [t[i0], t[i1]], [a0, a1])
            continue
        if delta > 0:
            alt[i0 : i1 + 1] = a0 + np.minimum(rate * (seg_t - t[i0]) / 60.0, delta)
        else:
            alt[i0 : i1 + 1] = a1 + np.minimum(rate * (t[i1] - seg_t) / 60.0, -delta)
    if marks:
        alt[marks[-1][0] :] = marks[-1][1].alt_ft
    return alt


def _sample(
    builder: _Builder, t: F64, x: F64, y: F64, v: F64, alt: F64, ground: npt.NDArray[np.bool_],
    pts: list[_Point], point_index: npt.NDArray[np.int64], orbit_tags: dict[int, Orbit],
) -> Trajectory:  # fmt: skip
    grid = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1, dtype=np.int64)
    g = grid.astype(np.float64)
    gx, gy = np.interp(g, t, x), np.interp(g, t, y)
    hx, hy = np.gradient(x), np.gradient(y)
    norm = np.maximum(np.hypot(hx, hy), 1e-9)
    track = np.degrees(np.arctan2(np.interp(g, t, hx / norm), np.interp(g, t, hy / norm))) % 360.0
    galt = np.interp(g, t, alt)
    vrate = np.gradient(galt, g) * 60.0 if len(g) > 1 else np.zeros(len(g))
    lon, lat = builder.inverse.transform(gx, gy)
    tag_time = {p.tag: float(t[point_index[i]]) for i, p in enumerate(pts) if p.tag}
    orbits = tuple(
        (tag_time[f"orbit-start-{k}"], tag_time[f"orbit-end-{k}"], o)
        for k, o in orbit_tags.items()
        if f"orbit-start-{k}" in tag_time and f"orbit-end-{k}" in tag_time
    )
    return Trajectory(
        t_s=grid,
        lat=np.asarray(lat, dtype=np.float64),
        lon=np.asarray(lon, dtype=np.float64),
        alt_ft=galt,
        gs_kt=np.interp(g, t, v) / KT,
        track_deg=track,
        vrate_fpm=vrate,
        on_ground=np.interp(g, t, ground.astype(np.float64)) > 0.5,
        marks=Marks(tag_time.get("off"), tag_time.get("on"), orbits),
    )
