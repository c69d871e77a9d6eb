"""Restriction detectors: NOTAM restrictions near a watched border, and aircraft inside active areas.

Both read ``RestrictionWindow`` values (a decoded NOTAM plus when it is in force and its schedule's
active intervals, computed by the pipeline) and emit ``model.events.Event`` values that cite the NOTAM
id and text (``Evidence(kind=NOTAM)``) and, for aircraft, the first position row inside the area.
Positions are read as Arrow columns (``POSITIONS_SCHEMA``) and tested with vectorised point-in-polygon.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import numpy as np
import pyarrow as pa
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from airpicture.geo.borders import distance_km, points_inside
from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.model.notam import LimitReference, NotamKind, Restriction

RESTRICTIVE_SUBJECTS = frozenset({"RA", "RD", "RM", "RO", "RP", "RR", "RT", "GW", "GA"})
AREA_SUBJECTS = frozenset({"RA", "RD", "RM", "RP", "RR", "RT"})
"""Restricted, danger, prohibited, reserved and military areas: where activity inside is notable."""


def is_restrictive_subject(subject: str) -> bool:
    """R* airspace restrictions, W* navigation warnings, GNSS (GW/GA) warnings."""
    return subject in RESTRICTIVE_SUBJECTS or subject.startswith("W")


@dataclass(frozen=True, slots=True)
class RestrictionWindow:
    """A restriction with its time in force (``until`` None: open-ended) and schedule intervals."""

    restriction: Restriction
    in_force_from: datetime
    in_force_until: datetime | None
    end_reason: str
    active: tuple[tuple[datetime, datetime], ...]


def _evidence(r: Restriction) -> Evidence:
    e = r.notam.item("E")
    return Evidence(EvidenceKind.NOTAM, r.id, e.span.start if e else 0, note=r.notam.text[:500])


def _attributes(r: Restriction, **extra: object) -> dict[str, object]:
    q = r.notam.qline
    return {
        "notam_id": r.id,
        "qcode": q.code if q else None,
        "notam_text": r.notam.text,
        "lower_ft": r.lower_ft,
        "upper_ft": r.upper_ft,
        "valid_from": r.notam.valid_from.isoformat() if r.notam.valid_from else None,
        "valid_to": r.notam.valid_to.isoformat() if r.notam.valid_to else None,
        **extra,
    }


def _shapes(r: Restriction) -> list[tuple[int, str | None, str, BaseGeometry]]:
    return [(a.index, a.name, a.geometry, shape(json.loads(a.geometry))) for a in r.areas if a.geometry]


@dataclass(frozen=True, slots=True)
class RestrictionChangeDetector:
    """A restriction (R*/W* subject, GNSS warning) appears, changes or ends within ``border_km`` of a
    watched border. Types: ``restriction_appeared``, ``restriction_changed``, ``restriction_ended``."""

    name: ClassVar[str] = "restriction_change"
    version: ClassVar[int] = 1
    border_km: float = 50.0

    def detect(
        self,
        windows: Sequence[RestrictionWindow],
        borders: Mapping[str, BaseGeometry],
        start: datetime,
        end: datetime,
    ) -> Iterator[Event]:
        for window in windows:
            r = window.restriction
            q = r.notam.qline
            if q is None or not is_restrictive_subject(q.subject):
                continue
            near = self._nearest(r, borders)
            if near is None:
                continue
            border, dist, geometry = near
            moments: list[tuple[str, datetime]] = []
            kind = "restriction_changed" if r.notam.kind is NotamKind.REPLACE else "restriction_appeared"
            moments.append((kind, window.in_force_from))
            if window.in_force_until is not None and window.end_reason in ("expired", "cancelled"):
                moments.append(("restriction_ended", window.in_force_until))
            for event_type, at in moments:
                if start <= at < end:
                    yield Event(
                        type=event_type,
                        start=at,
                        end=at,
                        detector=self.name,
                        detector_version=self.version,
                        geometry=geometry,
                        subjects=(Subject(name=r.id),),
                        attributes=_attributes(
                            r, border=border, distance_km=round(dist, 1), end_reason=window.end_reason
                        ),
                        evidence=(_evidence(r),),
                    )

    def _nearest(self, r: Restriction, borders: Mapping[str, BaseGeometry]) -> tuple[str, float, str] | None:
        best: tuple[str, float, str] | None = None
        for _, _, text, geometry in _shapes(r):
            for name, line in borders.items():
                dist = distance_km(geometry, line)
                if dist <= self.border_km and (best is None or dist < best[1]):
                    best = (name, dist, text)
        return best


@dataclass(frozen=True, slots=True)
class AircraftInAreaDetector:
    """An aircraft (of interest, if a list is given) reports positions inside an active restricted,
    danger, prohibited or reserved area, within its vertical limits (AMSL/FL limits checked against
    barometric altitude; AGL limits not checked). One ``aircraft_in_restricted_area`` event per run of
    positions, a run ending after a silence of ``gap_min`` minutes."""

    name: ClassVar[str] = "restriction_overlap"
    version: ClassVar[int] = 1
    columns: ClassVar[frozenset[str]] = frozenset(
        {"icao24", "ts", "lat_deg", "lon_deg", "alt_ft", "callsign", "source_file", "source_offset"}
    )
    gap_min: float = 10.0

    def detect(
        self,
        windows: Sequence[RestrictionWindow],
        positions: pa.Table,
        aircraft: frozenset[str] | None = None,
    ) -> Iterator[Event]:
        if positions.num_rows == 0:
            return
        ts_us = positions["ts"].cast(pa.int64()).to_numpy(zero_copy_only=False)
        icao = np.asarray(positions["icao24"].to_pylist(), dtype=object)
        lat = positions["lat_deg"].to_numpy(zero_copy_only=False).astype(float)
        lon = positions["lon_deg"].to_numpy(zero_copy_only=False).astype(float)
        alt = positions["alt_ft"].to_numpy(zero_copy_only=False).astype(float)
        offsets = positions["source_offset"].to_numpy(zero_copy_only=False)
        files = positions["source_file"].to_pylist()
        callsigns = positions["callsign"].to_pylist() if "callsign" in positions.column_names else [None] * len(icao)
        base = np.ones(len(icao), dtype=bool)
        if aircraft is not None:
            base &= np.isin(icao, np.asarray(sorted(aircraft), dtype=object))
        for window in windows:
            r = window.restriction
            q = r.notam.qline
            if q is None or not (q.subject in AREA_SUBJECTS or q.subject in ("WM", "WE")):
                continue
            when = np.zeros(len(icao), dtype=bool)
            for t0, t1 in window.active:
                when |= (ts_us >= _us(t0)) & (ts_us < _us(t1))
            mask = base & when
            if not mask.any():
                continue
            mask &= self._vertical(r, alt)
            for index, name, text, geometry in _shapes(r):
                inside = mask.copy()
                inside[mask] = points_inside(geometry, lon[mask], lat[mask])
                for rows in self._runs(np.flatnonzero(inside), icao, ts_us):
                    first, last = rows[0], rows[-1]
                    yield Event(
                        type="aircraft_in_restricted_area",
                        start=_dt(int(ts_us[first])),
                        end=_dt(int(ts_us[last])),
                        detector=self.name,
                        detector_version=self.version,
                        geometry=text,
                        subjects=(Subject(icao24=str(icao[first]), callsign=callsigns[first]),),
                        attributes=_attributes(r, area_index=index, area_name=name, positions=len(rows)),
                        evidence=(
                            _evidence(r),
                            Evidence(EvidenceKind.POSITION, files[first], int(offsets[first])),
                        ),
                    )

    @staticmethod
    def _vertical(r: Restriction, alt: np.ndarray) -> np.ndarray:
        ok = np.ones(alt.shape, dtype=bool)
        lower_agl = r.notam.lower is not None and r.notam.lower.reference is LimitReference.AGL
        upper_agl = r.notam.upper is not None and r.notam.upper.reference is LimitReference.AGL
        known = np.isfinite(alt)
        if r.lower_ft is not None and not lower_agl:
            ok &= ~known | (alt >= r.lower_ft)
        if r.upper_ft is not None and not upper_agl:
            ok &= ~known | (alt <= r.upper_ft)
        return ok

    def _runs(self, rows: np.ndarray, icao: np.ndarray, ts_us: np.ndarray) -> Iterator[np.ndarray]:
        gap_us = int(self.gap_min * 60e6)
        for address in sorted(set(icao[rows].tolist())):
            mine = rows[icao[rows] == address]
            mine = mine[np.argsort(ts_us[mine], kind="stable")]
            breaks = np.flatnonzero(np.diff(ts_us[mine]) > gap_us) + 1
            yield from np.split(mine, breaks)


def _us(value: datetime) -> int:
    return int((value - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def _dt(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)
