"""Source protection: an alert never carries observer-report text, a reporter-derived location or anything
from the intake. Reports with planted strings are imported (the real ``reports import`` path), claims are
built next to sensor events, alerts are planned for everything with catch-all rules and sent; the planted
strings appear nowhere: not in the outbox, not in what the services received, not in the feed."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.pipeline.alerts import alert_on_workspace
from airpicture.pipeline.alerts_delivery import approve, deliver, list_outbox
from airpicture.pipeline.claims import refresh
from airpicture.pipeline.reports import import_file, load_reporter_key
from airpicture.store import Workspace
from airpicture.store.events import replace_events
from airpicture.testing import FixedClock
from tests.alerts.conftest import NIGHT, FakeService, a50_entry, make_settings

PLANTED_TEXT = "PLANTED-TEXT-q7Zx"
PLANTED_PLACE = "Мазыр"  # a real place (unknown ones are refused); its romanisation is checked too
PLANTED_LAT, PLANTED_LON = "52.0123", "29.4567"
PLANTED = (PLANTED_TEXT, PLANTED_PLACE, "Mazyr", PLANTED_LAT, PLANTED_LON, "tok-planted-9", "-100999", "planted_user")


def test_no_planted_report_string_reaches_any_alert(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, webhook: FakeService, telegram: FakeService
) -> None:
    feed = tmp_path / "feed.atom"
    settings = make_settings(
        tmp_path,
        [{"name": "everything", "channels": ["webhook", "telegram", "atom"], "cooldown_min": 1},
         {"name": "digest", "channels": ["webhook"], "digest_min": 60}],
        **{"alerts.channels.webhook.url": webhook.url + "/h", "alerts.channels.telegram.base_url": telegram.url,
           "alerts.channels.telegram.token": "1:A", "alerts.channels.telegram.chat_id": "@c",
           "alerts.channels.atom.path": feed, "alerts.stale_after_min": 100000.0},
    )  # fmt: skip
    # sensor events near the reports (so claims corroborate), and one event resting on a report's evidence
    near = Event(
        type="orbit", start=NIGHT, end=NIGHT + timedelta(minutes=50), detector="orbit", detector_version=1,
        geometry=json.dumps({"type": "Point", "coordinates": [29.3, 52.1]}),
        subjects=(Subject(icao24="15b0c1", registration="RF-50608", type_code="A50", role="AEW&C"),),
        attributes={"shape": "racetrack", "duration_min": 50, "centre_lat_deg": 52.1, "centre_lon_deg": 29.3},
        evidence=(Evidence(EvidenceKind.POSITION, "cd" * 32, 10),), region="belarus",
    )  # fmt: skip
    from_report = Event(
        type="helicopter", start=NIGHT, end=NIGHT, detector="observer", detector_version=1,
        subjects=(Subject(name=PLANTED_PLACE),), attributes={"text": PLANTED_TEXT},
        evidence=(Evidence(EvidenceKind.REPORT, "r1", 0, PLANTED_TEXT),), region="belarus",
    )  # fmt: skip
    hidden = Event(
        type="orbit", start=NIGHT, end=NIGHT, detector="orbit", detector_version=1,
        subjects=(Subject(icao24="aaaaaa"),), attributes={"note": PLANTED_TEXT},
        evidence=(Evidence(EvidenceKind.REPORT, "r2", 0, PLANTED_TEXT),), region="belarus",
    )  # fmt: skip
    with workspace.connect() as con:
        replace_events(con, [a50_entry(), near, from_report, hidden], region="belarus",
                       detectors=("airspace", "orbit", "observer"), start=NIGHT - timedelta(days=1),
                       end=NIGHT + timedelta(days=1))  # fmt: skip
    export = tmp_path / "export.csv"
    export.write_text(
        "time,time_precision,lat,lon,place,category,count,direction,text,reporter_token,media,chat_id,username\n"
        f"2022-07-11T21:20:00Z,10,{PLANTED_LAT},{PLANTED_LON},,helicopter,2,NE,{PLANTED_TEXT} two Mi-8,"
        "tok-planted-9,,-100999,planted_user\n"
        f"2022-07-11T21:30:00Z,10,,,{PLANTED_PLACE},fixed-wing,1,N,{PLANTED_TEXT} jet,tok-planted-9,,-100999,x\n",
        encoding="utf-8",
    )
    key = load_reporter_key(settings.reports.reporter_key_file, workspace.root)
    result = import_file(workspace, export, settings, clock, key)
    assert result.imported == 2, result.errors
    refresh(workspace, settings, clock)  # as `reports import` does after the import
    with workspace.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] >= 2  # the reports did become claims
    outcome = alert_on_workspace(workspace, settings, clock)
    assert outcome.alerts >= 2
    for draft in list_outbox(workspace, ("awaiting_approval",)):
        approve(workspace, clock, draft.alert_id, channel=draft.channel)
    clock.advance(timedelta(hours=2))
    assert deliver(workspace, settings, clock).sent >= 4
    refs = {ref for r in list_outbox(workspace) for ref in r.body["refs"]}
    assert from_report.event_id not in refs and hidden.event_id not in refs
    seen = [json.dumps(r.body, ensure_ascii=False) + (r.last_error or "") for r in list_outbox(workspace)]
    seen += [r.body.decode("utf-8", "replace") for r in (*webhook.requests, *telegram.requests)]
    seen.append(feed.read_text(encoding="utf-8"))
    assert any("RF-50608" in s for s in seen)  # the alerts did go out
    for text in seen:
        for planted in PLANTED:
            assert planted not in text, f"planted {planted!r} reached an alert"
