"""Claims from observer reports, detector events, NOTAMs and entered appearances.

- Observer reports of the same category within ``cluster_distance_km`` and ``cluster_window_min`` of each
  other (single linkage, so the result does not depend on input order) are one claim.
- Every detector event is a claim whose roots are the raw records it rests on, one root per receiver
  (spec §3: roots sharing a sensor/receiver merge): the event's positions from each receiver — every
  recording (``source_file``) that :meth:`SensorLookup.receiver_of` maps to the same receiver key — are one
  primary root ``event:<id>/receiver:<key>``, the detector's statement ``event:<id>`` cites them. The key is
  the receiver's pseudonym, or the recording's file id when no receiver was named for it (the file is its
  own receiver). An event heard by two receivers is therefore *confirmed*, one heard in two files of one
  receiver is not; two events heard by the same receiver share its root key. An event that rests on NOTAMs
  only (restriction changes) has one root per NOTAM; an aggregate event that cites no record (GNSS
  interference per cell) is given the receivers whose degraded positions fall in its area and window
  (:meth:`SensorLookup.records_in`), and when there are none it is its own root, attributed as such.
- Every NOTAM is a claim with one primary published root.
- An observer claim is cross-checked against sensor data: a detector event or a track (positions of one
  aircraft below ``track_max_alt_ft``) within ``sensor_distance_km`` and ``sensor_window_min`` joins the
  claim as a primary root; for airspace closures a NOTAM valid at the time does. Without a match the claim
  is *not corroborated* — and *not corroborated (poor coverage)* when the receivers saw little there
  and then. Never refuted: an absent track proves nothing.
- Entered appearances attach to a named claim, else to an existing claim of the same event type within
  the cluster windows, else make a new claim.

Status, grades and track records are derived afresh from everything each time (:func:`build_claims`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from airpicture.claims.graph import UNKNOWN_ROOT
from airpicture.claims.status import DEFAULT_CLASS_GRADES
from airpicture.model.claims import (
    Appearance,
    Claim,
    Reliability,
    Source,
    SourceKind,
)
from airpicture.model.events import Event, Evidence, EvidenceKind
from airpicture.model.reports import Artifact, HowKnown, ObserverReport, ReportCategory

EARTH_RADIUS_KM = 6371.0088
AIRCRAFT_CATEGORIES = (ReportCategory.FIXED_WING, ReportCategory.HELICOPTER, ReportCategory.AIRFIELD_ACTIVITY)


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """The configurable windows and grades (from ``Settings.claims``)."""

    cluster_distance_km: float = 25.0
    cluster_window_min: float = 60.0
    sensor_distance_km: float = 50.0
    sensor_window_min: float = 60.0
    coverage_min_fraction: float = 0.5
    track_max_alt_ft: float = 20000.0
    phash_max_distance: int = 8
    class_grades: Mapping[SourceKind, Reliability] = field(default_factory=lambda: dict(DEFAULT_CLASS_GRADES))


@dataclass(frozen=True, slots=True)
class NotamInput:
    """The adapter a NOTAM enters claims through: id, text, validity and (optionally) a centre point."""

    notam_id: str
    text: str
    valid_from: datetime
    valid_to: datetime
    lat_deg: float | None = None
    lon_deg: float | None = None
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TrackHit:
    """Positions of one aircraft near a place and time: the raw rows that prove it."""

    icao24: str
    first_ts: datetime
    dist_km: float
    source_file: str
    source_offset: int
    callsign: str | None = None


class SensorLookup(Protocol):
    """What the workspace can say about sensor coverage and tracks (implemented by the pipeline)."""

    def tracks_near(
        self, lat_deg: float, lon_deg: float, start: datetime, end: datetime, dist_km: float, max_alt_ft: float
    ) -> Sequence[TrackHit]: ...

    def coverage(self, lat_deg: float, lon_deg: float, start: datetime, end: datetime, dist_km: float) -> float: ...

    def records_in(
        self, box: tuple[float, float, float, float], start: datetime, end: datetime, degraded_only: bool
    ) -> Sequence[TrackHit]:
        """One position per receiver recording inside ``box`` (lat min, lat max, lon min, lon max) and the
        window; ``degraded_only``: rows with low integrity or a spoofing flag only."""
        ...

    def receiver_of(self, source_file: str) -> str:
        """The receiver key of a recording: its receiver's pseudonym, else ``source_file`` itself."""
        ...


@dataclass(frozen=True, slots=True)
class NoSensors:
    """No receiver data at all: coverage 0, no tracks."""

    def tracks_near(
        self, lat_deg: float, lon_deg: float, start: datetime, end: datetime, dist_km: float, max_alt_ft: float
    ) -> Sequence[TrackHit]:
        return ()

    def coverage(self, lat_deg: float, lon_deg: float, start: datetime, end: datetime, dist_km: float) -> float:
        return 0.0

    def records_in(
        self, box: tuple[float, float, float, float], start: datetime, end: datetime, degraded_only: bool
    ) -> Sequence[TrackHit]:
        return ()

    def receiver_of(self, source_file: str) -> str:
        return source_file


