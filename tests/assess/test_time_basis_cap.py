"""Issue 12, item 1: facts resting on approximate times support at most low confidence (docs/assessment.md,
"Approximate times"), on constructed matrices that earn high confidence without the cap."""

from __future__ import annotations

from airpicture.assess.ach import analyse, confidence, key_evidence
from airpicture.assess.time_basis import cap_confidence
from airpicture.model.claims import Reliability
from airpicture.model.judgments import AchItem, Confidence, Hypothesis, Rating, Weight

HYPOTHESES = (
    Hypothesis("h1", "Training", "Routine training", 0.5),
    Hypothesis("h2", "Strike", "Strike support", 0.5),
)


def _item(n: int, h1: Rating, h2: Rating) -> AchItem:
    return AchItem(
        item_id=f"e{n}",
        label=f"item {n}",
        reliability=Reliability.A,
        credibility=Weight.H,
        relevance=Weight.H,
        ratings=(("h1", h1), ("h2", h2)),
        roots=(f"root-{n}",),
        grade="A1",
        # receivers and NOTAMs alternate: high confidence needs roots of two kinds (docs/assessment.md)
        root_keys=((f"sensor:receiver-{n}",) if n % 2 else (f"notam:A{n:04d}/22",),),
    )


def _strong() -> list[AchItem]:
    """Five independent A1 items for h1, of two kinds: high confidence by the rule of step 8."""
    return [_item(n, Rating.CC, Rating.I) for n in range(5)]


def test_without_approximate_items_the_rule_is_unchanged() -> None:
    result = analyse(_strong(), HYPOTHESES)
    key = key_evidence(result)
    level, basis = confidence(result, key, 0)
    assert level is Confidence.HIGH
    assert cap_confidence(level, basis, result, key, ()) == (level, basis)


def test_an_approximate_item_that_supports_the_leading_hypothesis_caps_confidence_at_low() -> None:
    items = _strong()
    result = analyse(items, HYPOTHESES)
    key = key_evidence(result)
    level, basis = confidence(result, key, 0)
    supporting_not_key = next(i.item_id for i in result.items if i.item_id not in key)
    capped, why = cap_confidence(level, basis, result, key, (supporting_not_key,))
    assert capped is Confidence.LOW
    assert why.startswith(basis) and "item" in why and "approximate times" in why and "at most low" in why


def test_an_approximate_item_that_neither_is_key_nor_supports_the_leader_does_not_cap() -> None:
    items = [*_strong(), _item(9, Rating.N, Rating.N)]  # rates both hypotheses alike: supports neither
    result = analyse(items, HYPOTHESES)
    key = key_evidence(result)
    level, basis = confidence(result, key, 0)
    assert "e9" not in key
    assert cap_confidence(level, basis, result, key, ("e9",)) == (level, basis)
