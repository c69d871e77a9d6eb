"""Questions, hypotheses, indicators, ACH items and judgments (spec assessment.md §1, §4, §6).

A ``Question`` is asked of a region ("Is Belarus moving toward direct military involvement …?") with
mutually exclusive, exhaustive ``Hypothesis`` es and ``Indicator`` s that map observed patterns to ACH
ratings. Each day the indicators that fire become ``AchItem`` s; the Bayesian ACH over them yields a
``Judgment``: a probability per hypothesis, the ICD 203 band of the top and runner-up, a confidence level
with its basis, key evidence, sensitivity, and what it supersedes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from airpicture.model.claims import Reliability


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
    baseline: float
    state: BoardState
    coverage: float | None
    claim_ids: tuple[str, ...] = ()
    note: str = ""


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

    def probability(self, hyp_id: str) -> float:
        return dict(self.posterior)[hyp_id]

    def hypothesis(self, hyp_id: str) -> Hypothesis:
        return next(h for h in self.hypotheses if h.hyp_id == hyp_id)
