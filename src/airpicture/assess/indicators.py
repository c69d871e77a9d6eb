"""Indicators against the day's claims: which fire, the board (today vs baseline) and the ACH items.

A claim matches an indicator when its event type is listed, its status is at least ``min_status``
(reported < corroborated < confirmed; disputed and retracted never match) and, when the indicator names
subject types, roles or attributes, one of the detector events behind it carries them. The night-activity
metric fires when the night's count is elevated against its baseline (mean + 2 sd, and at least 1.5 × the
mean). Negative evidence ("no missile launches recorded", "no new border restrictions", "night aviation
not above its baseline") is an item only when the coverage it is measured against reaches the indicator's
``min_coverage`` (spec §3): receiver coverage of the night, or a NOTAM feed on file; the night-activity
absence also needs at least one earlier night with receiver data to compare with.

Every item carries the independence keys of its roots (``AchItem.root_keys``): those of its claims'
roots; for the night-activity metric and receiver-measured absences the night's receivers;
for a NOTAM-measured absence the NOTAM feed.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from airpicture.model.claims import ClaimStatus, Credibility, Reliability
from airpicture.model.judgments import (
    AchItem,
    BoardRow,
    BoardState,
    ClaimFacts,
    Coverage,
    DayFacts,
    Indicator,
    NightCount,
    Question,
    Weight,
)

_STATUS_RANK = {ClaimStatus.REPORTED: 1, ClaimStatus.CORROBORATED: 2, ClaimStatus.CONFIRMED: 3}
_RELIABILITY_ORDER = "ABCDEF"


def report_window(question: Question, day: date) -> tuple[datetime, datetime]:
    """The UTC window of report day ``day``: from ``day_start_local`` on ``day`` to the same time next day."""
    zone = ZoneInfo(question.timezone)
    hh, mm = (int(x) for x in question.day_start_local.split(":"))
    start = datetime.combine(day, time(hh, mm), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(hh, mm), tzinfo=zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def report_day(question: Question, at: datetime) -> date:
    """The report day a UTC instant belongs to (inverse of :func:`report_window`)."""
    local = at.astimezone(ZoneInfo(question.timezone))
    hh, mm = (int(x) for x in question.day_start_local.split(":"))
    return local.date() if (local.hour, local.minute) >= (hh, mm) else local.date() - timedelta(days=1)


def _status_ok(facts: ClaimFacts, minimum: str) -> bool:
    status = facts.claim.status
    if status not in _STATUS_RANK:
        return False
    return _STATUS_RANK[status] >= _STATUS_RANK[ClaimStatus(minimum)]


def matches(indicator: Indicator, facts: ClaimFacts) -> bool:
    """Does this claim show the indicator's pattern?"""
    if facts.claim.event_type not in indicator.event_types or not _status_ok(facts, indicator.min_status):
        return False
    if not (indicator.subject_types or indicator.subject_roles or indicator.attributes):
        return True
    for event in facts.events:
        subjects = event.subjects
        if indicator.subject_types and not any(s.type_code in indicator.subject_types for s in subjects):
            continue
        if indicator.subject_roles and not any(s.role in indicator.subject_roles for s in subjects):
            continue
        if any(str(event.attributes.get(k)) != v for k, v in indicator.attributes):
            continue
        return True
    return False


def _credibility_weight(values: Iterable[Credibility | None]) -> Weight:
    best = min((int(v) for v in values if v is not None), default=6)
    return Weight.H if best <= 2 else Weight.M if best == 3 else Weight.L


def _grade(reliability: Reliability, credibility: Iterable[Credibility | None]) -> str:
    best = min((int(v) for v in credibility if v is not None), default=6)
    return f"{reliability.value}{best}"


def _best(reliabilities: Iterable[Reliability]) -> Reliability:
    return min(reliabilities, key=lambda r: _RELIABILITY_ORDER.index(r.value), default=Reliability.F)


_ABSENCE_GRADE = {
    "receivers": (Reliability.B, "B3"),  # raw sensor tracks (spec §2)
    "notams": (Reliability.A, "A3"),  # published NOTAMs
    "observers": (Reliability.F, "F3"),  # observers start at F (spec §2): the network cannot be judged yet
}


