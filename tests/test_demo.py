"""The README's first command, end to end, as a user runs it (one simulated night to keep it quick)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner


def test_demo_runs_every_stage_and_reports_what_it_found(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = cli("demo", "--out", str(out), "--nights", "1", "--json", timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files_ingested"] >= 6 and summary["records_read"] > 100_000
    assert summary["notams_stored"] >= 1 and summary["reports_imported"] >= 1
    events = summary["events"]
    assert events["airspace_entry"] >= 1 and events["orbit"] >= 1
    assert any("14c5a9" in line and "airspace_entry" in line for line in summary["highlights"])
    assert summary["claims"] > 0 and summary["tracks"] > 10
    a50 = cli("--workspace", summary["workspace"], "tracks", "list", "--of-interest", "--json")
    assert any(t["icao24"] == "14c5a9" and t["role"] == "AEW&C" for t in json.loads(a50.stdout))
    # Everything it says is read back from what it wrote.
    info = cli("--workspace", summary["workspace"], "workspace", "info", "--json")
    assert json.loads(info.stdout)["row_counts"]["events"] == sum(events.values())
    assert (Path(summary["simulated"]) / "truth.json").is_file()
    # An unrelated folder is never overwritten.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.txt").write_text("keep me")
    refused = cli("demo", "--out", str(other), "--nights", "1")
    assert refused.returncode == 2 and (other / "thesis.txt").read_text() == "keep me"
