"""Questions, hypotheses, indicators, ACH items and judgments (spec assessment.md §1, §4, §6).

A ``Question`` is asked of a region ("Is Belarus moving toward direct military involvement …?") with
mutually exclusive, exhaustive ``Hypothesis`` es and ``Indicator`` s that map observed patterns to ACH
ratings. Each day the indicators that fire become ``AchItem`` s; the Bayesian ACH over them yields a
``Judgment``: a probability per hypothesis, the ICD 203 band of the top and runner-up, a confidence level
with its basis, key evidence, sensitivity, and what it supersedes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from airpicture.model.claims import Claim, Reliability
from airpicture.model.events import Event


class Rating(StrEnum):
    """Heuer's ACH rating of one item against one hypothesis."""

    CC = "CC"
    C = "C"
    N = "N"
    I = "I"  # noqa: E741 - Heuer's own letter
    II = "II"
    NA = "NA"

    @property
    def signed(self) -> int | None:
        """CC +2, C +1, N 0, I −1, II −2; NA has none (used for diagnosticity)."""
        return {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}.get(self.value)

    @property
    def inconsistency(self) -> int:
        """Heuer's inconsistency score: I = 1, II = 2, otherwise 0."""
        return {"I": 1, "II": 2}.get(self.value, 0)

    def shifted(self, step: int) -> Rating:
        """One step toward consistent (+1) or inconsistent (−1); NA and the ends stay."""
        order = [Rating.II, Rating.I, Rating.N, Rating.C, Rating.CC]
        if self is Rating.NA:
            return self
        i = min(len(order) - 1, max(0, order.index(self) + step))
        return order[i]


class Weight(StrEnum):
    """Credibility or relevance of an ACH item: low, medium, high (weights 1/√2, 1, √2)."""

    L = "L"
    M = "M"
    H = "H"

    @property
    def factor(self) -> float:
        return {"L": 1 / math.sqrt(2), "M": 1.0, "H": math.sqrt(2)}[self.value]


class Confidence(StrEnum):
    """Analytic confidence in a judgment (spec §1): about the basis, never the likelihood."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"


class BoardState(StrEnum):
    """An indicator today against its baseline."""

    NORMAL = "normal"
    ELEVATED = "elevated"
    NOVEL = "novel"


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One answer to a question. ``proposition`` is a noun phrase a judgment sentence starts with."""

    hyp_id: str
    label: str
    proposition: str
    prior: float


@dataclass(frozen=True, slots=True)
class Indicator:
    """A pattern of claims/events and how it bears on each hypothesis.

    ``match`` selects claims: ``event_types`` (claim event types), ``subject_types`` (aircraft type codes),
    ``subject_roles``, ``attributes`` (event attributes that must equal), ``min_status``. ``metric`` =
    ``"night_activity"`` makes the indicator fire when the night's activity count is elevated against its
    baseline. ``absence_ratings`` (optional) rate the recorded *absence* of the pattern; it counts only
    when coverage is at least ``min_coverage`` (spec §3: negative evidence needs coverage).
    """

    indicator_id: str
    label: str
    section: str
    ratings: tuple[tuple[str, Rating], ...]
    relevance: Weight = Weight.M
    event_types: tuple[str, ...] = ()
    subject_types: tuple[str, ...] = ()
    subject_roles: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    min_status: str = "reported"
    metric: str = ""
    absence_label: str = ""
    absence_ratings: tuple[tuple[str, Rating], ...] = ()
    min_coverage: float = 0.5
    watch: str = ""
    assumption: str = ""
    coverage_source: str = "receivers"
    """What the absence is measured against — only coverage that could have seen the thing: ``receivers``
    (receiver coverage of the night: aircraft), ``notams`` (a NOTAM feed on file: restrictions) or
    ``observers`` (observer reports from the region: launches, drones, ground movements)."""
    min_observers: int = 3
    """``observers`` coverage: distinct observers reporting in the night for full coverage; fewer is thin."""

    def rating_map(self, absent: bool = False) -> dict[str, Rating]:
        return dict(self.absence_ratings if absent else self.ratings)


@dataclass(frozen=True, slots=True)
class Question:
    """A question asked of a region, its hypotheses (exclusive, exhaustive), indicators and rules."""

    question_id: str
    region: str
    text: str
    hypotheses: tuple[Hypothesis, ...]
    indicators: tuple[Indicator, ...]
    timezone: str = "UTC"
    day_start_local: str = "12:00"
    night_start_local: str = "20:00"
    night_end_local: str = "06:00"
    baseline_days: int = 14
    novelty_gap_days: int = 30
    airline_callsign_pattern: str = "^[A-Z]{3}[0-9]"
    assumptions: tuple[str, ...] = ()
    tie_epsilon: float = 0.01
    """Hypotheses within this probability of the top one are tied with it: no hypothesis is favoured."""
    confidence_rules: tuple[tuple[str, float], ...] = ()
    """The question file's ``[confidence]`` table (``assess.ach.ConfidenceRules``): overrides of its defaults."""


