"""One day's judgment: indicators → ACH items → posterior, bands, confidence, what changed since the last one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime

from airpicture.assess.ach import AchResult, AchRules, ConfidenceRules, analyse, confidence, key_evidence
from airpicture.assess.indicators import IndicatorOutcome, evaluate
from airpicture.assess.language import band, band_index
from airpicture.assess.time_basis import approximate_items, cap_confidence
from airpicture.model.judgments import Confidence, DayFacts, Judgment, Question


def _judgment_id(question: Question, facts: DayFacts, result: AchResult) -> str:
    key = json.dumps(
        [
            question.question_id,
            facts.day.isoformat(),
            sorted((k, round(v, 6)) for k, v in result.posterior.items()),
            sorted((i.item_id, i.grade, list(i.claim_ids)) for i in result.items),
        ]
    )
    return "j-" + hashlib.sha256(key.encode()).hexdigest()[:14]


def explain_change(
    previous: Judgment | None,
    top: str,
    band_term: str,
    items: Sequence[str],
    labels: dict[str, str],
    day: date | None = None,
) -> str:
    """ "remains <band>" only when the band of the same hypothesis is unchanged; otherwise risen/fallen and why.
    A move of more than one band is called a swing, with its size and the nights it took (``day``: the day
    judged), so a reader sees that the judgment jumped rather than drifted."""
    if previous is None:
        return "first assessment of this question"
    if not previous.assessed:
        return f"first assessment since {previous.day.isoformat()}, when there was nothing to assess"
    prev_probability = dict(previous.posterior).get(top)
    prev_band = band(prev_probability).term() if prev_probability is not None else previous.band
    added = [labels.get(i, i) for i in items if i not in {x.item_id for x in previous.items}]
    dropped = [x.label for x in previous.items if x.item_id not in set(items)]
    reasons = []
    if added:
        reasons.append("new evidence (" + _some(added) + ")")
    if dropped:
        reasons.append("earlier evidence that no longer holds (" + _some(dropped) + ")")
    why = " and of ".join(reasons) or "re-rated evidence"
    since = previous.day.isoformat()
    if prev_band == band_term:
        return f"remains {band_term} (as on {since})"
    steps = band_index(band_term) - band_index(prev_band)
    direction = "risen" if steps > 0 else "fallen"
    swing = ""
    if abs(steps) > 1:
        nights = (day - previous.day).days if day is not None else None
        over = " in one night" if nights == 1 else f" in {nights} nights" if nights else ""
        swing = f", a swing of {_NUMBERS.get(abs(steps), str(abs(steps)))} bands{over},"
    return f"has {direction} from {prev_band} to {band_term} since {since}{swing} because of {why}"


_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _some(labels: Sequence[str], shown: int = 3) -> str:
    """The first ``shown`` labels (callers put the weightiest first) and how many more: a reason, not a list."""
    if len(labels) <= shown + 1:
        return "; ".join(labels)
    return "; ".join(labels[:shown]) + f"; and {len(labels) - shown} more"


def _weightiest_first(result: AchResult, key: Sequence[str]) -> list[str]:
    """Item ids: key evidence first, then by diagnosticity (ties in matrix order)."""
    order = {i.item_id: n for n, i in enumerate(result.items)}
    return sorted(order, key=lambda i: (i not in key, -(result.diagnosticity[i] or 0), order[i]))


def _ranked_ids(result: AchResult) -> list[str]:
    return sorted(result.posterior, key=lambda h: -result.posterior[h])


def assess_day(
    question: Question,
    facts: DayFacts,
    previous: Judgment | None,
    now: datetime,
    rules: AchRules | None = None,
) -> tuple[Judgment, list[IndicatorOutcome]]:
    """Judge ``facts.day``; ``previous`` is the latest judgment of the question on an earlier day."""
    outcomes = evaluate(question, facts)
    items = [o.item for o in outcomes if o.item is not None]
    # No data, no judgment: with no item bearing on the question the posterior is the prior, and a prior is
    # not a judgment. The judgment is kept (so the chain of days is unbroken) but marked as not assessed.
    assessed = bool(items)
    result = analyse(items, question.hypotheses, rules)
    key = key_evidence(result)
    by_item = {o.item.item_id: o for o in outcomes if o.item is not None}
    open_contradictions = sum(1 for k in key if k in by_item for f in by_item[k].matched if f.contradicted)
    level, basis = confidence(result, key, open_contradictions, ConfidenceRules.from_pairs(question.confidence_rules))
    approximate = approximate_items(outcomes, facts)
    level, basis = cap_confidence(level, basis, result, key, approximate)
    top_p = result.posterior[result.top]
    tied = tuple(h for h in _ranked_ids(result) if top_p - result.posterior[h] <= question.tie_epsilon)
    tied = tied if len(tied) > 1 else ()
    top_band = band(top_p)
    runner_band = band(result.posterior[result.runner_up])
    labels = {i.item_id: i.label for i in result.items}
    fired = {o.row.indicator_id for o in outcomes if o.item is not None and not o.absent}
    key_indicators = {by_item[k].row.indicator_id for k in key if k in by_item}
    watch = [i.watch for i in question.indicators if i.watch and i.indicator_id in key_indicators]
    watch += [i.watch for i in question.indicators if i.watch and i.indicator_id not in fired and i.watch not in watch]
    assumptions = list(question.assumptions)
    assumptions += [i.assumption for i in question.indicators if i.assumption and i.indicator_id in fired]
    if not assessed:
        key, level, basis, watch, assumptions = (), Confidence.LOW, "nothing bore on the question", [], []
        watch = [i.watch for i in question.indicators if i.watch]
    judgment = Judgment(
        judgment_id=_judgment_id(question, facts, result),
        question_id=question.question_id,
        day=facts.day,
        created_at=now,
        hypotheses=question.hypotheses,
        posterior=tuple((h.hyp_id, result.posterior[h.hyp_id]) for h in question.hypotheses),
        top=result.top,
        band=top_band.term() if assessed else "",
        runner_up=result.runner_up,
        runner_up_band=runner_band.term() if assessed else "",
        beyond_scale=top_band.beyond_scale or runner_band.beyond_scale,
        confidence=level,
        confidence_basis=basis,
        items=result.items,
        key_evidence=key,
        inconsistency=tuple((h.hyp_id, result.inconsistency[h.hyp_id]) for h in question.hypotheses),
        weighted=tuple((h.hyp_id, round(result.weighted[h.hyp_id], 4)) for h in question.hypotheses),
        diagnosticity=tuple((i.item_id, result.diagnosticity[i.item_id]) for i in result.items),
        sensitivity=result.sensitivity,
        assumptions=tuple(assumptions),
        indicators_to_watch=tuple(watch[:5]),
        supersedes=previous.judgment_id if previous else None,
        previous_band=previous.band if previous else None,
        change_explanation=(
            explain_change(previous, result.top, top_band.term(), _weightiest_first(result, key), labels, facts.day)
            if assessed
            else "nothing to assess"
        ),
        board=tuple(o.row for o in outcomes),
        tied=tied if assessed else (),
        bands=tuple((h.hyp_id, band(result.posterior[h.hyp_id]).term()) for h in question.hypotheses),
        assessed=assessed,
        time_approximate_items=approximate if assessed else (),
    )
    return judgment, outcomes
