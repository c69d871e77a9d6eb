"""Airfield movements: take-offs and landings at known airfields.

"MiG-31K took off from Machulishchy at 10:02."

Military aircraft often omit on-ground flags, so three kinds of evidence are used, strongest first:

1. an on-ground → airborne (take-off) or airborne → on-ground (landing) transition near an airfield;
2. a track that *starts* low near an airfield and then climbs or leaves (take-off), or *ends* low near an
   airfield after descending or arriving (landing);
3. runway alignment: the course just after take-off / before landing compared with the airfield's
   runway headings names the runway when within ``runway_tolerance_deg``.

"Low" means below ``max_agl_ft`` above the airfield's elevation (or on the ground); "near" within
``max_dist_km`` of the airfield reference point. Receivers often hear a departing aircraft only once it
has climbed above their radio horizon (a fighter is at 3,000 ft ten seconds after lift-off): a track that
starts near an airfield below ``max_start_agl_ft`` *and keeps climbing* by ``climb_ft`` is a take-off too
(and the mirror case a landing); its time is extrapolated to the ground along the observed climb
(at most ``max_extrapolate_s`` back), and the event carries ``extrapolated_s``.

Only airfields with runways are considered (OurAirports large, medium and small airports, incl. military air bases).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from airpicture.detect.framework import DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.tables import FIXES_COLUMNS, Fixes, micros_to_datetime
from airpicture.geo import haversine_km, initial_bearing_deg
from airpicture.model.events import Event

RUNWAY_KINDS = frozenset({"large_airport", "medium_airport", "small_airport"})


@dataclass(frozen=True, slots=True)
class AirfieldMovementDetector:
    """Take-offs and landings, with airfield, runway (when aligned) and the kind of evidence."""

    name: ClassVar[str] = "airfield_movement"
    version: ClassVar[int] = 2
    columns: ClassVar[frozenset[str]] = FIXES_COLUMNS

    max_dist_km: float = 6.0
    max_agl_ft: float = 1500.0
    climb_ft: float = 1000.0
    leave_km: float = 12.0
    window_s: float = 900.0
    max_gap_s: float = 600.0
    runway_tolerance_deg: float = 15.0
    max_start_agl_ft: float = 5000.0
    max_extrapolate_s: float = 300.0

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        if ctx.reference is None:
            return DetectorOutput()
        fixes = Fixes.from_table(positions, trusted_only=True)
        if len(fixes) == 0:
            return DetectorOutput()
        airfields = ctx.reference.airfields
        segment = fixes.segments(self.max_gap_s)
        first = np.r_[True, segment[1:] != segment[:-1]]
        last = np.r_[segment[1:] != segment[:-1], True]
        same_next = ~last
        ground_change = np.zeros(len(fixes), dtype=bool)
        change = same_next[:-1] & (fixes.on_ground[:-1] != fixes.on_ground[1:])
        ground_change[:-1] |= change
        ground_change[1:] |= change
        # Only the first and last fix of a track and the fixes around an on-ground change can be a movement:
        # the nearest airfield is looked up for those few, not for every fix.
        probe = np.flatnonzero(first | last | ground_change)
        rows = np.full(len(fixes), -1, dtype=np.int64)
        dist_km = np.full(len(fixes), np.nan)
        rows[probe], dist_km[probe] = airfields.nearest_rows(fixes.lat[probe], fixes.lon[probe], kinds=RUNWAY_KINDS)
        elevation = np.nan_to_num(
            np.asarray(airfields.table["elevation_ft"].to_numpy(), dtype=np.float64)[np.clip(rows, 0, None)]
        )
        agl = fixes.alt_ft - elevation
        agl_known = np.nan_to_num(agl, nan=np.inf)
        low = (fixes.on_ground == 1) | (agl_known <= self.max_agl_ft)
        near = (rows >= 0) & (dist_km <= self.max_dist_km)
        low_near = (low | (agl_known <= self.max_start_agl_ft)) & near

        candidates: list[tuple[str, int, str]] = []  # (kind, row index, evidence kind)
        ground_to_air = same_next[:-1] & (fixes.on_ground[:-1] == 1) & (fixes.on_ground[1:] == 0) & near[:-1]
        air_to_ground = same_next[:-1] & (fixes.on_ground[:-1] == 0) & (fixes.on_ground[1:] == 1) & near[1:]
        candidates += [("takeoff", int(i), "ground_flag") for i in np.flatnonzero(ground_to_air)]
        candidates += [("landing", int(i) + 1, "ground_flag") for i in np.flatnonzero(air_to_ground)]
        flagged_segments = {int(segment[i]) for _, i, _ in candidates}
        for i in np.flatnonzero(first & low_near):
            if int(segment[i]) not in flagged_segments and self._departs(fixes, int(i), segment, bool(low[i])):
                candidates.append(("takeoff", int(i), "profile"))
        for i in np.flatnonzero(last & low_near):
            if int(segment[i]) not in flagged_segments and self._arrives(fixes, int(i), segment, bool(low[i])):
                candidates.append(("landing", int(i), "profile"))

        events = [self._event(kind, i, how, fixes, segment, rows, dist_km, agl, ctx) for kind, i, how in candidates]
        return DetectorOutput(tuple(events))

    def _window(self, fixes: Fixes, i: int, segment: npt.NDArray[np.int64], forward: bool) -> npt.NDArray[np.int64]:
        """Row indices of row ``i``'s segment within ``window_s`` after (or before) it, ``i`` included.

        Segment ids are non-decreasing and times sorted within a segment, so both bounds are binary searches.
        """
        lo = int(np.searchsorted(segment, segment[i], side="left"))
        hi = int(np.searchsorted(segment, segment[i], side="right"))
        ts = fixes.ts_us[lo:hi]
        if forward:
            j = lo + int(np.searchsorted(ts, fixes.ts_us[i] + self.window_s * 1e6, side="right"))
            return np.arange(i, j, dtype=np.int64)
        j = lo + int(np.searchsorted(ts, fixes.ts_us[i] - self.window_s * 1e6, side="left"))
        return np.arange(j, i + 1, dtype=np.int64)

    def _departs(self, fixes: Fixes, i: int, segment: npt.NDArray[np.int64], low: bool) -> bool:
        after = self._window(fixes, i, segment, forward=True)
        return self._profile_change(fixes, i, after, low)

    def _arrives(self, fixes: Fixes, i: int, segment: npt.NDArray[np.int64], low: bool) -> bool:
        before = self._window(fixes, i, segment, forward=False)
        return self._profile_change(fixes, i, before, low)

    def _profile_change(self, fixes: Fixes, i: int, others: npt.NDArray[np.int64], low: bool) -> bool:
        """Climbs (or, before a landing, descended) ``climb_ft``; a low start may instead just leave."""
        if len(others) < 2:
            return False
        climb = np.nanmax(fixes.alt_ft[others]) - fixes.alt_ft[i] if np.isfinite(fixes.alt_ft[others]).any() else 0.0
        if np.nan_to_num(climb) >= self.climb_ft:
            return True
        away = np.max(haversine_km(fixes.lat[i], fixes.lon[i], fixes.lat[others], fixes.lon[others]))
        return bool(low and away >= self.leave_km)

    def _extrapolated_s(
        self, fixes: Fixes, i: int, segment: npt.NDArray[np.int64], agl_ft: float, forward: bool
    ) -> float:
        """Seconds from the ground to fix ``i`` along the climb (take-off) or descent (landing) seen next to it."""
        if not np.isfinite(agl_ft) or agl_ft <= self.max_agl_ft:
            return 0.0
        window = self._window(fixes, i, segment, forward=forward)
        near = window[np.abs(fixes.ts_us[window] - fixes.ts_us[i]) <= 90e6]
        alts = fixes.alt_ft[near]
        ok = np.isfinite(alts)
        if ok.sum() < 2:
            return 0.0
        dt_s = np.abs(fixes.ts_us[near][ok] - fixes.ts_us[i]) / 1e6
        rate = (float(np.max(alts[ok]) - np.min(alts[ok]))) / max(float(dt_s.max()), 1.0)  # ft/s
        if rate <= 1.0:
            return 0.0
        return float(min(agl_ft / rate, self.max_extrapolate_s))

    def _event(
        self,
        kind: str,
        i: int,
        how: str,
        fixes: Fixes,
        segment: npt.NDArray[np.int64],
        rows: npt.NDArray[np.int64],
        dist_km: npt.NDArray[np.float64],
        agl: npt.NDArray[np.float64],
        ctx: DetectionContext,
    ) -> Event:
        airfield = ctx.reference.airfields.record(int(rows[i]))
        course = self._course(fixes, i, segment, forward=kind == "takeoff")
        runway = _aligned_runway(airfield, course, self.runway_tolerance_deg) if course is not None else None
        takeoff = kind == "takeoff"
        shift_s = 0.0 if how == "ground_flag" else self._extrapolated_s(fixes, i, segment, float(agl[i]), takeoff)
        at_us = int(fixes.ts_us[i]) + int((-shift_s if kind == "takeoff" else shift_s) * 1e6)
        at = micros_to_datetime(at_us)
        watched = (
            {ctx.reference.airfield(name).ident for name in ctx.region.airfields} if ctx.region.airfields else set()
        )
        return Event(
            type=kind,
            start=at,
            end=at,
            detector=self.name,
            detector_version=self.version,
            geometry=json.dumps({"type": "Point", "coordinates": [airfield.lon, airfield.lat]}),
            subjects=(subject_for(fixes.address(i), fixes.last_callsign(i), ctx.reference),),
            attributes={
                "airfield": airfield.ident,
                "airfield_name": airfield.name,
                "airfield_country": airfield.country,
                "watched_airfield": airfield.ident in watched,
                "runway": runway,
                "course_deg": None if course is None else round(course),
                "evidence_kind": how,
                "extrapolated_s": round(shift_s, 1),
                "dist_km": round(float(dist_km[i]), 2),
                "alt_ft": None if np.isnan(fixes.alt_ft[i]) else round(float(fixes.alt_ft[i])),
            },
            flags=() if how == "ground_flag" else ("inferred_from_profile",),
            evidence=fixes.evidence(i),
        )

    def _course(self, fixes: Fixes, i: int, segment: npt.NDArray[np.int64], forward: bool) -> float | None:
        """The course over the first (take-off) or last (landing) ~3 km flown from/to the airfield."""
        window = self._window(fixes, i, segment, forward=forward)
        if len(window) < 2:
            return None
        d = haversine_km(fixes.lat[i], fixes.lon[i], fixes.lat[window], fixes.lon[window])
        far = window[(d >= 1.0) & (d <= 6.0)]
        if len(far) == 0:
            return None
        j = int(far[0]) if forward else int(far[-1])
        a, b = (i, j) if forward else (j, i)
        return float(initial_bearing_deg(fixes.lat[a], fixes.lon[a], fixes.lat[b], fixes.lon[b]))


def _aligned_runway(airfield: Any, course_deg: float, tolerance_deg: float) -> str | None:
    best: tuple[float, str] | None = None
    for runway in airfield.runways:
        for ident, heading in ((runway.le_ident, runway.le_heading_deg), (runway.he_ident, runway.he_heading_deg)):
            if heading is None:
                continue
            off = abs((course_deg - heading + 180.0) % 360.0 - 180.0)
            if off <= tolerance_deg and (best is None or off < best[0]):
                best = (off, ident)
    return None if best is None else best[1]
