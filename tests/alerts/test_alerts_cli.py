"""The 'alerts' commands as a user runs them: run (plans and sends the private channel), pending, approve with
an edit, send (the public channel), and an unknown draft id as one clear line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from airpicture.store import Workspace
from airpicture.store.events import replace_events
from tests.alerts.conftest import NIGHT, FakeService, a50_entry
from tests.conftest import CliRunner


def test_alerts_cli_run_pending_approve_send(
    cli: CliRunner, tmp_path: Path, webhook: FakeService, telegram: FakeService
) -> None:
    ws = tmp_path / "ws"
    workspace = Workspace.init(ws)
    with workspace.connect() as con:
        replace_events(con, [a50_entry()], region="belarus", detectors=("airspace",), start=NIGHT - timedelta(hours=1),
                       end=NIGHT + timedelta(hours=1))  # fmt: skip
    (ws / "airpicture.toml").write_text(
        '[[alerts.rules]]\nname = "aew-entered"\ntypes = ["airspace_entry"]\nrole = "AEW&C"\n'
        'channels = ["webhook", "telegram"]\n'
        f'[alerts.channels.webhook]\nurl = "{webhook.url}/hook"\n'
        f'[alerts.channels.telegram]\nbase_url = "{telegram.url}"\nchat_id = "@c"\n',
        encoding="utf-8",
    )
    env = {"AIRPICTURE_ALERTS__CHANNELS__TELEGRAM__TOKEN": "9:Z", "AIRPICTURE_ALERTS__STALE_AFTER_MIN": "1e9",
           "AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(tmp_path / "k")}  # fmt: skip
    run = cli("-w", str(ws), "alerts", "run", env=env)
    assert run.returncode == 0, run.stderr
    assert "1 awaiting approval" in run.stdout and "sent 1," in run.stdout
    assert len(webhook.requests) == 1 and telegram.requests == []
    (draft,) = json.loads(cli("-w", str(ws), "alerts", "pending", "--json", env=env).stdout)
    assert draft["channel"] == "telegram" and draft["status"] == "reported"
    assert draft["text"].startswith("A-50 RF-50608 (15b0c1) entered Belarusian airspace")
    edited = "An A-50 entered Belarusian airspace from Russia at 21:14 UTC."
    approved = cli("-w", str(ws), "alerts", "approve", draft["alert_id"][:10], "--text", edited, env=env)
    assert approved.returncode == 0, approved.stderr
    sent = cli("-w", str(ws), "alerts", "send", env=env)
    assert "sent 1," in sent.stdout, sent.stderr
    assert telegram.requests[0].json()["text"].startswith(edited)
    bad = cli("-w", str(ws), "alerts", "reject", "ffffffffff", env=env)
    assert bad.returncode == 2 and "no draft with this id" in bad.stderr and len(bad.stderr.splitlines()) == 1
