"""The README's first command, end to end, as a user runs it (the last two simulated nights, to keep it quick)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner


def test_demo_runs_every_stage_and_reports_what_it_found(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = cli("demo", "--out", str(out), "--nights", "2", "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"]["adsb"] >= 6 and summary["positions"] > 100_000 and not summary["failed_files"]
    assert summary["notams"] >= 1 and summary["reports"] >= 1
    assert summary["tracks"] > 10 and summary["events"] > 0 and summary["claims"] > 0
    assert any("14c5a9" in line and "airspace_entry" in line for line in summary["highlights"])
    # The day's judgment and its report, in every format, read back from what the run wrote.
    assert summary["day"] == "2022-07-11" and summary["judgment"] and summary["confidence"]
    written = {Path(p).suffix for p in summary["report_files"]}
    assert written == {".md", ".json", ".html"}
    report = json.loads(next(Path(p) for p in summary["report_files"] if p.endswith(".json")).read_text())
    assert report
    info = cli("--workspace", summary["workspace"], "workspace", "info", "--json")
    assert json.loads(info.stdout)["row_counts"]["events"] == summary["events"]
    a50 = cli("--workspace", summary["workspace"], "tracks", "list", "--of-interest", "--json")
    assert any(t["icao24"] == "14c5a9" and t["role"] == "AEW&C" for t in json.loads(a50.stdout))
    assert (Path(summary["simulated"]) / "truth.json").is_file()
    # An unrelated folder is never overwritten.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.txt").write_text("keep me")
    refused = cli("demo", "--out", str(other), "--nights", "1")
    assert refused.returncode == 2 and (other / "thesis.txt").read_text() == "keep me"
