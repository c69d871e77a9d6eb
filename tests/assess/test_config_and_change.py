"""Question files (shipped and bad), change explanations, judgment JSON round trip."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from airpicture.assess.ach import analyse
from airpicture.assess.config import load_question, parse_question, shipped_regions
from airpicture.assess.judge import explain_change
from airpicture.model.claims import Reliability
from airpicture.model.errors import ConfigError
from airpicture.model.judgments import (
    AchItem,
    Confidence,
    Judgment,
    Rating,
    Weight,
    judgment_from_dict,
    judgment_to_dict,
)

GOOD = """
[question]
id = "q"
region = "r"
text = "Q?"
[[hypothesis]]
id = "a"
label = "A"
proposition = "A"
prior = 0.5
[[hypothesis]]
id = "other"
label = "Other"
proposition = "Other"
prior = 0.5
[[indicator]]
id = "i"
label = "I"
section = "aviation"
event_types = ["orbit"]
ratings = { a = "C", other = "I" }
"""


def test_shipped_belarus_question() -> None:
    assert "belarus" in shipped_regions()
    q = load_question("belarus")
    assert q.text.startswith("Is Belarus moving toward direct military involvement")
    assert {h.hyp_id for h in q.hypotheses} == {"support", "preparation", "routine", "other"}
    assert abs(sum(h.prior for h in q.hypotheses) - 1) < 1e-9
    ids = {i.indicator_id for i in q.indicators}
    assert {"a50-entry", "aew-orbit", "night-surge", "border-restrictions", "missile-launches"} <= ids


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('rating = "C"', 'rating = "X"'), None),
        (('ratings = { a = "C", other = "I" }', 'ratings = { a = "Z" }'), "bad rating"),
        (('ratings = { a = "C", other = "I" }', 'ratings = { b = "C" }'), "unknown hypothesis"),
        (('section = "aviation"', 'section = "space"'), "bad section"),
        (('id = "other"', 'id = "b"'), "no 'other' hypothesis"),
        (("prior = 0.5\n[[indicator]]", "prior = 0.4\n[[indicator]]"), "priors do not sum to 1"),
        (('text = "Q?"', "text = 3"), "bad value"),
    ],
)
def test_bad_question_files_name_the_key(change: tuple[str, str], message: str | None) -> None:
    text = GOOD.replace(*change)
    if message is None:
        assert parse_question(text, "q.toml").question_id == "q"
        return
    with pytest.raises(ConfigError, match=message) as info:
        parse_question(text, "q.toml")
    assert "q.toml" in str(info.value)


def test_unknown_region() -> None:
    with pytest.raises(ConfigError, match="no question file"):
        load_question("atlantis")


def _judgment(p_support: float, items: tuple[AchItem, ...]) -> Judgment:
    q = load_question("belarus")
    rest = (1 - p_support) / 3
    return Judgment(
        "j-x", q.question_id, date(2022, 7, 10), datetime(2022, 7, 11, tzinfo=UTC), q.hypotheses,
        (("support", p_support), ("preparation", rest), ("routine", rest), ("other", rest)),
        "support", "unlikely", "routine", "unlikely", False, Confidence.LOW, "basis", items, (), (), (), (), (), (),
        (),
    )  # fmt: skip


ITEM = AchItem("a50-entry", "A-50 entry", Reliability.B, Weight.M, Weight.H, (("support", Rating.CC),), ("event:1",))


def test_remains_only_when_the_band_is_unchanged() -> None:
    previous = _judgment(0.30, (ITEM,))
    assert explain_change(previous, "support", "unlikely", ["a50-entry"], {}) == "remains unlikely (as on 2022-07-10)"
    risen = explain_change(previous, "support", "likely", ["a50-entry", "night-surge"], {"night-surge": "Night surge"})
    assert risen == (
        "has risen from unlikely to likely since 2022-07-10, a swing of two bands, "
        "because of new evidence (Night surge)"
    )
    fallen = explain_change(_judgment(0.6, (ITEM,)), "support", "unlikely", [], {})
    assert (
        fallen.startswith("has fallen from likely to unlikely")
        and "earlier evidence that no longer holds (A-50 entry)" in fallen
    )
    assert explain_change(None, "support", "likely", [], {}) == "first assessment of this question"


def test_judgment_round_trips_through_json() -> None:
    result = analyse([ITEM], load_question("belarus").hypotheses)
    j = replace(_judgment(0.3, result.items), sensitivity=result.sensitivity)
    assert judgment_from_dict(judgment_to_dict(j)) == j


def test_every_shipped_region_file_parses() -> None:
    for region in shipped_regions():
        q = load_question(region)
        assert q.region == region and q.indicators


def test_every_shipped_question_counts_the_same_night_as_its_region() -> None:
    # One night, one definition: the surge detector uses the region's night, the board the question's.
    from datetime import time as clock_time

    from airpicture.reference import ReferenceData

    reference = ReferenceData()
    for name in shipped_regions():
        question, region = load_question(name), reference.region(name)
        assert question.timezone == region.timezone, name
        start, end = (clock_time.fromisoformat(t) for t in (question.night_start_local, question.night_end_local))
        assert (start, end) == (region.night_start, region.night_end), name


def test_a_change_names_its_weightiest_reasons_not_every_item() -> None:
    from airpicture.assess.judge import _some

    assert _some(["A-50 entry", "AEW&C orbit"]) == "A-50 entry; AEW&C orbit"
    assert _some(["a", "b", "c", "d"]) == "a; b; c; d"  # "and 1 more" would be no shorter
    assert _some(["a", "b", "c", "d", "e", "f"]) == "a; b; c; and 3 more"