@dataclass(frozen=True, slots=True)
class AchItem:
    """One row of the ACH matrix: an observation with its source grade and ratings per hypothesis.

    ``roots`` are the attribution roots behind it (items sharing one are merged before scoring);
    ``claim_ids`` the claims it rests on; ``grade`` the Admiralty grade shown (e.g. ``B2``).
    """

    item_id: str
    label: str
    reliability: Reliability
    credibility: Weight
    relevance: Weight
    ratings: tuple[tuple[str, Rating], ...]
    roots: tuple[str, ...] = ()
    claim_ids: tuple[str, ...] = ()
    grade: str = ""
    indicator_id: str = ""
    merged: tuple[str, ...] = ()
    root_keys: tuple[tuple[str, ...], ...] = ()
    """Per root, what independence is judged on (``sensor:<receiver key>`` — the receiver's pseudonym, or the
    recording when no receiver was named —, ``notam:<id>``, ``observer:<pseudonym hash>`` …); roots sharing a
    key are one cluster (spec §3). The confidence rule counts clusters across the key evidence."""

    def rating(self, hyp_id: str) -> Rating:
        return dict(self.ratings).get(hyp_id, Rating.NA)


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    """What happens to the top hypothesis when an item is dropped or one rating is shifted one step."""

    item_id: str
    change: str  # "drop" or "<hyp_id> <from>→<to>"
    top: str
    top_probability: float
    band: str
    critical: bool


@dataclass(frozen=True, slots=True)
class BoardRow:
    """An indicator today against its baseline, with the coverage that makes the comparison meaningful."""

    indicator_id: str
    label: str
    section: str
    today: float
    baseline: float | None
    """Mean of the earlier covered nights; ``None``: no baseline yet (fewer than the minimum of such nights)."""
    state: BoardState
    coverage: float | None
    claim_ids: tuple[str, ...] = ()
    note: str = ""
    last_seen: date | None = None
    last_claim_id: str | None = None
    monitoring_since: date | None = None


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """A claim with what assessment reads of it: the detector events behind it, the reliability of its best
    root source and whether a source graded C or better contradicts it."""

    claim: Claim
    events: tuple[Event, ...] = ()
    reliability: Reliability = Reliability.F
    source_names: tuple[str, ...] = ()
    contradicted: bool = False
    root_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(root appearance id, its independence keys) for each root of the claim."""


@dataclass(frozen=True, slots=True)
class NightCount:
    """Night activity of one night: tracks without an airline callsign in the local night window, with the
    share (0-1) of 10-minute bins of that window in which any receiver recorded positions."""

    night: date
    count: int
    coverage: float
    track_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Coverage:
    """Collection effort of one report day: receivers heard from, receiver coverage of the night, observer
    reports received and distinct (pseudonymous) reporters, NOTAMs on file."""

    receiver_files: int
    receiver_fraction: float
    reports: int
    reporters: int
    notams: int
    receivers: tuple[str, ...] = ()
    """The receivers with positions in the report day, by receiver key (the receiver's pseudonym, or the file
    id of a recording no receiver was named for); ``receiver_files`` counts their recordings."""
    notams_on_file: int = 0
    """NOTAMs held in the workspace at all: zero means there is no NOTAM feed to measure an absence against."""


@dataclass(frozen=True, slots=True)
class DayFacts:
    """Everything one day's assessment reads: the window (UTC), the claims in it, earlier claims (baseline
    and "first time since"), night activity per night up to this one, and coverage."""

    day: date
    window_start: datetime
    window_end: datetime
    cutoff: datetime
    claims: tuple[ClaimFacts, ...]
    history: tuple[ClaimFacts, ...]
    activity: tuple[NightCount, ...]
    coverage: Coverage
    monitoring_since: date | None = None
    approximate_recordings: tuple[str, ...] = ()
    """Recordings (file ids) with positions in the window whose times are approximate (time basis ``file_mtime``
    or ``none``, docs/ingest.md): what receivers measured that night rests on approximate times."""
    min_baseline_nights: int = 1
    """Fewest earlier nights with receiver data that make a baseline (``assess.min_baseline_nights``); with
    fewer, every board row says "no baseline yet" instead of a number."""


@dataclass(frozen=True, slots=True)
class Judgment:
    """One day's answer to a question (spec §6), persisted with what it supersedes and why it changed."""

    judgment_id: str
    question_id: str
    day: date
    created_at: datetime
    hypotheses: tuple[Hypothesis, ...]
    posterior: tuple[tuple[str, float], ...]
    top: str
    band: str
    runner_up: str
    runner_up_band: str
    beyond_scale: bool
    confidence: Confidence
    confidence_basis: str
    items: tuple[AchItem, ...]
    key_evidence: tuple[str, ...]
    inconsistency: tuple[tuple[str, float], ...]
    weighted: tuple[tuple[str, float], ...]
    diagnosticity: tuple[tuple[str, int | None], ...]
    sensitivity: tuple[SensitivityRow, ...]
    assumptions: tuple[str, ...]
    indicators_to_watch: tuple[str, ...]
    supersedes: str | None = None
    previous_band: str | None = None
    change_explanation: str = ""
    board: tuple[BoardRow, ...] = field(default=())
    tied: tuple[str, ...] = ()
    """Hypotheses tied with the top one (within ``Question.tie_epsilon``), the top included; empty: no tie."""
    bands: tuple[tuple[str, str], ...] = ()
    """(hypothesis id, ICD 203 band) for every hypothesis."""
    assessed: bool = True
    """False when nothing bore on the question (no ACH item): no band and no confidence are stated."""
    time_approximate_items: tuple[str, ...] = ()
    """Items (ids) resting on approximate times (docs/assessment.md, "Approximate times"), in matrix order."""

    def probability(self, hyp_id: str) -> float:
        return dict(self.posterior)[hyp_id]

    def hypothesis(self, hyp_id: str) -> Hypothesis:
        return next(h for h in self.hypotheses if h.hyp_id == hyp_id)


