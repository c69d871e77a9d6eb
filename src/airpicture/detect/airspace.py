"""Airspace entry and exit: a track crosses the watched country's border.

"A-50U RF-50608 entered Belarusian airspace from Russia at 21:14 UTC."

Country per fix comes from the region's label grid (exact point-in-polygon). A crossing is a pair of
consecutive trusted fixes of one address in different countries, one of them the watched country. Its
time and point are interpolated where the straight segment between the two fixes meets the watched
country's boundary. Fixes flagged as spoofed or implausible (``CPR_AMBIGUOUS``, ``IMPOSSIBLE_SPEED``,
``POSITION_JUMP``, ``FROZEN_POSITION``) never create a crossing: a country change that involves one
becomes an ``unverified_crossing`` event with the reason. Tracks that start or end inside the watched
country are marked with ``track_start_inside`` / ``track_end_inside`` events (a track that is still
running within ``max_gap_s`` of the day's end is left to the next day's run).

Hysteresis (a track grazing the border): consecutive crossings of one address less than ``rejoin_s`` apart,
whose fixes between them all lie within ``rejoin_km`` of the watched country's boundary, are one chain. An
even chain (out and back in, or in and back out) is one ``border_excursion`` event, not an exit and an
entry; an odd chain is its first crossing alone (the net change), with ``crossings`` = the chain's length.
So a wobble never counts twice as evidence.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import shapely

from airpicture.detect.framework import DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.tables import FIXES_COLUMNS, SUSPECT_FLAGS, Fixes, datetime_to_micros, micros_to_datetime
from airpicture.model.errors import UsageError
from airpicture.model.events import Event, Evidence, EvidenceKind
from airpicture.model.schemas import PositionFlag


def _flag_names(bits: int) -> list[str]:
    return [f.name.lower() for f in PositionFlag if f.name and f.value and f & SUSPECT_FLAGS and bits & f.value]


@dataclass(frozen=True, slots=True)
class AirspaceCrossingDetector:
    """Entries into and exits from the watched country, with interpolated time and point."""

    name: ClassVar[str] = "airspace"
    version: ClassVar[int] = 4
    columns: ClassVar[frozenset[str]] = FIXES_COLUMNS

    max_gap_s: float = 600.0
    """Two fixes further apart than this still give a crossing, flagged ``low_time_precision``."""
    max_infer_gap_s: float = 1800.0
    """Two fixes further apart than this give no crossing: they are separate tracks (out of coverage, or
    landed and took off again), marked by ``track_end_inside`` / ``track_start_inside`` instead."""
    mark_track_ends: bool = True
    """Emit ``track_start_inside`` / ``track_end_inside`` events."""
    bisection_steps: int = 20
    """Halvings that locate the border along a crossing segment (exact country lookup at each step)."""
    merge_s: float = 900.0
    """Unverified country changes of one address less than this apart make one ``unverified_crossing``."""
    rejoin_s: float = 300.0
    """Hysteresis: crossings of one address less than this apart may be one excursion (see ``rejoin_km``)."""
    rejoin_km: float = 5.0
    """Hysteresis: ... when every fix between them lies within this distance of the watched boundary."""

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        if ctx.geometry is None:
            raise UsageError("the airspace detector needs the region geometry in its context")
        fixes = Fixes.from_table(positions)
        if len(fixes.ts_us) == 0:
            return DetectorOutput()
        geometry = ctx.geometry
        labels = list(geometry.grid.labels)
        watched_code = labels.index(ctx.region.watched_country)
        code = geometry.country_indices(fixes.lat, fixes.lon)
        names = np.array([*labels, None], dtype=object)

        def country(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
            found = code[rows]
            return np.asarray(names[np.where(found < 0, len(labels), found)], dtype=object)

        suspect = (fixes.flags & int(SUSPECT_FLAGS)) != 0
        any_suspect = bool(suspect.any())
        events: list[Event] = []

        # consecutive trusted fixes whose country changes into or out of the watched one (all fixes are
        # trusted in the usual case: then the arrays are used as they are, without gathering)
        trusted = np.flatnonzero(~suspect) if any_suspect else np.arange(len(fixes))
        t_code = code[trusted] if any_suspect else code
        step = np.flatnonzero(
            (t_code[1:] != t_code[:-1]) & ((t_code[1:] == watched_code) | (t_code[:-1] == watched_code))
        )
        ci, cj = trusted[step], trusted[step + 1]
        keep = (fixes.address_code[ci] == fixes.address_code[cj]) & (
            fixes.ts_us[cj] - fixes.ts_us[ci] <= self.max_infer_gap_s * 1e6
        )
        ci, cj = ci[keep], cj[keep]
        if len(ci):
            fraction = self._fractions(fixes, ci, cj, geometry)
            crossings = self._crossings(fixes, ci, cj, fraction, country, ctx)
            events.extend(self._merge_wobbles(fixes, ci, cj, crossings, geometry))

        if any_suspect:
            same = fixes.address_code[1:] == fixes.address_code[:-1]
            changed = same & (code[1:] != code[:-1]) & ((code[1:] == watched_code) | (code[:-1] == watched_code))
            full_a = np.flatnonzero(changed)
            ua = full_a[suspect[full_a] | suspect[full_a + 1]]
            ub = ua + 1
            if len(ua):
                # Spoofing or jamming near a border flips the country many times a minute: one event per
                # address and burst (transitions less than merge_s apart), counting the transitions.
                new = np.r_[
                    True,
                    (fixes.address_code[ua[1:]] != fixes.address_code[ua[:-1]])
                    | (fixes.ts_us[ua[1:]] - fixes.ts_us[ub[:-1]] > self.merge_s * 1e6),
                ]
                firsts = np.flatnonzero(new)
                lasts = np.r_[firsts[1:], len(ua)] - 1
                for f, g in zip(firsts, lasts, strict=True):
                    events.append(self._unverified(fixes, ua[f : g + 1], ub[f : g + 1], country, ctx))

        if self.mark_track_ends and len(trusted):
            events.extend(self._track_ends(fixes, trusted, code == watched_code, ctx))
        return DetectorOutput(tuple(events))

    def _fractions(
        self, fixes: Fixes, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64], geometry: Any
    ) -> npt.NDArray[np.float64]:
        """Where along each straight segment i→j it first meets the watched country's boundary: the exact
        intersection with the boundary's edges (indexed once per run), all crossings at once. A segment that
        does not meet an edge exactly (numerically on a vertex) is placed by bisection instead."""
        lat0, lon0, lat1, lon1 = fixes.lat[i], fixes.lon[i], fixes.lat[j], fixes.lon[j]
        fraction = geometry.watched_edges.first_crossing(lon0, lat0, lon1, lat1)
        missing = np.flatnonzero(np.isnan(fraction))
        if len(missing):
            watched = geometry.countries[geometry.region.watched_country]
            fraction[missing] = self._bisect(lat0[missing], lon0[missing], lat1[missing], lon1[missing], watched)
        return np.asarray(fraction, dtype=np.float64)

    def _bisect(
        self,
        lat0: npt.NDArray[np.float64],
        lon0: npt.NDArray[np.float64],
        lat1: npt.NDArray[np.float64],
        lon1: npt.NDArray[np.float64],
        watched: shapely.Geometry,
    ) -> npt.NDArray[np.float64]:
        """``bisection_steps`` halvings on an exact point-in-polygon test against the watched country."""
        lo, hi = np.zeros(len(lat0)), np.ones(len(lat0))
        start_inside = shapely.contains_xy(watched, lon0, lat0)
        for _ in range(self.bisection_steps):
            mid = (lo + hi) / 2
            same = shapely.contains_xy(watched, lon0 + mid * (lon1 - lon0), lat0 + mid * (lat1 - lat0)) == start_inside
            lo = np.where(same, mid, lo)
            hi = np.where(same, hi, mid)
        return (lo + hi) / 2

    def _crossings(
        self,
        fixes: Fixes,
        i: npt.NDArray[np.int64],
        j: npt.NDArray[np.int64],
        fraction: npt.NDArray[np.float64],
        country: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.object_]],
        ctx: DetectionContext,
    ) -> list[Event]:
        """One entry or exit event per crossing segment i→j, built from arrays computed for all at once."""
        lat = [round(v, 6) for v in (fixes.lat[i] + fraction * (fixes.lat[j] - fixes.lat[i])).tolist()]
        lon = [round(v, 6) for v in (fixes.lon[i] + fraction * (fixes.lon[j] - fixes.lon[i])).tolist()]
        at_us = (fixes.ts_us[i] + fraction * (fixes.ts_us[j] - fixes.ts_us[i])).astype(np.int64).tolist()
        gap = (fixes.ts_us[j] - fixes.ts_us[i]) / 1e6
        gap_s = [round(v, 3) for v in gap.tolist()]
        coarse = (gap > self.max_gap_s).tolist()
        alt = fixes.alt_ft[i] + fraction * (fixes.alt_ft[j] - fixes.alt_ft[i])
        alt_ft = [None if np.isnan(v) else round(v) for v in alt.tolist()]
        files_i, files_j = fixes.source_files(i), fixes.source_files(j)
        offsets_i, offsets_j = fixes.source_offset[i].tolist(), fixes.source_offset[j].tolist()
        callsigns = fixes.last_callsigns(j)
        addresses = [fixes.addresses[c] for c in fixes.address_code[j].tolist()]
        from_country, to_country = country(i).tolist(), country(j).tolist()
        watched = ctx.region.watched_country
        events = []
        for k in range(len(i)):
            at = micros_to_datetime(at_us[k])
            events.append(
                Event(
                    type="airspace_entry" if to_country[k] == watched else "airspace_exit",
                    start=at,
                    end=at,
                    detector=self.name,
                    detector_version=self.version,
                    geometry=f'{{"type": "Point", "coordinates": [{lon[k]!r}, {lat[k]!r}]}}',
                    subjects=(subject_for(addresses[k], callsigns[k], ctx.reference),),
                    attributes={
                        "from_country": from_country[k],
                        "to_country": to_country[k],
                        "gap_s": gap_s[k],
                        "alt_ft": alt_ft[k],
                    },
                    flags=("low_time_precision",) if coarse[k] else (),
                    evidence=(
                        Evidence(EvidenceKind.POSITION, files_i[k], offsets_i[k]),
                        Evidence(EvidenceKind.POSITION, files_j[k], offsets_j[k]),
                    ),
                )
            )
        return events

    def _merge_wobbles(
        self,
        fixes: Fixes,
        i: npt.NDArray[np.int64],
        j: npt.NDArray[np.int64],
        crossings: list[Event],
        geometry: Any,
    ) -> list[Event]:
        """Chains of crossings that graze the border (``rejoin_s``, ``rejoin_km``) become one event each."""
        if len(crossings) < 2 or self.rejoin_s <= 0:
            return crossings
        boundary = geometry.countries[geometry.region.watched_country].boundary
        linked = [False] * (len(crossings) - 1)
        for k in range(len(crossings) - 1):
            a, b = crossings[k], crossings[k + 1]
            if fixes.address_code[j[k]] != fixes.address_code[i[k + 1]]:
                continue
            if (b.start - a.start).total_seconds() > self.rejoin_s:
                continue
            rows = np.arange(int(j[k]), int(i[k + 1]) + 1)
            linked[k] = _max_distance_km(fixes.lat[rows], fixes.lon[rows], boundary) <= self.rejoin_km
        out: list[Event] = []
        k = 0
        while k < len(crossings):
            end = k
            while end < len(linked) and linked[end]:
                end += 1
            chain = crossings[k : end + 1]
            out.append(chain[0] if len(chain) == 1 else self._excursion(chain, fixes, i[k : end + 1], j[k : end + 1]))
            k = end + 1
        return out

    def _excursion(self, chain: list[Event], fixes: Fixes, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> Event:
        """One event for a chain of grazing crossings: the net crossing (odd chain) or a ``border_excursion``."""
        first, last = chain[0], chain[-1]
        rows = np.arange(int(j[0]), int(i[-1]) + 1)
        chain_attrs = {
            "crossings": len(chain),
            "duration_s": round((last.start - first.start).total_seconds(), 3),
            "merged": [[e.type, e.start.isoformat()] for e in chain],
        }
        evidence = tuple(dict.fromkeys((*first.evidence, *last.evidence)))
        flags = tuple(dict.fromkeys(f for e in chain for f in e.flags))
        if len(chain) % 2:
            return replace(first, attributes={**first.attributes, **chain_attrs}, evidence=evidence, flags=flags)
        points = [json.loads(e.geometry or "{}").get("coordinates") for e in chain]
        return Event(
            type="border_excursion",
            start=first.start,
            end=last.start,
            detector=self.name,
            detector_version=self.version,
            geometry=json.dumps({"type": "LineString", "coordinates": points}),
            subjects=first.subjects,
            attributes={
                "from_country": first.attributes["from_country"],
                "to_country": first.attributes["to_country"],
                **chain_attrs,
                "fixes": len(rows),
            },
            flags=flags,
            evidence=evidence,
        )

    def _unverified(
        self,
        fixes: Fixes,
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
        country: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.object_]],
        ctx: DetectionContext,
    ) -> Event:
        i, j = int(starts[0]), int(ends[-1])
        start, end = micros_to_datetime(int(fixes.ts_us[i])), micros_to_datetime(int(fixes.ts_us[j]))
        bits = int(np.bitwise_or.reduce(fixes.flags[np.r_[starts, ends]]))
        reasons = sorted(set(_flag_names(bits)))
        rows = np.r_[starts, ends[-1:]]
        coords = [
            [round(float(fixes.lon[r]), 5), round(float(fixes.lat[r]), 5)] for r in rows[:: max(1, len(rows) // 200)]
        ]
        line = {"type": "LineString", "coordinates": coords if len(coords) > 1 else coords * 2}
        return Event(
            type="unverified_crossing",
            start=start,
            end=end,
            detector=self.name,
            detector_version=self.version,
            geometry=json.dumps(line),
            subjects=(subject_for(fixes.addresses[fixes.address_code[j]], fixes.last_callsign(j), ctx.reference),),
            attributes={
                "from_country": country(np.array([i]))[0],
                "to_country": country(np.array([int(starts[0]) + 1]))[0],
                "countries": sorted({str(c) for c in country(np.r_[starts, ends]) if c}),
                "transitions": len(starts),
                "reasons": reasons,
            },
            flags=("integrity_degraded",),
            evidence=fixes.evidence(i, j),
        )

    def _track_ends(
        self, fixes: Fixes, trusted: npt.NDArray[np.int64], inside: npt.NDArray[np.bool_], ctx: DetectionContext
    ) -> list[Event]:
        watched = ctx.region.watched_country
        codes = fixes.address_code[trusted]
        ts = fixes.ts_us[trusted]
        # a new track at each address and after each silence longer than max_infer_gap_s
        cut = (codes[1:] != codes[:-1]) | (np.diff(ts) > self.max_infer_gap_s * 1e6)
        first = trusted[np.r_[True, cut]]
        last = trusted[np.r_[cut, True]]
        day_end_us = datetime_to_micros(ctx.day_end)
        events = []
        for kind, rows in (("track_start_inside", first), ("track_end_inside", last)):
            for row in rows[inside[rows]]:
                r = int(row)
                if kind == "track_end_inside" and fixes.ts_us[r] > day_end_us - self.max_gap_s * 1e6:
                    continue  # may continue after midnight: the next day's run decides
                at = micros_to_datetime(int(fixes.ts_us[r]))
                events.append(
                    Event(
                        type=kind,
                        start=at,
                        end=at,
                        detector=self.name,
                        detector_version=self.version,
                        geometry=json.dumps({"type": "Point", "coordinates": [fixes.lon[r], fixes.lat[r]]}),
                        subjects=(
                            subject_for(fixes.addresses[fixes.address_code[r]], fixes.last_callsign(r), ctx.reference),
                        ),
                        attributes={"country": watched, "alt_ft": _alt(fixes.alt_ft[r])},
                        evidence=fixes.evidence(r),
                    )
                )
        return events


def _max_distance_km(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], boundary: Any) -> float:
    """The largest distance (km) of the fixes from ``boundary``, in a local equirectangular plane around them
    (the boundary is clipped to the fixes' box plus half a degree first; accurate to a few parts in a thousand
    over the few kilometres that matter here)."""
    lat0 = float(np.mean(lat))
    kx, ky = 111.32 * np.cos(np.radians(lat0)), 110.57
    box = shapely.box(float(lon.min()) - 0.5, float(lat.min()) - 0.5, float(lon.max()) + 0.5, float(lat.max()) + 0.5)
    near = shapely.intersection(boundary, box)
    if near.is_empty:
        return float("inf")
    plane = shapely.transform(near, lambda c: c * np.array([kx, ky]))
    points = shapely.points(lon * kx, lat * ky)
    return float(np.max(shapely.distance(plane, points)))


def _alt(value: float) -> Any:
    return None if np.isnan(value) else round(float(value))