@dataclass(frozen=True, slots=True)
class ClaimProposal:
    """An entered claim: either ``claim_id`` of an existing one, or a proposition to match or create."""

    entry_id: str
    claim_id: str | None = None
    event_type: str = ""
    subject: str = ""
    start: datetime | None = None
    end: datetime | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    place_name: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One entered file: a claim proposal, its sources and appearances."""

    proposal: ClaimProposal
    sources: tuple[Source, ...]
    appearances: tuple[Appearance, ...]


@dataclass(frozen=True, slots=True)
class ClaimInputs:
    reports: Sequence[ObserverReport] = ()
    artifacts: Mapping[str, Artifact] = field(default_factory=dict)
    events: Sequence[Event] = ()
    notams: Sequence[NotamInput] = ()
    entries: Sequence[Entry] = ()
    analyst_grades: Mapping[str, Reliability] = field(default_factory=dict)
    approximate_files: frozenset[str] = frozenset()
    """Ids of the recordings whose times are approximate (time basis ``file_mtime`` or ``none``)."""


@dataclass(frozen=True, slots=True)
class ClaimSet:
    """The derived claims, every appearance they use, and every source with its track record."""

    claims: tuple[Claim, ...]
    appearances: Mapping[str, Appearance]
    sources: Mapping[str, Source]


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:12]


def geometry_point(geometry: str | None) -> tuple[float, float] | None:
    """Mean (lat, lon) of a GeoJSON geometry's coordinates, or None."""
    if not geometry:
        return None
    try:
        coords = json.loads(geometry).get("coordinates")
    except (ValueError, AttributeError):
        return None
    flat: list[tuple[float, float]] = []

    def walk(value: object) -> None:
        if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, int | float) for v in value[:2]):
            flat.append((float(value[1]), float(value[0])))
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(coords)
    if not flat:
        return None
    return sum(p[0] for p in flat) / len(flat), sum(p[1] for p in flat) / len(flat)


# -- appearances from raw items -------------------------------------------------------------------


def observer_source_id(reporter_hash: str | None) -> str:
    return f"observer:{reporter_hash[:16]}" if reporter_hash else "observer:anonymous"


def report_appearance(report: ObserverReport, artifacts: Mapping[str, Artifact]) -> tuple[Appearance, Source]:
    arts = [artifacts[h] for h in report.media if h in artifacts]
    source_id = observer_source_id(report.reporter_hash)
    name = f"observer {report.reporter_hash[:8]}" if report.reporter_hash else "anonymous observers"
    appearance = Appearance(
        appearance_id=f"report:{report.report_id}",
        source_id=source_id,
        published_at=report.observed_at,
        quote=report.text,
        attribution=f"observer report ({report.how_known.value})",
        # Hearsay (spec §6 "second-hand"): the reporter relays someone we do not know, who may be any other
        # observer of the claim; it is an echo of an unknown root, never a root of its own (issue 12 item 5).
        cites=(f"{UNKNOWN_ROOT}{report.report_id}",) if report.how_known is HowKnown.SECOND_HAND else (),
        observer=report.reporter_hash,
        artifact_sha256=tuple(a.sha256 for a in arts),
        artifact_phash=tuple(a.phash for a in arts),
        primary=any(a.geolocated and a.chronolocated for a in arts),
        evidence=(Evidence(EvidenceKind.REPORT, report.report_id, report.source_row),),
    )
    return appearance, Source(source_id, SourceKind.OBSERVER, name)


def geometry_box(geometry: str | None) -> tuple[float, float, float, float] | None:
    """(lat min, lat max, lon min, lon max) of a GeoJSON geometry's coordinates, or None."""
    if not geometry:
        return None
    try:
        coords = json.loads(geometry).get("coordinates")
    except (ValueError, AttributeError):
        return None
    lats: list[float] = []
    lons: list[float] = []

    def walk(value: object) -> None:
        if isinstance(value, list) and len(value) >= 2 and all(isinstance(v, int | float) for v in value[:2]):
            lons.append(float(value[0]))
            lats.append(float(value[1]))
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(coords)
    return (min(lats), max(lats), min(lons), max(lons)) if lats else None


def receiver_root_id(event_id: str, receiver: str) -> str:
    """Id of the root appearance "the records of event ``event_id`` heard by receiver ``receiver``" (a receiver
    key: pseudonym, or the file id of a recording that is its own receiver)."""
    return f"event:{event_id}/receiver:{receiver[:16]}"


