"""Sources, appearances, claims and their verification history (spec assessment.md §2, §3, §6).

A ``Claim`` is one checkable proposition. ``Appearance`` s are statements of it (or against it) by one
``Source`` at one time; what an appearance cites forms the attribution graph from which independent roots,
echoes and the status are derived. Every status change is a ``VerificationEvent``; every analyst grade a
``GradeChange``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from airpicture.model.events import Evidence


class SourceKind(StrEnum):
    """Classes of source; each has a default reliability (configurable, spec §2)."""

    OBSERVER = "observer"
    SENSOR = "sensor"
    NOTAM = "notam"
    MINISTRY = "ministry"
    MONITORING_GROUP = "monitoring-group"
    NEWS_OUTLET = "news-outlet"
    SOCIAL_POST = "social-post"
    ACTOR = "actor"
    OTHER = "other"

    @property
    def official(self) -> bool:
        """Statements of this kind count as an official denial when they deny (spec §3)."""
        return self in (SourceKind.MINISTRY, SourceKind.ACTOR)


class Reliability(StrEnum):
    """Admiralty source reliability, A (completely reliable) … E (unreliable), F (cannot be judged)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"

    @property
    def at_least_c(self) -> bool:
        return self in (Reliability.A, Reliability.B, Reliability.C)


class Credibility(IntEnum):
    """Admiralty information credibility: 1 confirmed … 5 improbable, 6 cannot be judged."""

    CONFIRMED = 1
    PROBABLY_TRUE = 2
    POSSIBLY_TRUE = 3
    DOUBTFUL = 4
    IMPROBABLE = 5
    CANNOT_BE_JUDGED = 6


class Modality(StrEnum):
    """How an appearance states the claim."""

    ASSERTED = "asserted"
    HEDGED = "hedged"
    DENIED = "denied"
    RETRACTED = "retracted"


class ClaimStatus(StrEnum):
    """Spec §3 status; ``disputed`` is an overlay that keeps the support level in ``Claim.support``."""

    REPORTED = "reported"
    CORROBORATED = "corroborated"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    RETRACTED = "retracted"


class SensorCheck(StrEnum):
    """What the sensor cross-check of an observer claim found. Never "refuted": absence proves nothing."""

    NOT_APPLICABLE = "not applicable"
    MATCHED = "matched"
    NOT_CORROBORATED = "not corroborated"
    NOT_CORROBORATED_POOR_COVERAGE = "not corroborated (poor coverage)"


@dataclass(frozen=True, slots=True)
class Source:
    """Who makes statements. ``reliability`` is the effective grade (analyst grade when set, else the
    class default); ``suggested`` follows the track record (``confirmed``/``refuted`` tallies)."""

    source_id: str
    kind: SourceKind
    name: str
    reliability: Reliability = Reliability.F
    suggested: Reliability = Reliability.F
    analyst_grade: Reliability | None = None
    confirmed: int = 0
    refuted: int = 0


@dataclass(frozen=True, slots=True)
class Appearance:
    """One statement by one source at one time.

    ``cites`` holds ids of what it relies on: other appearances (``report:<id>``, ``event:<id>``,
    ``notam:<id>`` or an entered id) or a reference that is not in the workspace (kept as text, so that
    ten outlets citing the same unseen post still share one root). ``observer``/``sensor``/``notam_id``/
    ``document`` and the artifact hashes are what roots are merged on. ``primary`` marks a raw NOTAM,
    geolocated and chronolocated imagery, a raw sensor track or the actor's own acknowledgement.
    """

    appearance_id: str
    source_id: str
    published_at: datetime
    modality: Modality = Modality.ASSERTED
    quote: str = ""
    attribution: str = ""
    url: str = ""
    cites: tuple[str, ...] = ()
    observer: str | None = None
    sensor: str | None = None
    notam_id: str | None = None
    document: str | None = None
    artifact_sha256: tuple[str, ...] = ()
    artifact_phash: tuple[str, ...] = ()
    primary: bool = False
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable proposition with its derived provenance.

    ``event_type`` is a report category, a detector event type or ``airspace restriction``; the place is a
    point (``lat_deg``/``lon_deg``, optional) and the time ``start``…``end`` (UTC). ``roots`` are the
    representative appearance ids of the independent supporting clusters, ``echoes`` the supporting
    appearances that cite something, ``contradictions`` the denying roots. ``support`` is the status the
    support alone earns (kept under a ``disputed`` overlay). ``credibility`` is ``None`` when retracted.
    """

    claim_id: str
    event_type: str
    start: datetime
    end: datetime
    status: ClaimStatus
    support: ClaimStatus
    credibility: Credibility | None
    appearances: tuple[str, ...]
    roots: tuple[str, ...]
    primary_roots: tuple[str, ...]
    echoes: tuple[str, ...]
    contradictions: tuple[str, ...]
    subject: str = ""
    place_name: str | None = None
    lat_deg: float | None = None
    lon_deg: float | None = None
    sensor_check: SensorCheck = SensorCheck.NOT_APPLICABLE
    coverage_fraction: float | None = None
    time_approximate: bool = False
    """Some of its support rests on approximate times (a recording anchored on its file's modification time, or
    without times; docs/ingest.md): such a claim supports at most low confidence (docs/assessment.md)."""

    @property
    def independent_roots(self) -> int:
        return len(self.roots)

    @property
    def echo_count(self) -> int:
        return len(self.echoes)


@dataclass(frozen=True, slots=True)
class VerificationEvent:
    """One status change of a claim: when, from, to, by which rule, why, on what evidence."""

    claim_id: str
    at: datetime
    rule: str
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    reason: str
    evidence_ids: tuple[str, ...] = ()
    actor: str = "airpicture"


@dataclass(frozen=True, slots=True)
class GradeChange:
    """An analyst set (or cleared) a source's reliability grade."""

    source_id: str
    at: datetime
    from_grade: Reliability
    to_grade: Reliability | None
    actor: str
    reason: str
