"""Patrol orbits: racetracks and circles flown by AEW&C, tankers and ISR aircraft.

"… flew a racetrack for 3 h 20 min near Mazyr."

Per address, fixes are thinned to one per ``sample_s`` and cut into segments at silences. The signed
turn between successive courses is summed; a window is an orbit window when its net turn reaches
``min_turn_deg`` in one direction while every fix stays within ``max_radius_km`` of the window's centre.
Windows are found for every start at once with ``searchsorted`` over the running maximum of the
cumulative turn (no loop per fix); overlapping windows merge. A merged run still holds the approach and
exit legs (a window starting on the approach reaches the turn total too), so it is trimmed to the flown
*pattern*: from the first to the last fix the aircraft passes within ``repeat_km`` of again one lap (≥ 270°
of turn) earlier or later. A trimmed orbit lasting at least ``min_duration_min`` becomes an event with
centre, radius, laps, duration, leg heading and shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from scipy.spatial import cKDTree

from airpicture.detect.framework import DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.tables import Fixes, micros_to_datetime
from airpicture.geo import haversine_km, initial_bearing_deg, local_projection
from airpicture.model.events import Event

LAP_TURN_DEG = 270.0
"""Two passes over one spot are a lap apart when the cumulative turn between them is at least this (a lap is
360°; the slack absorbs wind and the thinning)."""
LAP_HEADING_TOLERANCE_DEG = 60.0
"""... and a whole number of laps, give or take this (a pass on the reverse heading is not the pattern)."""
MIN_PATTERN_FIXES = 4
BRIDGE_FIXES = 2


def _running_max_by_segment(
    values: npt.NDArray[np.float64], segment: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], float]:
    """Cumulative maximum restarted at each segment, made globally non-decreasing by adding
    ``segment * span`` (``span`` exceeds any in-segment range). Returns the running maximum and ``span``."""
    span = float(np.max(np.abs(values))) * 2 + 1.0 if len(values) else 1.0
    shifted = values + segment * span
    return np.asarray(np.maximum.accumulate(shifted), dtype=np.float64), span


@dataclass(frozen=True, slots=True)
class OrbitDetector:
    """Racetrack / circular patrol: net turn ≥ ``min_turn_deg`` inside a circle of ``max_radius_km``."""

    name: ClassVar[str] = "orbit"
    version: ClassVar[int] = 3

    min_turn_deg: float = 720.0
    max_radius_km: float = 100.0
    min_duration_min: float = 20.0
    sample_s: float = 20.0
    max_gap_s: float = 1800.0
    """A silence longer than this cuts a track. Long: patrols are often flown at the edge of coverage, and a
    carrier aircraft's pattern pauses on deck (tests/data/adsb/aircraft_carrier.json.gz)."""
    repeat_km: float = 5.0
    """A fix is on the pattern when the aircraft passes this close to it again one lap earlier or later."""

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        fixes = Fixes.from_table(positions, trusted_only=True)
        rows = fixes.thinned(self.sample_s)
        if len(rows) < 4:
            return DetectorOutput()
        lat, lon, ts = fixes.lat[rows], fixes.lon[rows], fixes.ts_us[rows]
        code = fixes.address_code[rows]
        new = np.r_[True, (code[1:] != code[:-1]) | (np.diff(ts) > self.max_gap_s * 1e6)]
        segment = np.cumsum(new) - 1
        # Course of each leg k -> k+1 (NaN across segment breaks) and the signed turn between legs.
        course = initial_bearing_deg(lat[:-1], lon[:-1], lat[1:], lon[1:])
        moved = haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:]) > 0.05
        course[~moved | new[1:]] = np.nan
        turn = np.zeros(len(rows))
        raw = (course[1:] - course[:-1] + 540.0) % 360.0 - 180.0
        turn[1:-1] = np.nan_to_num(raw)  # the turn at fix k+1, between legs k and k+1
        turn[new] = 0.0
        cumulative = np.cumsum(turn)
        cumulative -= np.repeat(cumulative[new], np.diff(np.r_[np.flatnonzero(new), len(rows)]))

        end = np.full(len(rows), len(rows), dtype=np.int64)
        for sign in (1.0, -1.0):
            running, span = _running_max_by_segment(sign * cumulative, segment)
            target = sign * cumulative + segment * span + self.min_turn_deg
            j = np.searchsorted(running, target, side="left")
            j = np.minimum(j, len(rows) - 1)
            # j < i means the running maximum came from before i (a net turn the other way since):
            # that stretch is found by the other sign's pass; a window must start at i.
            ok = (segment[j] == segment) & (running[j] >= target) & (j >= np.arange(len(rows)))
            end = np.where(ok & (j < end), j, end)
        starts = np.flatnonzero(end < len(rows))
        if len(starts) == 0:
            return DetectorOutput()
        cover = np.zeros(len(rows) + 1, dtype=np.int64)
        np.add.at(cover, starts, 1)
        np.add.at(cover, end[starts] + 1, -1)
        covered = np.cumsum(cover[:-1]) > 0
        edges = np.diff(np.r_[0, covered.astype(np.int8), 0])
        run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1

        events = []
        for a, b in zip(run_starts, run_ends, strict=True):
            event = self._orbit(fixes, rows, int(a), int(b), lat, lon, ts, cumulative, ctx)
            if event is not None:
                events.append(event)
        return DetectorOutput(tuple(events))

    def pattern_span(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], cumulative: npt.NDArray[np.float64]
    ) -> tuple[int, int] | None:
        """First and last fix of the flown pattern inside one orbit run, or ``None`` when none is found.

        A fix is *on the pattern* when the aircraft passes within ``repeat_km`` of it again a lap earlier or
        later (its cumulative turn differs by at least ``LAP_TURN_DEG`` and by whole laps within
        ``LAP_HEADING_TOLERANCE_DEG``): every point of a racetrack or circle is flown once a lap on the same
        heading; an approach or exit leg only once (an out-and-back transit retraces it on the reverse
        heading). An approach that merely crosses the pattern is on it for a fix or two; stretches shorter
        than ``MIN_PATTERN_FIXES`` (after bridging gaps of up to ``BRIDGE_FIXES`` fixes) are dropped."""
        n = len(lat)
        if n < MIN_PATTERN_FIXES:
            return None
        forward, _ = local_projection(float(np.median(lat)), float(np.median(lon)))
        x, y = forward.transform(lon, lat)
        points = np.column_stack([np.asarray(x), np.asarray(y)]) / 1000.0
        pairs = cKDTree(points).query_pairs(self.repeat_km, output_type="ndarray")
        if len(pairs) == 0:
            return None
        i, j = pairs[:, 0], pairs[:, 1]
        # a lap later the aircraft passes the spot on the same heading: whole laps of turn between the two
        # passes (an out-and-back transit retraces its way 180° off, however much it circled in between)
        turned = np.abs(cumulative[i] - cumulative[j])
        off_lap = np.abs((turned + 180.0) % 360.0 - 180.0)
        other_lap = (turned >= LAP_TURN_DEG) & (off_lap <= LAP_HEADING_TOLERANCE_DEG)
        on_pattern = np.zeros(n, dtype=bool)
        on_pattern[i[other_lap]] = True
        on_pattern[j[other_lap]] = True
        hits = np.flatnonzero(on_pattern)
        if len(hits) == 0:
            return None
        # stretches of on-pattern fixes, small gaps bridged
        breaks = np.flatnonzero(np.diff(hits) > BRIDGE_FIXES + 1)
        starts, ends = hits[np.r_[0, breaks + 1]], hits[np.r_[breaks, len(hits) - 1]]
        long_enough = (ends - starts + 1) >= MIN_PATTERN_FIXES
        if not long_enough.any():
            return None
        return int(starts[long_enough][0]), int(ends[long_enough][-1])

    def _orbit(
        self,
        fixes: Fixes,
        rows: npt.NDArray[np.int64],
        a: int,
        b: int,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        ts: npt.NDArray[np.int64],
        cumulative: npt.NDArray[np.float64],
        ctx: DetectionContext,
    ) -> Event | None:
        # The covered run can include the approach and the exit (a window that starts on the transit in
        # still reaches the turn total). Trim it to the pattern: the first and last fix the aircraft flies
        # over again a lap earlier or later (see pattern_span); without such a stretch (a pattern that
        # drifts more than repeat_km a lap), to the first and last turning fix. Then trim ends farther than
        # max_radius_km from the run's median centre (twice: the centre moves as the ends go), and re-check
        # turn and duration.
        span = self.pattern_span(lat[a : b + 1], lon[a : b + 1], cumulative[a : b + 1])
        if span is not None:
            a, b = a + span[0], a + span[1]
        else:
            turning = np.flatnonzero(np.abs(np.diff(cumulative[a : b + 1])) > 1.0)
            if len(turning) == 0:
                return None
            a, b = a + int(turning[0]), a + int(turning[-1]) + 1
        for _ in range(2):
            centre_lat, centre_lon = float(np.median(lat[a : b + 1])), float(np.median(lon[a : b + 1]))
            near = np.flatnonzero(
                haversine_km(lat[a : b + 1], lon[a : b + 1], centre_lat, centre_lon) <= self.max_radius_km
            )
            if len(near) == 0:
                return None
            a, b = a + int(near[0]), a + int(near[-1])
        duration_min = (ts[b] - ts[a]) / 60e6
        if duration_min < self.min_duration_min or abs(cumulative[b] - cumulative[a]) < self.min_turn_deg:
            return None
        forward, inverse = local_projection(centre_lat, centre_lon)
        x, y = forward.transform(lon[a : b + 1], lat[a : b + 1])
        x, y = np.asarray(x) / 1000.0, np.asarray(y) / 1000.0
        cx, cy = float(np.mean(x)), float(np.mean(y))
        radius = np.hypot(x - cx, y - cy)
        if float(np.percentile(radius, 95)) > self.max_radius_km:
            return None  # a long wandering track, not a patrol
        # The racetrack's long axis: the principal direction of the points around the centre.
        cov = np.cov(np.vstack([x - cx, y - cy]))
        eigenvalues, eigenvectors = np.linalg.eigh(cov)
        major = eigenvectors[:, int(np.argmax(eigenvalues))]
        leg_heading = (np.degrees(np.arctan2(major[0], major[1])) + 360.0) % 180.0
        elongation = float(np.sqrt(max(eigenvalues.max(), 1e-9) / max(eigenvalues.min(), 1e-9)))
        centre_lon_deg, centre_lat_deg = inverse.transform(cx * 1000.0, cy * 1000.0)
        laps = abs(float(cumulative[b] - cumulative[a])) / 360.0
        step = max(1, (b - a + 1) // 400)
        path = [
            [round(float(lo), 5), round(float(la), 5)]
            for lo, la in zip(lon[a : b + 1 : step], lat[a : b + 1 : step], strict=True)
        ]
        first, last = int(rows[a]), int(rows[b])
        country = None
        if ctx.geometry is not None:
            country = ctx.geometry.countries_at(np.array([centre_lat_deg]), np.array([centre_lon_deg]))[0]
        return Event(
            type="orbit",
            start=micros_to_datetime(int(ts[a])),
            end=micros_to_datetime(int(ts[b])),
            detector=self.name,
            detector_version=self.version,
            geometry=json.dumps({"type": "LineString", "coordinates": path}),
            subjects=(subject_for(fixes.address(last), fixes.last_callsign(last), ctx.reference),),
            attributes={
                "centre_lat_deg": round(float(centre_lat_deg), 5),
                "centre_lon_deg": round(float(centre_lon_deg), 5),
                "radius_km": round(float(radius.max()), 1),
                "laps": round(laps, 1),
                "duration_min": round(float(duration_min), 1),
                "leg_heading_deg": round(float(leg_heading), 0),
                "shape": "racetrack" if elongation > 1.6 else "circle",
                "direction": "clockwise" if cumulative[b] > cumulative[a] else "counter-clockwise",
                "country": country,
            },
            evidence=fixes.evidence(first, last),
        )