def event_appearances(event: Event, lookup: SensorLookup) -> tuple[list[Appearance], Source, list[Source]]:
    """The detector's statement ``event:<id>`` and the root appearances it rests on (see the module docstring):
    one per receiver of its position evidence, else one per NOTAM, else (aggregate events) one per receiver
    whose positions in the event's area and window the lookup finds. Returns the appearances (statement
    last), the detector source and the sources of the roots."""
    source_id = f"sensor:{event.detector}"
    source = Source(source_id, SourceKind.SENSOR, f"detector {event.detector}")
    by_file: dict[str, list[Evidence]] = {}
    for e in event.evidence:
        if e.kind is EvidenceKind.POSITION:
            by_file.setdefault(e.source_file, []).append(e)
    attribution = "positions of this event heard by one receiver"
    if not by_file and not any(e.kind is EvidenceKind.NOTAM for e in event.evidence):
        box = geometry_box(event.geometry)
        if box is not None:
            degraded = event.type == "gnss_interference" or "integrity_degraded" in event.flags
            for hit in lookup.records_in(box, event.start, event.end, degraded):
                note = "degraded position in the area" if degraded else "position in the area"
                by_file.setdefault(hit.source_file, []).append(
                    Evidence(EvidenceKind.POSITION, hit.source_file, hit.source_offset, note)
                )
            attribution = "receiver positions in the event's area and window" + (
                " with degraded navigation" if degraded else ""
            )
    files: dict[str, list[str]] = {}
    for source_file in sorted(by_file):
        files.setdefault(lookup.receiver_of(source_file), []).append(source_file)
    roots: list[Appearance] = []
    root_sources: list[Source] = []
    for receiver, recordings in sorted(files.items()):
        # the first record of each recording first, so a short citation names every recording
        evidence = [by_file[f][0] for f in recordings] + [e for f in recordings for e in by_file[f][1:]]
        n_files = len(recordings)
        heard = (
            f"receiver recording {receiver[:12]}"
            if recordings == [receiver]
            else f"receiver {receiver[:12]} ({n_files} recording{'s' if n_files != 1 else ''})"
        )
        roots.append(
            Appearance(
                appearance_id=receiver_root_id(event.event_id, receiver),
                source_id=source_id,
                published_at=event.start,
                quote=f"{event.type}: records in {heard}",
                attribution=attribution,
                sensor=receiver,
                primary=True,
                evidence=tuple(evidence),
            )
        )
    if not roots:
        notam_source = Source("notam", SourceKind.NOTAM, "NOTAM office")
        for e in event.evidence:
            if e.kind is EvidenceKind.NOTAM and not any(r.notam_id == e.source_file for r in roots):
                roots.append(
                    Appearance(
                        appearance_id=f"event:{event.event_id}/notam:{e.source_file}",
                        source_id=notam_source.source_id,
                        published_at=event.start,
                        quote=f"{event.type}: NOTAM {e.source_file}",
                        attribution="published NOTAM",
                        notam_id=e.source_file,
                        primary=True,
                        evidence=(e,),
                    )
                )
                root_sources = [notam_source]
    statement = Appearance(
        appearance_id=f"event:{event.event_id}",
        source_id=source_id,
        published_at=event.start,
        quote=f"{event.type} ({event.detector} v{event.detector_version})",
        attribution="detector event on raw records" if roots else "detector aggregate; no raw record found to cite",
        cites=tuple(r.appearance_id for r in roots),
        sensor=None if roots else f"detector:{event.detector}:{event.event_id}",
        primary=False,  # the statement is derived; its receiver records (or NOTAMs) are the primary roots
        evidence=event.evidence,
    )
    return [*roots, statement], source, root_sources


def notam_appearance(notam: NotamInput) -> tuple[Appearance, Source]:
    appearance = Appearance(
        appearance_id=f"notam:{notam.notam_id}",
        source_id="notam",
        published_at=notam.published_at or notam.valid_from,
        quote=notam.text,
        attribution="published NOTAM",
        notam_id=notam.notam_id,
        primary=True,
        evidence=(Evidence(EvidenceKind.NOTAM, notam.notam_id, 0),),
    )
    return appearance, Source("notam", SourceKind.NOTAM, "NOTAM office")


def track_appearance(hit: TrackHit, receiver: str | None = None) -> tuple[Appearance, Source]:
    """A track that cross-checks an observer claim; ``receiver``: the key of the receiver that heard it
    (default: the recording is its own receiver)."""
    appearance = Appearance(
        appearance_id=f"track:{hit.icao24}:{hit.first_ts.strftime('%Y%m%dT%H%M%S')}",
        source_id="sensor:positions",
        published_at=hit.first_ts,
        quote=f"track of {hit.icao24}"
        + (f" ({hit.callsign})" if hit.callsign else "")
        + f", {hit.dist_km:.0f} km away",
        attribution="raw receiver positions",
        sensor=receiver or hit.source_file,
        primary=True,
        evidence=(Evidence(EvidenceKind.POSITION, hit.source_file, hit.source_offset, hit.icao24),),
    )
    return appearance, Source("sensor:positions", SourceKind.SENSOR, "receiver positions")
