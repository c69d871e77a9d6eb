"""The shipped reference-night rules (docs/alerts-example.toml) load, validate, and fire on the reference
night's events: the A-50 entering, the new restriction along the border, the surge, the band change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from airpicture.alerts.rules import Candidate, plan_alerts, validate_rules
from airpicture.model.settings import load_settings
from airpicture.pipeline.alerts import CHANNELS

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "alerts-example.toml"
T = datetime(2022, 7, 11, 21, 14, tzinfo=UTC)


def test_reference_night_rules_fire_on_the_reference_night() -> None:
    rules = load_settings(EXAMPLE, {}, required=True).alerts.rules
    validate_rules(rules, CHANNELS)
    cands = [
        Candidate("event", "e1", "airspace_entry", "15b0c1", T, "A-50 entered.", role="AEW&C"),
        Candidate("event", "e2", "airspace_entry", "4b1234", T, "A Cessna entered.", role="other"),
        Candidate("event", "e3", "restriction_appeared", "A1234/22", T, "NOTAM A1234/22 shows a new area."),
        Candidate("event", "e4", "activity_surge", "aircraft_hours/all", T, "A night surge."),
        Candidate("judgment", "j1", "band_change", "q1", T, "The assessment moved.", confidence="moderate"),
        Candidate("event", "e5", "watchlist_presence", "aaaaaa", T, "An L-39 was tracked.", names=("L39",)),
    ]
    fired = {(a.rule, a.refs) for a in plan_alerts(cands, rules, {}, T)}
    assert fired == {
        ("aew-entered", ("e1",)),
        ("border-restriction", ("e3",)),
        ("night-surge", ("e4",)),
        ("band-changed", ("j1",)),
    }