def absence_coverage_of(ind: Indicator, coverage: Coverage) -> tuple[float, bool]:
    """The coverage (0-1) that could have seen what ``ind`` looks for, and whether it is thin (below the
    indicator's ``min_coverage``): the coverage rule of docs/assessment.md, "Absence", per coverage source."""
    if ind.coverage_source == "notams":
        value = 1.0 if coverage.notams_on_file > 0 else 0.0
    elif ind.coverage_source == "observers":
        value = min(1.0, coverage.reporters / ind.min_observers) if ind.min_observers > 0 else 1.0
    else:
        value = coverage.receiver_fraction
    return value, value < ind.min_coverage


def coverage_note(ind: Indicator, coverage: Coverage) -> str:
    """The coverage behind an indicator's board row, in a few words, naming only what could have seen its
    pattern: "receivers up 100%", "2 NOTAMs on file", "4 observers" ("1 observer, thin")."""
    if ind.coverage_source == "notams":
        n = coverage.notams_on_file
        return f"{n} NOTAM{'' if n == 1 else 's'} on file" if n else "no NOTAM feed"
    if ind.coverage_source == "observers":
        n = coverage.reporters
        text = "no observer" if n == 0 else "1 observer" if n == 1 else f"{n} observers"
        return text + (", thin" if n < ind.min_observers else "")
    return f"receivers up {coverage.receiver_fraction:.0%}"


@dataclass(frozen=True, slots=True)
class IndicatorOutcome:
    """The board row and (when it fires, or its absence counts) the ACH item of one indicator."""

    row: BoardRow
    item: AchItem | None
    matched: tuple[ClaimFacts, ...]
    absent: bool = False


def activity_state(
    today: NightCount | None, history: Sequence[NightCount], min_nights: int = 1
) -> tuple[float, float | None, BoardState]:
    """Today's night count, its baseline (mean of the earlier nights; ``None`` with fewer than ``min_nights`` of
    them: no baseline yet, nothing is above or in line with it) and the state."""
    count = float(today.count) if today else 0.0
    values = [float(n.count) for n in history]
    if len(values) < max(1, min_nights):
        return count, None, BoardState.NORMAL
    mean = statistics.fmean(values)
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    elevated = count > mean + 2 * sd and count >= 1.5 * max(mean, 1.0)
    return count, mean, BoardState.ELEVATED if elevated else BoardState.NORMAL


