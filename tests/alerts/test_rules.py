"""Rules, pure: ids stable across reruns, cooldown per (rule, subject), digests, quiet hours, escalation,
accept/exclude lists, and the [[alerts.rules]] settings tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from airpicture.alerts.message import coarsen, fit_text
from airpicture.alerts.rules import Candidate, plan_alerts
from airpicture.model.errors import ConfigError
from airpicture.model.settings import AlertRule
from tests.alerts.conftest import make_settings

T0 = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)


def cand(minutes: float, subject: str = "15b0c1", type_: str = "airspace_entry", **kw: object) -> Candidate:
    return Candidate(
        kind="event", ref=f"e{subject}{minutes}", type=type_, subject_key=subject, at=T0 + timedelta(minutes=minutes),
        sentence=f"{subject} at +{minutes} min.", status="reported", evidence=f"event e{minutes}", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_cooldown_joins_window_and_rerun_gives_same_ids() -> None:
    rule = AlertRule(name="aew", channels=("webhook",), cooldown_min=15)
    cands = [cand(0), cand(5), cand(14), cand(16), cand(3, subject="aaaaaa")]
    first = plan_alerts(cands, [rule], {}, T0)
    assert [(a.subject_key, a.window_start - T0) for a in first] == [
        ("15b0c1", timedelta(0)),
        ("aaaaaa", timedelta(minutes=3)),
        ("15b0c1", timedelta(minutes=16)),
    ]
    assert first[0].refs == ("e15b0c10", "e15b0c15", "e15b0c114")
    known = {("aew", a.subject_key): [a.window_start] for a in first}
    known[("aew", "15b0c1")] = [T0, T0 + timedelta(minutes=16)]
    again = plan_alerts(cands, [rule], known, T0 + timedelta(hours=1))
    assert {a.alert_id for a in again} <= {a.alert_id for a in first}
    # a rerun that only sees the later events still joins the stored windows
    later = plan_alerts([cand(20)], [rule], known, T0)
    assert later == []


def test_digest_one_message_per_bucket_sent_at_its_end() -> None:
    rule = AlertRule(name="all", channels=("ntfy",), digest_min=30)
    alerts = plan_alerts([cand(1), cand(2, subject="b"), cand(29, subject="c"), cand(31)], [rule], {}, T0)
    assert len(alerts) == 2
    assert len(alerts[0].sentences) == 3 and alerts[0].not_before == T0 + timedelta(minutes=30)
    assert alerts[0].title == "all: 3 alerts"


def test_quiet_hours_delay_and_escalation() -> None:
    rule = AlertRule(name="q", channels=("email",), quiet_hours="20-06", cooldown_min=15, escalate_after_min=60)
    alerts = plan_alerts([cand(0), cand(40)], [rule], {}, T0)
    wake = datetime(2022, 7, 12, 6, 0, tzinfo=UTC)
    assert [a.not_before for a in alerts] == [wake, wake]
    assert [a.escalated for a in alerts] == [False, True]
    assert alerts[1].title.startswith("Again: ")


def test_filters_accept_exclude_role_category() -> None:
    rules = [
        AlertRule(name="aew", role="AEW&C", channels=("webhook",)),
        AlertRule(name="no-trainers", exclude=("L39",), channels=("webhook",)),
        AlertRule(name="only", accept=("RF-50608",), channels=("webhook",)),
    ]
    a50 = cand(0, role="AEW&C", names=("15b0c1", "RF-50608", "A50"))
    trainer = cand(0, subject="bbbbbb", role="trainer", names=("bbbbbb", "L39"))
    got = {(a.rule, a.subject_key) for a in plan_alerts([a50, trainer], rules, {}, T0)}
    assert got == {("aew", "15b0c1"), ("no-trainers", "15b0c1"), ("only", "15b0c1")}


def test_length_limit_keeps_status_and_evidence() -> None:
    rule = AlertRule(name="r", channels=("mastodon",))
    long = Candidate("event", "x", "orbit", "s", T0, "An orbit " + "very " * 200 + "long.", "confirmed", "event x")
    alert = plan_alerts([long], [rule], {}, T0)[0]
    text = fit_text(alert, 500)
    assert len(text) <= 500 and text.endswith("Status: confirmed.\nEvidence: event x") and "…" in text


def test_coarsen_moves_point_and_text() -> None:
    c = Candidate("event", "x", "gnss_interference", "s", T0, "Interference near 52.35° N 31.70° E.", lat_deg=52.35,
                  lon_deg=31.70)  # fmt: skip
    alert = plan_alerts([c], [AlertRule(name="r", channels=("atom",))], {}, T0)[0]
    coarse = coarsen(alert, 50)
    assert "52.35° N 31.70° E" not in coarse.text and "° N" in coarse.text
    assert abs((coarse.lat_deg or 0) - 52.35) < 0.5 and coarse.payload["coarsened_km"] == 50


def test_rules_from_settings_file(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, [{"name": "aew", "types": ["airspace_entry"], "role": "AEW&C", "channels": ["webhook"]}]
    )
    (rule,) = settings.alerts.rules
    assert rule.types == ("airspace_entry",) and rule.cooldown_min == 15.0
    with pytest.raises(ConfigError, match="unknown key"):
        make_settings(tmp_path, [{"name": "x", "colour": "red"}])


def test_map_png_is_a_png_without_metadata() -> None:
    from airpicture.alerts.mapimage import render_map_png

    png = render_map_png(52.35, 31.7, [((30.0, 51.0), (33.0, 53.0))])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME", b"eXIf"):
        assert chunk not in png
