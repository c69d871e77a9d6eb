"""Events: what detectors find ("an A-50 entered Belarusian airspace from Russia at 21:14").

Events are few, so they are frozen dataclasses. Each cites the raw records that prove it
(``Evidence``) and names the detector and version that produced it, so a report sentence can be walked
back to bytes and re-derived. ``geometry`` is GeoJSON (RFC 7946, lon/lat order) as text, so events
serialise without a geometry library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class EvidenceKind(StrEnum):
    """What an evidence reference points at."""

    POSITION = "position"
    """A row of ``positions``: ``source_file`` (SHA-256 of the ingested file) + ``source_offset``."""
    NOTAM = "notam"
    """A NOTAM: ``source_file`` is the NOTAM id (e.g. ``A1234/22``), ``source_offset`` its text span start."""
    REPORT = "report"
    """An observer report: ``source_file`` is the report id."""
    DOCUMENT = "document"
    """An article or post (an appearance): ``source_file`` is its content hash."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """A pointer to one raw record: which file (or document) and where in it."""

    kind: EvidenceKind
    source_file: str
    source_offset: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class Subject:
    """Who or what an event is about (an aircraft, a NOTAM area, a cell)."""

    icao24: str | None = None
    callsign: str | None = None
    registration: str | None = None
    type_code: str | None = None
    role: str | None = None
    country_of_address: str | None = None
    name: str | None = None


def _freeze(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Event:
    """One detected fact with its interval, place, subjects, evidence and producer.

    ``start``/``end`` are timezone-aware UTC (``end == start`` for instants). ``flags`` are confidence
    flags such as ``integrity_degraded`` or ``simulated``. ``event_id`` is derived from the content, so
    re-running a detector on the same input gives the same ids (idempotent replacement).
    """

    type: str
    start: datetime
    end: datetime
    detector: str
    detector_version: int
    geometry: str | None = None
    subjects: tuple[Subject, ...] = ()
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    flags: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    region: str = ""
    """The region whose detection run found the event (set by the detection framework; empty for an event
    made outside a run, e.g. in a detector's own tests). Part of the id: each region keeps its own events."""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("event times must be timezone-aware UTC")
        if self.end < self.start:
            raise ValueError(f"event ends ({self.end}) before it starts ({self.start})")
        object.__setattr__(self, "attributes", _freeze(self.attributes))

    @property
    def event_id(self) -> str:
        """A stable id: SHA-256 (hex, 16 chars) of detector, type, interval, subjects, geometry and region (the
        region only when set, so the same finding in two regions is two events)."""
        parts: list[Any] = [
            self.detector,
            self.type,
            self.start.isoformat(),
            self.end.isoformat(),
            [s.icao24 or s.name for s in self.subjects],
            self.geometry,
        ]
        if self.region:
            parts.append(self.region)
        key = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:16]