def evaluate(question: Question, facts: DayFacts) -> list[IndicatorOutcome]:
    """Every indicator of ``question`` on ``facts.day``, in the order of the question file."""
    baseline_start = facts.day - timedelta(days=question.baseline_days)
    by_day: dict[date, list[ClaimFacts]] = {}
    for f in facts.history:
        by_day.setdefault(report_day(question, f.claim.start), []).append(f)
    tonight = next((n for n in facts.activity if n.night == facts.day), None)
    # Nights without any receiver data are not "quiet" nights: they are left out of every baseline (spec §3).
    earlier_nights = [n for n in facts.activity if baseline_start <= n.night < facts.day and n.coverage > 0]
    covered = {n.night for n in earlier_nights}
    has_baseline = len(covered) >= max(1, facts.min_baseline_nights)
    coverage = facts.coverage.receiver_fraction
    # events whose "first time since" rests mostly on a gap in the records: not novel (docs/assessment.md)
    thin_novelty = {
        str(e.attributes.get("event_id"))
        for f in facts.claims
        if f.claim.event_type == "novelty"
        for e in f.events
        if e.type == "novelty" and e.attributes.get("coverage_thin")
    }
    out: list[IndicatorOutcome] = []
    for ind in question.indicators:
        matched = tuple(f for f in facts.claims if matches(ind, f))
        history_days = sorted(d for d, fs in by_day.items() if any(matches(ind, f) for f in fs))
        baseline_counts = [sum(1 for f in by_day.get(night, []) if matches(ind, f)) for night in sorted(covered)]
        last_day = history_days[-1] if history_days else None
        last_claim = None
        if last_day is not None:
            last_claim = next(f.claim.claim_id for f in reversed(by_day[last_day]) if matches(ind, f))
        fired_by_metric = False
        if ind.metric == "night_activity":
            today, baseline, state = activity_state(tonight, earlier_nights, facts.min_baseline_nights)
            fired_by_metric = state is BoardState.ELEVATED
            if matched:
                state = BoardState.ELEVATED
            row_cov: float | None = tonight.coverage if tonight else coverage
        else:
            today = float(len(matched))
            # too few earlier covered nights: no baseline yet (None), never a mean of nothing
            baseline = statistics.fmean(baseline_counts) if has_baseline else None
            spread = statistics.pstdev(baseline_counts) if has_baseline else 0.0
            gap = (facts.day - last_day).days if last_day else None
            gap_in_records = any(e.event_id in thin_novelty for f in matched for e in f.events)
            if matched and (gap is None or gap >= question.novelty_gap_days) and not gap_in_records:
                state = BoardState.NOVEL
            elif (
                matched
                and baseline is not None
                and len(matched) > baseline + 2 * spread
                and len(matched) >= 1.5 * max(baseline, 1.0)
            ):
                state = BoardState.ELEVATED
            else:
                state = BoardState.NORMAL
            # the coverage that could have seen this indicator's pattern (its coverage_source), never another's
            row_cov = absence_coverage_of(ind, facts.coverage)[0]
        row = BoardRow(
            ind.indicator_id,
            ind.label,
            ind.section,
            today,
            None if baseline is None else round(baseline, 2),
            state,
            None if row_cov is None else round(row_cov, 3),
            tuple(f.claim.claim_id for f in matched),
            last_seen=last_day,
            last_claim_id=last_claim,
            monitoring_since=facts.monitoring_since,
            note=coverage_note(ind, facts.coverage),
        )
        item = None
        absent = False
        receiver_keys = tuple((f"sensor:{r}",) for r in facts.coverage.receivers)
        absence_coverage, _ = absence_coverage_of(ind, facts.coverage)
        if ind.coverage_source == "observers":
            # launches, drones and vehicles are seen by people (and official alerts, none ingested), never by
            # ADS-B receivers: the absence rests on the night's observer reports from the region alone
            absence_keys: tuple[tuple[str, ...], ...] = ((f"observer-reports:{facts.day.isoformat()}",),)
            absence_root = f"observer-reports:{facts.day.isoformat()}/{ind.indicator_id}"
        elif ind.coverage_source == "notams":
            absence_keys = (("notam-feed",),)
            absence_root = f"notam-feed:{facts.day.isoformat()}/{ind.indicator_id}"
        else:
            absence_keys = receiver_keys
            # one root per absence: "no A-50" and "no launches" are two observations of one night, not echoes
            absence_root = f"coverage:{facts.day.isoformat()}/{ind.indicator_id}"
        if ind.metric == "night_activity":
            absence_root = f"night-activity:{facts.day.isoformat()}"
            if baseline is None:
                absence_coverage = 0.0  # "in line with its baseline" needs a baseline
        if matched:
            reliability = _best(f.reliability for f in matched)
            creds = [f.claim.credibility for f in matched]
            item = AchItem(
                item_id=ind.indicator_id,
                label=ind.label,
                reliability=reliability,
                credibility=_credibility_weight(creds),
                relevance=ind.relevance,
                ratings=ind.ratings,
                roots=tuple(dict.fromkeys(r for f in matched for r in f.claim.roots)),
                claim_ids=row.claim_ids,
                grade=_grade(reliability, creds),
                indicator_id=ind.indicator_id,
                root_keys=tuple(dict.fromkeys(k for f in matched for _, k in f.root_keys)),
            )
        elif fired_by_metric and tonight is not None:
            item = AchItem(
                item_id=ind.indicator_id,
                label=ind.label,
                reliability=Reliability.B,  # raw sensor tracks (spec §2)
                credibility=Weight.M,
                relevance=ind.relevance,
                ratings=ind.ratings,
                roots=(f"night-activity:{tonight.night.isoformat()}",),
                grade="B3",
                indicator_id=ind.indicator_id,
                root_keys=receiver_keys,
            )
        elif ind.absence_ratings and absence_coverage >= ind.min_coverage:
            absent = True
            item = AchItem(
                item_id=f"{ind.indicator_id}:absent",
                label=ind.absence_label or f"No {ind.label.lower()} recorded",
                credibility=Weight.M,
                relevance=ind.relevance,
                ratings=ind.absence_ratings,
                reliability=_ABSENCE_GRADE[ind.coverage_source][0],
                roots=(absence_root,),
                grade=_ABSENCE_GRADE[ind.coverage_source][1],
                indicator_id=ind.indicator_id,
                root_keys=absence_keys,
            )
        out.append(IndicatorOutcome(row, item, matched, absent))
    return out
