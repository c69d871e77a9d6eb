"""Issue 12 item 5: a second-hand report is an echo of an unknown root, never an independent root."""

from __future__ import annotations

from dataclasses import replace

from airpicture.claims.assemble import build_claims
from airpicture.claims.build import ClaimInputs
from airpicture.model.claims import ClaimStatus
from airpicture.model.reports import HowKnown, ReportCategory
from tests.claims.test_status import RULES, only, report


def _launch(rid: str, reporter: str, minutes: float = 0, how: HowKnown = HowKnown.DIRECT):  # type: ignore[no-untyped-def]
    return replace(report(rid, reporter, minutes, category=ReportCategory.MISSILE_LAUNCH), how_known=how)


def test_an_eyewitness_and_hearsay_do_not_corroborate() -> None:
    result = build_claims(
        ClaimInputs(reports=[_launch("r1", "a" * 64), _launch("r2", "b" * 64, 10, HowKnown.SECOND_HAND)]), RULES
    )
    claim = only(result, "missile launch")
    assert claim.status is ClaimStatus.REPORTED
    assert claim.roots == ("report:r1",)
    assert claim.echoes == ("report:r2",)  # the second-hand account repeats someone we do not know


def test_two_hearsay_reports_are_no_root_at_all() -> None:
    result = build_claims(
        ClaimInputs(
            reports=[
                _launch("r1", "a" * 64, how=HowKnown.SECOND_HAND),
                _launch("r2", "b" * 64, 10, HowKnown.SECOND_HAND),
            ]
        ),
        RULES,
    )
    claim = only(result, "missile launch")
    assert claim.status is ClaimStatus.REPORTED and claim.independent_roots == 0
    assert claim.echo_count == 2


def test_two_eyewitnesses_still_corroborate() -> None:
    result = build_claims(
        ClaimInputs(reports=[_launch("r1", "a" * 64), _launch("r2", "b" * 64, 10, HowKnown.SENSOR)]), RULES
    )
    assert only(result, "missile launch").status is ClaimStatus.CORROBORATED
