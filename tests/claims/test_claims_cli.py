"""Claims end to end through the real CLI: reports, a track in the workspace, an entered article chain,
explain down to raw records, analyst grades (logged)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from airpicture.store import Workspace
from airpicture.testing import make_track
from tests.conftest import CliRunner

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"


def test_reports_track_article_chain_explain_and_grade(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    env = {"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(tmp_path / "key" / "reporter.key")}
    assert cli("-w", str(ws), "workspace", "init", env=env).returncode == 0
    # a low helicopter track passing Mazyr while the observers watched (Mazyr 52.04 N 29.22 E)
    track = make_track(
        "15123a",
        [
            (datetime(2022, 7, 11, 18, 0, tzinfo=UTC), 51.9, 29.0, 1500.0),
            (datetime(2022, 7, 11, 18, 40, tzinfo=UTC), 52.2, 29.5, 1500.0),
        ],
        step_s=30,
    )
    Workspace.open(ws).write_partitioned("positions", track, "simulated-track")
    export = Path(shutil.copy(DATA / "bot_export.csv", tmp_path))  # the import overwrites and deletes its file
    run = cli("-w", str(ws), "reports", "import", str(export), env=env)
    assert run.returncode == 0, run.stderr
    claims = json.loads(cli("-w", str(ws), "claims", "list", "--json", env=env).stdout)
    heli = next(c for c in claims if c["event_type"] == "helicopter")
    assert heli["status"] == "confirmed" and heli["sensor_check"] == "matched" and heli["independent_roots"] == 3
    bang = next(c for c in claims if c["event_type"] == "explosion")
    assert bang["status"] == "reported" and bang["sensor_check"] == "not applicable"

    entry = {
        "claim": {"event_type": "explosion", "place": "Гомель", "start": "2022-07-11T19:00:00Z"},
        "sources": [
            {"id": "group", "kind": "monitoring-group", "name": "Monitoring group"},
            {"id": "paper", "kind": "news-outlet", "name": "A newspaper"},
        ],
        "appearances": [
            {
                "id": "group-post",
                "source": "group",
                "published_at": "2022-07-11T19:30:00Z",
                "quote": "Our observers report a loud bang near Homiel",
                "cites": [bang["appearances"][0]],
            },
            {
                "id": "article",
                "source": "paper",
                "published_at": "2022-07-12T06:00:00Z",
                "quote": "The group said its observers heard a bang",
                "cites": ["group-post"],
            },
        ],
    }
    (tmp_path / "entry.json").write_text(json.dumps(entry), encoding="utf-8")
    added = cli("-w", str(ws), "appearances", "add", str(tmp_path / "entry.json"), env=env)
    assert added.returncode == 0, added.stderr
    bang_after = json.loads(cli("-w", str(ws), "claims", "show", bang["claim_id"], "--json", env=env).stdout)
    assert (bang_after["status"], bang_after["independent_roots"], bang_after["echo_count"]) == ("reported", 1, 2)

    explain = cli("-w", str(ws), "claims", "explain", bang["claim_id"], env=env)
    assert explain.returncode == 0, explain.stderr
    text = explain.stdout
    assert "status reported" in text and "1 independent root," in text and "2 echoes" in text
    assert "raw: report row 6 of file" in text and "loud bang in the north" in text
    assert text.index("report:") < text.index("group-post") < text.index("article (asserted)")
    heli_text = cli("-w", str(ws), "claims", "explain", heli["claim_id"], env=env).stdout
    assert "raw: position: file" in heli_text and "15123a" in heli_text and "PRIMARY" in heli_text

    sources = json.loads(cli("-w", str(ws), "sources", "list", "--json", env=env).stdout)
    observer = next(s for s in sources if s["kind"] == "observer" and s["confirmed"] == 1)
    graded = cli(
        "-w", str(ws), "sources", "grade", observer["source_id"], "C", "--reason", "vetted", "--analyst", "ana", env=env
    )
    assert graded.returncode == 0, graded.stderr
    after = {s["source_id"]: s for s in json.loads(cli("-w", str(ws), "sources", "list", "--json", env=env).stdout)}
    assert after[observer["source_id"]]["reliability"] == "C" and after[observer["source_id"]]["analyst_grade"] == "C"
    con_rows = cli("-w", str(ws), "sources", "grade", "no-such-source", "A", env=env)
    assert con_rows.returncode == 2 and con_rows.stderr.count("\n") == 1 and "no such source" in con_rows.stderr
    history = cli("-w", str(ws), "claims", "explain", heli["claim_id"], env=env).stdout
    assert "(new) → confirmed" in history and "rule spec3.confirmed" in history

    export = cli("-w", str(ws), "export", "claims", "-f", "geojson", env=env)
    assert export.returncode == 0 and json.loads(export.stdout)["features"][0]["geometry"]["type"] == "Point"


def test_bad_appearance_file_is_one_clear_line(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    cli("-w", str(ws), "workspace", "init")
    (tmp_path / "bad.json").write_text(
        json.dumps(
            {
                "claim": {"event_type": "drone", "start": "2022-07-11T19:00Z"},
                "sources": [{"id": "s", "kind": "blogger"}],
                "appearances": [{"id": "a", "source": "s"}],
            }
        )
    )
    run = cli("-w", str(ws), "appearances", "add", str(tmp_path / "bad.json"))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"airpicture: error: {tmp_path / 'bad.json'}: sources[0].kind: unknown source kind (found 'blogger', expected "
        "observer, sensor, notam, ministry, monitoring-group, news-outlet, social-post, actor, other)"
    )
