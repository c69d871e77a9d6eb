"""Issue 12 item 7: confidence tied to the margin over the runner-up, single-item sensitivity and root
diversity (docs/assessment.md, "Confidence"); a swing of more than one band is called one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from airpicture.assess.ach import ConfidenceRules, analyse, band_deciders, confidence
from airpicture.assess.config import load_question, parse_question
from airpicture.assess.judge import explain_change
from airpicture.model.errors import ConfigError
from airpicture.model.judgments import AchItem, Confidence, Judgment
from tests.assess.test_ach import HYPS, item

RX = [("sensor:rx1",), ("sensor:rx2",), ("sensor:rx3",), ("sensor:rx4",)]
MIXED = [("sensor:rx1",), ("sensor:rx2",), ("notam:A0812/22",), ("observer:o1",), ("sensor:rx3",)]


def items(ratings: str, keys: list[tuple[str, ...]], prefix: str = "e") -> list[AchItem]:
    return [
        replace(item(f"{prefix}{k}", "B", "H", "M", ratings), root_keys=(key,), grade="B1")
        for k, key in enumerate(keys)
    ]


def judge(chosen: list[AchItem], rules: ConfidenceRules | None = None) -> tuple[Confidence, str]:
    result = analyse(chosen, HYPS)
    return confidence(result, [i.item_id for i in result.items], 0, rules)


def test_broad_evidence_with_a_wide_margin_is_high() -> None:
    level, basis = judge(items("C I N I", MIXED[:4]))
    assert level is Confidence.HIGH, basis
    assert "the margin over the runner-up is 51 points (72% against 21%)" in basis


def test_one_item_deciding_the_band_rules_out_high() -> None:
    chosen = items("C I N I", MIXED[:3])
    result = analyse(chosen, HYPS)
    assert result.posterior["H1"] - result.posterior["H2"] > 0.3 and not result.flips_when_dropped
    assert band_deciders(result)  # dropping any one of the three moves the band
    level, basis = judge(chosen)
    assert level is Confidence.MODERATE
    assert "the band rests on single items" in basis


def test_a_small_margin_rules_out_high() -> None:
    chosen = items("C C I I", [*MIXED[:3], ("observer:o2",), ("notam:A2/22",)]) + items(
        "CC C I I", [("sensor:rx5",), ("observer:o3",)], "f"
    )
    result = analyse(chosen, HYPS)
    assert not band_deciders(result) and 0.2 < result.posterior["H1"] - result.posterior["H2"] < 0.3
    assert judge(chosen)[0] is Confidence.MODERATE
    assert judge(chosen, ConfidenceRules(high_min_margin=0.2))[0] is Confidence.HIGH  # configurable


def test_a_margin_near_zero_is_low() -> None:
    level, basis = judge(items("C C I I", MIXED[:4]))
    assert level is Confidence.LOW and "the margin over the runner-up is 0 points" in basis


def test_roots_of_one_kind_are_not_high() -> None:
    # four receivers: one way of knowing (spoofing or one blind spot would fool all of them)
    assert judge(items("C I N I", RX))[0] is Confidence.MODERATE
    assert judge(items("C I N I", RX), ConfidenceRules(high_min_root_kinds=1))[0] is Confidence.HIGH


def _previous(day: date, p_h1: float) -> Judgment:
    return Judgment(
        "j-prev", "q", day, datetime(2022, 7, 11, 9, tzinfo=UTC), HYPS, (("H1", p_h1), ("H2", 1 - p_h1)),
        "H2", "-", "H1", "-", False, Confidence.LOW, "basis", (), (), (), (), (), (), (), (),
    )  # fmt: skip


def test_a_swing_of_several_bands_in_one_night_is_named_with_its_cause() -> None:
    text = explain_change(_previous(date(2022, 7, 10), 0.15), "H1", "likely", ["a50"], {"a50": "A-50 entry"},
                          date(2022, 7, 11))  # fmt: skip
    assert text == (
        "has risen from very unlikely to likely since 2022-07-10, a swing of three bands in one night, "
        "because of new evidence (A-50 entry)"
    )
    one_step = explain_change(_previous(date(2022, 7, 8), 0.3), "H1", "roughly even chance", [], {},
                              date(2022, 7, 11))  # fmt: skip
    assert "swing" not in one_step
    three_nights = explain_change(_previous(date(2022, 7, 8), 0.15), "H1", "likely", [], {},
                                  date(2022, 7, 11))  # fmt: skip
    assert "a swing of three bands in 3 nights" in three_nights


def test_the_question_file_sets_the_rules_and_rejects_unknown_ones() -> None:
    shipped = load_question("belarus")
    assert ConfidenceRules.from_pairs(shipped.confidence_rules) == ConfidenceRules()
    text = (
        '[question]\nid = "q"\nregion = "r"\ntext = "t"\n[confidence]\nhigh_min_margin = 0.4\n'
        '[[hypothesis]]\nid = "a"\nlabel = "a"\nproposition = "a"\n'
        '[[hypothesis]]\nid = "other"\nlabel = "o"\nproposition = "o"\n'
    )
    assert ConfidenceRules.from_pairs(parse_question(text, "q.toml").confidence_rules).high_min_margin == 0.4
    with pytest.raises(ConfigError, match="unknown confidence rule"):
        parse_question(text.replace("high_min_margin", "high_margin"), "q.toml")
