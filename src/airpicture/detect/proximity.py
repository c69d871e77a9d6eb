"""Border proximity: an aircraft of interest within ``within_km`` of a watched border segment.

"… patrolled within 40 km of the Ukrainian border."

For each watched segment (``region.border_segments``) the fixes inside the segment's padded bounding box
are projected to an azimuthal-equidistant plane centred on the segment and measured against it with
``shapely.distance`` (vectorised). Consecutive fixes of one address within the distance form one event
(a silence longer than ``max_gap_s`` ends it) with the minimum distance, its time and place, and the time
spent inside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely

from airpicture.detect.framework import DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.tables import FIXES_COLUMNS, Fixes, micros_to_datetime
from airpicture.geo import local_projection
from airpicture.model.errors import UsageError
from airpicture.model.events import Event


def is_of_interest(addresses: list[str], reference: object) -> npt.NDArray[np.bool_]:
    """Per address: on the watch-list (the reference's aircraft of interest)."""
    if reference is None:
        return np.zeros(len(addresses), dtype=bool)
    lookup = reference.aircraft  # type: ignore[attr-defined]
    return np.array([lookup(a) is not None for a in addresses], dtype=bool)


@dataclass(frozen=True, slots=True)
class BorderProximityDetector:
    """Aircraft of interest near a watched border segment: minimum distance and time inside."""

    name: ClassVar[str] = "border_proximity"
    version: ClassVar[int] = 1
    columns: ClassVar[frozenset[str]] = FIXES_COLUMNS

    within_km: float = 50.0
    min_duration_min: float = 1.0
    max_gap_s: float = 300.0
    of_interest_only: bool = True

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        if ctx.geometry is None:
            raise UsageError("the border proximity detector needs the region geometry in its context")
        fixes = Fixes.from_table(positions, trusted_only=True)
        if len(fixes) == 0:
            return DetectorOutput()
        keep = np.ones(len(fixes), dtype=bool)
        if self.of_interest_only:
            keep = is_of_interest(fixes.addresses, ctx.reference)[fixes.address_code]
        events: list[Event] = []
        for (a, b), line in ctx.geometry.borders.items():
            if line.is_empty:
                continue
            events.extend(self._segment(fixes, keep, f"{a}-{b}", line, ctx))
        return DetectorOutput(tuple(events))

    def _segment(
        self,
        fixes: Fixes,
        keep: npt.NDArray[np.bool_],
        segment_name: str,
        line: shapely.Geometry,
        ctx: DetectionContext,
    ) -> list[Event]:
        west, south, east, north = line.bounds
        pad_lat = self.within_km / 111.0 + 0.1
        pad_lon = pad_lat / max(np.cos(np.radians((south + north) / 2)), 0.2)
        box = (
            keep
            & (fixes.lat >= south - pad_lat)
            & (fixes.lat <= north + pad_lat)
            & (fixes.lon >= west - pad_lon)
            & (fixes.lon <= east + pad_lon)
        )
        rows = np.flatnonzero(box)
        if len(rows) == 0:
            return []
        centre = line.centroid
        forward, _ = local_projection(centre.y, centre.x)
        projected_line = shapely.transform(line, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))
        x, y = forward.transform(fixes.lon[rows], fixes.lat[rows])
        dist_km = shapely.distance(shapely.points(np.asarray(x), np.asarray(y)), projected_line) / 1000.0
        inside = dist_km <= self.within_km
        rows, dist_km = rows[inside], dist_km[inside]
        if len(rows) == 0:
            return []
        code, ts = fixes.address_code[rows], fixes.ts_us[rows]
        new = np.r_[True, (code[1:] != code[:-1]) | (np.diff(ts) > self.max_gap_s * 1e6)]
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:], len(rows)] - 1
        events = []
        for s, e in zip(starts, ends, strict=True):
            duration_min = (ts[e] - ts[s]) / 60e6
            if duration_min < self.min_duration_min:
                continue
            closest = int(s + np.argmin(dist_km[s : e + 1]))
            row = int(rows[closest])
            first, last = int(rows[s]), int(rows[e])
            step = max(1, (e - s + 1) // 300)
            path = [[round(float(fixes.lon[r]), 5), round(float(fixes.lat[r]), 5)] for r in rows[s : e + 1 : step]]
            events.append(
                Event(
                    type="border_proximity",
                    start=micros_to_datetime(int(ts[s])),
                    end=micros_to_datetime(int(ts[e])),
                    detector=self.name,
                    detector_version=self.version,
                    geometry=json.dumps({"type": "LineString", "coordinates": path if len(path) > 1 else path * 2}),
                    subjects=(subject_for(fixes.address(row), fixes.last_callsign(last), ctx.reference),),
                    attributes={
                        "border": segment_name,
                        "within_km": self.within_km,
                        "min_dist_km": round(float(dist_km[closest]), 1),
                        "min_dist_at": micros_to_datetime(int(ts[closest])).isoformat(),
                        "min_dist_lat_deg": round(float(fixes.lat[row]), 5),
                        "min_dist_lon_deg": round(float(fixes.lon[row]), 5),
                        "duration_min": round(float(duration_min), 1),
                    },
                    evidence=fixes.evidence(first, row, last),
                )
            )
        return events
