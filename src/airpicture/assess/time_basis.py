"""Approximate times in the assessment: which items rest on them, and the cap they put on confidence.

A recording anchored on its file's modification time (time basis ``file_mtime``) or without times (``none``)
says *what* a receiver heard but not *when*: a plain ``cp`` moves it to another night (docs/ingest.md). An ACH
item rests on approximate times when

- one of its claims is ``time_approximate`` (it cites such a recording, or a detector event flagged so), or
- it has no claim and is measured on receivers (night activity, a receiver-measured absence: its independence
  keys name receivers) in a window holding such a recording.

Rule (docs/assessment.md, "Approximate times"): when an item resting on approximate times is key evidence, or
supports the leading hypothesis (rated C or CC for it), confidence is at most **Low**, and its basis says
which items and why. Nothing about the night's times is evidence when the night itself may be another one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from airpicture.assess.ach import AchResult
from airpicture.assess.indicators import IndicatorOutcome
from airpicture.model.judgments import Confidence, DayFacts, Rating

_SUPPORTS = (Rating.C, Rating.CC)


def approximate_items(outcomes: Sequence[IndicatorOutcome], facts: DayFacts) -> tuple[str, ...]:
    """Ids of the items that rest on approximate times (see the module docstring), in matrix order."""
    out: list[str] = []
    for outcome in outcomes:
        item = outcome.item
        if item is None:
            continue
        if outcome.matched:
            if any(f.claim.time_approximate for f in outcome.matched):
                out.append(item.item_id)
        elif facts.approximate_recordings and any(k.startswith("sensor:") for keys in item.root_keys for k in keys):
            out.append(item.item_id)
    return tuple(out)


def cap_confidence(
    level: Confidence, basis: str, result: AchResult, key: Sequence[str], approximate: Sequence[str]
) -> tuple[Confidence, str]:
    """At most Low when an item on approximate times is key evidence or supports the leading hypothesis."""
    marked = set(approximate)
    leaning = [
        item
        for item in result.items
        if ({item.item_id, *item.merged} & marked) and (item.item_id in key or item.rating(result.top) in _SUPPORTS)
    ]
    if not leaning:
        return level, basis
    basis = (
        f"{basis}; {listing(item.label for item in leaning)} "
        f"{'rests' if len(leaning) == 1 else 'rest'} on approximate times (receiver recordings timed by their "
        "files' modification dates or without times), so confidence is at most low"
    )
    return Confidence.LOW, basis


def listing(labels: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: labels in one clause."""
    shown = list(labels)  # as the question file writes them (proper nouns keep their capitals)
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