# -- plain data (JSON) ------------------------------------------------------------------------------


def _item_dict(i: AchItem) -> dict[str, Any]:
    return {
        "item_id": i.item_id,
        "label": i.label,
        "reliability": i.reliability.value,
        "credibility": i.credibility.value,
        "relevance": i.relevance.value,
        "ratings": {k: v.value for k, v in i.ratings},
        "roots": list(i.roots),
        "claim_ids": list(i.claim_ids),
        "grade": i.grade,
        "indicator_id": i.indicator_id,
        "merged": list(i.merged),
        "root_keys": [list(k) for k in i.root_keys],
    }


def judgment_to_dict(j: Judgment) -> dict[str, Any]:
    """A judgment as JSON-ready data (the inverse is :func:`judgment_from_dict`)."""
    return {
        "judgment_id": j.judgment_id,
        "question_id": j.question_id,
        "day": j.day.isoformat(),
        "created_at": j.created_at.isoformat(),
        "hypotheses": [asdict(h) for h in j.hypotheses],
        "posterior": dict(j.posterior),
        "top": j.top,
        "band": j.band if j.assessed else None,
        "runner_up": j.runner_up,
        "runner_up_band": j.runner_up_band if j.assessed else None,
        "beyond_scale": j.beyond_scale,
        "confidence": j.confidence.value if j.assessed else None,
        "confidence_basis": j.confidence_basis,
        "items": [_item_dict(i) for i in j.items],
        "key_evidence": list(j.key_evidence),
        "inconsistency": dict(j.inconsistency),
        "weighted": dict(j.weighted),
        "diagnosticity": dict(j.diagnosticity),
        "sensitivity": [asdict(r) for r in j.sensitivity],
        "assumptions": list(j.assumptions),
        "indicators_to_watch": list(j.indicators_to_watch),
        "supersedes": j.supersedes,
        "previous_band": j.previous_band,
        "change_explanation": j.change_explanation,
        "tied": list(j.tied),
        "bands": dict(j.bands) if j.assessed else None,
        "assessed": j.assessed,
        "time_approximate_items": list(j.time_approximate_items),
        "board": [
            {
                **asdict(r),
                "state": r.state.value,
                "claim_ids": list(r.claim_ids),
                "last_seen": r.last_seen.isoformat() if r.last_seen else None,
                "monitoring_since": r.monitoring_since.isoformat() if r.monitoring_since else None,
            }
            for r in j.board
        ],
    }


