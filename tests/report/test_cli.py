"""The commands as a user runs them, on the workspace the pipeline built (a real subprocess each)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner


def _env(pipeline_run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    workspace, settings, _ = pipeline_run
    return {
        "AIRPICTURE_WORKSPACE": str(workspace.root),
        "AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(settings.reports.reporter_key_file),
    }


def test_run_again_changes_nothing(cli: CliRunner, pipeline_run) -> None:  # type: ignore[no-untyped-def]
    _, _, first = pipeline_run
    result = cli("run", "--day", "2022-07-11", "--json", env=_env(pipeline_run))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["new_files"] == {} and summary["claims"] is None and summary["tracks"] is None
    assert summary["judgment_id"] == first.judgment_id and len(summary["report_files"]) == 3


def test_judgments_list_show_explain(cli: CliRunner, pipeline_run) -> None:  # type: ignore[no-untyped-def]
    env = _env(pipeline_run)
    listed = json.loads(cli("judgments", "list", "--json", env=env).stdout)
    days = [j["day"] for j in listed]
    assert days == sorted(days) and "2022-07-11" in days and "2022-07-10" in days
    july = next(j for j in listed if j["day"] == "2022-07-11")
    quiet = next(j for j in listed if j["day"] == "2022-07-10")
    assert july["supersedes"] == quiet["judgment_id"]
    shown = json.loads(cli("judgments", "show", july["judgment_id"], "--json", env=env).stdout)
    assert shown["band"] == july["band"] and shown["items"]
    explained = cli("judgments", "explain", july["judgment_id"], env=env)
    assert explained.returncode == 0, explained.stderr
    for heading in ("ACH matrix", "Schum discounting", "Sensitivity", "Claims behind each item"):
        assert heading in explained.stdout
    missing = cli("judgments", "show", "j-nope", env=env)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no such judgment" in missing.stderr


def test_assess_and_report_commands(cli: CliRunner, pipeline_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = _env(pipeline_run)
    assessed = cli("assess", "--day", "2022-07-10", "--json", env=env)
    assert assessed.returncode == 0, assessed.stderr
    assert json.loads(assessed.stdout)["day"] == "2022-07-10"
    out = tmp_path / "out"
    made = cli("report", "--day", "2022-07-11", "--format", "md,json", "--out", str(out), env=env)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "airpicture-belarus-2022-07-11.json",
        "airpicture-belarus-2022-07-11.md",
    ]
    bad = cli("report", "--format", "pdf", env=env)
    assert bad.returncode == 2 and "unknown report format" in bad.stderr and bad.stderr.count("\n") == 1
