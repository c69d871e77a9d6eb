"""No data, no judgment; a tie is reported as a tie (issue: assessment review, points 3 and 4)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from airpicture.assess.config import load_question
from airpicture.assess.judge import assess_day, explain_change
from airpicture.model.clock import FixedClock
from airpicture.model.judgments import (
    ClaimFacts,
    Coverage,
    DayFacts,
    MapData,
    ReportInputs,
    judgment_from_dict,
    judgment_to_dict,
)
from airpicture.model.settings import load_settings
from airpicture.pipeline.assess import assess
from airpicture.pipeline.report import report_inputs
from airpicture.report import build_document, render_report
from airpicture.store import Workspace

DAY = date(2022, 7, 11)
CLOCK = FixedClock(datetime(2022, 7, 12, 9, 0, tzinfo=UTC))


def _facts(coverage: Coverage) -> DayFacts:
    start = datetime(2022, 7, 11, 9, tzinfo=UTC)
    return DayFacts(DAY, start, start + timedelta(days=1), start + timedelta(days=1), (), (), (), coverage)


def test_an_empty_workspace_gives_no_judgment_and_a_report_that_says_so(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    settings = load_settings(None, {}, {"workspace": tmp_path / "ws"})
    assessment = assess(workspace, settings, CLOCK, DAY)
    j = assessment.judgment
    assert not j.assessed and j.band == "" and j.key_evidence == () and j.tied == ()
    rendered = render_report(report_inputs(workspace, settings, CLOCK, assessment))
    md = rendered.outputs["md"]
    assert "There is nothing to assess for this night" in md and "no judgment is made" in md
    for word in ("unlikely", "likely", "roughly even", "confidence in this assessment", "runner-up"):
        assert word not in md.split("## Assessment")[1].split("## Night activity")[0]
    data = json.loads(rendered.outputs["json"])
    assert data["assessment"]["assessed"] is False
    assert data["assessment"]["judgment"]["band"] is None and data["assessment"]["judgment"]["confidence"] is None
    assert judgment_from_dict(judgment_to_dict(j)).assessed is False  # persisted marked


def test_the_day_after_nothing_to_assess_does_not_say_remains() -> None:
    question = load_question("belarus")
    nothing, _ = assess_day(question, _facts(Coverage(0, 0.0, 0, 0, 0)), None, CLOCK.now())
    assert not nothing.assessed
    covered = Coverage(3, 0.9, 0, 0, 0, receivers=("r1", "r2", "r3"), notams_on_file=2)
    judged, _ = assess_day(question, _facts(covered), nothing, CLOCK.now())
    assert judged.assessed and judged.supersedes == nothing.judgment_id
    assert "remains" not in judged.change_explanation
    assert judged.change_explanation == "first assessment since 2022-07-11, when there was nothing to assess"
    assert explain_change(nothing, judged.top, judged.band, [], {}).startswith("first assessment since")


def test_a_quiet_covered_night_favours_routine_activity() -> None:
    covered = Coverage(3, 0.9, 6, 4, 0, receivers=("r1", "r2", "r3"), notams_on_file=2)
    judged, outcomes = assess_day(load_question("belarus"), _facts(covered), None, CLOCK.now())
    assert judged.top == "routine" and not judged.tied
    absent = {o.item.item_id for o in outcomes if o.item is not None and o.absent}
    assert {"a50-entry:absent", "border-restrictions:absent", "missile-launches:absent"} <= absent
    # without a NOTAM feed on file, the absence of new restrictions is not evidence
    _, outcomes = assess_day(load_question("belarus"), _facts(replace(covered, notams_on_file=0)), None, CLOCK.now())
    assert "border-restrictions:absent" not in {o.item.item_id for o in outcomes if o.item is not None}


def test_a_tie_is_reported_as_a_tie() -> None:
    question = load_question("belarus")
    # Only the missile absence counts (rated C for support, routine and other): three hypotheses tie.
    only_missiles = replace(
        question,
        indicators=tuple(i for i in question.indicators if i.indicator_id == "missile-launches"),
    )
    covered = Coverage(3, 0.9, 6, 4, 0, receivers=("r1",))
    judged, _ = assess_day(only_missiles, _facts(covered), None, CLOCK.now())
    assert set(judged.tied) == {"support", "routine", "other"}
    assert dict(judged.bands)["support"] == dict(judged.bands)["routine"]
    inputs = ReportInputs(only_missiles, judged, _facts(covered), {}, {}, "Belarus", MapData(), CLOCK.now())
    text = [s.text for s in build_document(inputs).assessment]
    assert text[0].startswith("No hypothesis is favoured over the others: ")
    assert not any(t.startswith("The runner-up") or "remains" in t for t in text)


def test_a_recent_indicator_without_covered_baseline_nights_is_judged_not_crashed() -> None:
    # A restriction today and one 5 days ago (too recent to be novel), but no night with receiver data before
    # today: the baseline has no counts. This used to raise statistics.StatisticsError (pstdev of nothing).
    from airpicture.model.claims import Claim, ClaimStatus, Credibility

    def restriction(claim_id: str, day: date) -> ClaimFacts:
        at = datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
        claim = Claim(claim_id, "restriction_appeared", at, at, ClaimStatus.CONFIRMED, ClaimStatus.CONFIRMED,
                      Credibility.CONFIRMED, ("notam:A1",), ("notam:A1",), ("notam:A1",), (), ())  # fmt: skip
        return ClaimFacts(claim)

    covered = Coverage(3, 0.9, 0, 0, 0, receivers=("r1", "r2", "r3"), notams_on_file=2)
    facts = replace(
        _facts(covered),
        claims=(restriction("c-today", DAY),),
        history=(restriction("c-earlier", DAY - timedelta(days=5)),),
    )
    judged, outcomes = assess_day(load_question("belarus"), facts, None, CLOCK.now())
    row = next(o.row for o in outcomes if o.row.indicator_id == "border-restrictions")
    assert judged.assessed and row.today == 1 and row.state.value in ("normal", "elevated")


def test_a_quiet_covered_kaliningrad_night_favours_routine_flying() -> None:
    covered = Coverage(3, 0.9, 0, 0, 0, receivers=("r1", "r2", "r3"), notams_on_file=2)
    judged, outcomes = assess_day(load_question("kaliningrad"), _facts(covered), None, CLOCK.now())
    assert judged.top == "routine" and judged.assessed and not judged.tied
    absent = {o.item.item_id for o in outcomes if o.item is not None and o.absent}
    # (night aviation "in line with its baseline" needs earlier covered nights, which these facts do not have)
    assert {"aew-orbit:absent", "border-restrictions:absent", "gnss-interference:absent"} <= absent


def test_absence_of_launches_rests_on_observers_never_on_receivers() -> None:
    """Issue 12 item 6: ADS-B receivers cannot see a missile launch; their uptime is no coverage for one."""
    question = load_question("belarus")
    receivers_only = Coverage(3, 1.0, 0, 0, 0, receivers=("r1", "r2", "r3"), notams_on_file=2)
    _, outcomes = assess_day(question, _facts(receivers_only), None, CLOCK.now())
    by_id = {o.row.indicator_id: o for o in outcomes}
    assert by_id["missile-launches"].item is None  # no observer: no evidence, whatever the receivers
    assert by_id["missile-launches"].row.coverage == 0.0 and by_id["missile-launches"].row.note == "no observer, thin"
    thin = replace(receivers_only, reports=2, reporters=2)
    _, outcomes = assess_day(question, _facts(thin), None, CLOCK.now())
    by_id = {o.row.indicator_id: o for o in outcomes}
    assert by_id["missile-launches"].item is None and by_id["missile-launches"].row.note == "2 observers, thin"
    enough = replace(receivers_only, reports=6, reporters=4)
    _, outcomes = assess_day(question, _facts(enough), None, CLOCK.now())
    item = {o.row.indicator_id: o for o in outcomes}["missile-launches"].item
    assert item is not None and item.grade == "F3" and item.root_keys == (("observer-reports:2022-07-11",),)
    # the aviation rows keep receiver coverage; ground rows their observers
    rows = {o.row.indicator_id: o.row for o in outcomes}
    assert rows["a50-entry"].note == "receivers up 100%" and rows["ground-movements"].note == "4 observers"