def judgment_from_dict(d: Mapping[str, Any]) -> Judgment:
    """Rebuild a judgment from :func:`judgment_to_dict` output; ``KeyError``/``ValueError`` on bad data."""
    return Judgment(
        judgment_id=d["judgment_id"],
        question_id=d["question_id"],
        day=date.fromisoformat(d["day"]),
        created_at=datetime.fromisoformat(d["created_at"]),
        hypotheses=tuple(Hypothesis(**h) for h in d["hypotheses"]),
        posterior=tuple((k, float(v)) for k, v in d["posterior"].items()),
        top=d["top"],
        band=d["band"] or "",
        runner_up=d["runner_up"],
        runner_up_band=d["runner_up_band"] or "",
        beyond_scale=bool(d["beyond_scale"]),
        confidence=Confidence(d["confidence"] or Confidence.LOW.value),
        confidence_basis=d["confidence_basis"],
        items=tuple(
            AchItem(
                item_id=i["item_id"],
                label=i["label"],
                reliability=Reliability(i["reliability"]),
                credibility=Weight(i["credibility"]),
                relevance=Weight(i["relevance"]),
                ratings=tuple((k, Rating(v)) for k, v in i["ratings"].items()),
                roots=tuple(i["roots"]),
                claim_ids=tuple(i["claim_ids"]),
                grade=i["grade"],
                indicator_id=i["indicator_id"],
                merged=tuple(i["merged"]),
                root_keys=tuple(tuple(k) for k in i.get("root_keys", ())),
            )
            for i in d["items"]
        ),
        key_evidence=tuple(d["key_evidence"]),
        inconsistency=tuple((k, float(v)) for k, v in d["inconsistency"].items()),
        weighted=tuple((k, float(v)) for k, v in d["weighted"].items()),
        diagnosticity=tuple((k, v) for k, v in d["diagnosticity"].items()),
        sensitivity=tuple(SensitivityRow(**r) for r in d["sensitivity"]),
        assumptions=tuple(d["assumptions"]),
        indicators_to_watch=tuple(d["indicators_to_watch"]),
        supersedes=d["supersedes"],
        previous_band=d["previous_band"],
        change_explanation=d["change_explanation"],
        tied=tuple(d.get("tied", ())),
        bands=tuple((d.get("bands") or {}).items()),
        assessed=bool(d.get("assessed", True)),
        time_approximate_items=tuple(d.get("time_approximate_items", ())),
        board=tuple(
            BoardRow(
                indicator_id=r["indicator_id"],
                label=r["label"],
                section=r["section"],
                today=float(r["today"]),
                baseline=None if r["baseline"] is None else float(r["baseline"]),
                state=BoardState(r["state"]),
                coverage=r["coverage"],
                claim_ids=tuple(r["claim_ids"]),
                note=r["note"],
                last_seen=date.fromisoformat(r["last_seen"]) if r["last_seen"] else None,
                last_claim_id=r["last_claim_id"],
                monitoring_since=date.fromisoformat(r["monitoring_since"]) if r["monitoring_since"] else None,
            )
            for r in d["board"]
        ),
    )


@dataclass(frozen=True, slots=True)
class MapData:
    """What the report's map draws, as GeoJSON geometry text (lon/lat): country outlines by ISO code, the
    watched country, tracks of interest, orbits, restrictions (NOTAM id, geometry), markers (claim id,
    label, lon, lat)."""

    countries: tuple[tuple[str, str], ...] = ()
    watched: str = ""
    tracks: tuple[tuple[str, str], ...] = ()
    orbits: tuple[tuple[str, str], ...] = ()
    restrictions: tuple[tuple[str, str], ...] = ()
    markers: tuple[tuple[str, str, float, float], ...] = ()
    places: tuple[tuple[str, float, float], ...] = ()
    """Towns to name on the map: (name, lon, lat), in the report's romanisation (docs/report.md)."""


@dataclass(frozen=True, slots=True)
class Provenance:
    """For one appearance: when its source published it, when airpicture retrieved it, the raw record."""

    published: datetime
    retrieved: datetime | None
    record: str
    link: str = ""
    place: str | None = None


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything the daily report renders: the judgment, the facts it was made from, the question,
    provenance per appearance (id → Provenance), source names and grades, region title, map layers."""

    question: Question
    judgment: Judgment
    facts: DayFacts
    provenance: Mapping[str, Provenance]
    appearance_sources: Mapping[str, tuple[str, str]]  # appearance id → (source name, reliability letter)
    region_title: str
    map: MapData
    generated_at: datetime
    simulated: bool = False
    """Some of the data behind the report came from the scenario simulator: the report says so in its title."""
    places: Mapping[str, str] = field(default_factory=dict)
    """Claim id → where it happened in words from the gazetteer ("near Mazyr", "25 km NE of Mazyr")."""
