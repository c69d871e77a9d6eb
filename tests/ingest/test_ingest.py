"""Ingest into a real workspace: idempotence, --force, quarantine, summary, and a real kill mid-ingest."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings, load_settings
from airpicture.pipeline.ingest import FileStatus, IngestOptions, ingest_paths
from airpicture.store import Workspace
from tests.conftest import REPO, CliRunner
from tests.ingest.readers_support import ADSB

CLOCK = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))


def _count(ws: Workspace, sql: str) -> int:
    with ws.connect(read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_ingest_is_idempotent_and_force_replaces(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    files = [ADSB / "trace_full_ac671b.json", ADSB / "tutorial.jsonl.gz"]
    first = ingest_paths(ws, files, Settings(), CLOCK)
    assert [f.status for f in first.files] == [FileStatus.INGESTED, FileStatus.INGESTED]
    rows = _count(ws, "SELECT count(*) FROM positions")
    quarantined = _count(ws, "SELECT count(*) FROM quarantine")
    assert rows == 2_500 + first.files[1].stored
    assert quarantined == first.files[1].n_rejected > 0
    again = ingest_paths(ws, files, Settings(), CLOCK)
    assert [f.status for f in again.files] == [FileStatus.SKIPPED, FileStatus.SKIPPED]
    forced = ingest_paths(ws, files, Settings(), CLOCK, options=IngestOptions(force=True))
    assert [f.status for f in forced.files] == [FileStatus.INGESTED, FileStatus.INGESTED]
    assert _count(ws, "SELECT count(*) FROM positions") == rows
    assert _count(ws, "SELECT count(*) FROM quarantine") == quarantined
    assert _count(ws, "SELECT count(*) FROM ingested_files") == 2


def test_every_row_points_back_at_its_file_and_line(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    summary = ingest_paths(ws, [ADSB / "tutorial.jsonl.gz"], Settings(), CLOCK)
    file_id = summary.files[0].file_id
    with ws.connect(read_only=True) as con:
        row = con.execute(
            "SELECT source_file, source_offset, icao24 FROM positions WHERE callsign IS NOT NULL ORDER BY ts LIMIT 1"
        ).fetchone()
    assert row is not None and row[0] == file_id
    line = gzip.decompress((ADSB / "tutorial.jsonl.gz").read_bytes()).splitlines()[row[1] - 1]
    assert json.loads(line)["icao24"] == row[2]


def test_bad_files_do_not_stop_the_batch(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_notes.txt").write_text("hello\n")
    (tmp_path / "in" / "b_empty.csv").write_text("")
    (tmp_path / "in" / "c_trace.json").write_bytes((ADSB / "trace_full_ac671b.json").read_bytes())
    summary = ingest_paths(ws, [tmp_path / "in"], Settings(), CLOCK)
    assert [f.status for f in summary.files] == [FileStatus.FAILED, FileStatus.FAILED, FileStatus.INGESTED]
    assert "not a known ADS-B format" in (summary.files[0].error or "")
    assert "empty file" in (summary.files[1].error or "")
    assert summary.lines()[-1] == "1 files ingested, 0 already ingested, 2 failed"


def test_summary_line_counts_frames_by_reason(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    data = (ADSB / "sample_dump1090.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-5])
    summary = ingest_paths(
        ws, [tmp_path / "cut.bin"], Settings(), CLOCK, options=IngestOptions(start=datetime(2024, 1, 1, tzinfo=UTC))
    )
    outcome = summary.files[0]
    assert outcome.rejected["truncated"] == 1
    line = summary.lines()[0]
    assert line.startswith(
        f"{outcome.read:,} frames read, {outcome.stored:,} decoded, {outcome.n_rejected:,} rejected ("
    )
    assert "truncated 1" in line
    assert any("cut.bin:" in shown for shown in outcome.shown_rejects)


def test_a_killed_ingest_leaves_no_half_file_and_a_rerun_completes(tmp_path: Path, cli: CliRunner) -> None:
    ws_dir = tmp_path / "ws"
    assert cli("-w", str(ws_dir), "workspace", "init").returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env.update(PYTHONPATH=str(REPO / "src"), AIRPICTURE_INGEST__FLUSH_ROWS="2000")
    big = tmp_path / "tiled.jsonl.gz"
    _tile(ADSB / "tutorial.jsonl.gz", big, copies=4)
    args = [sys.executable, "-m", "airpicture", "-w", str(ws_dir), "ingest", str(big)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = ws_dir / "positions"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("day=*/*.parquet"))) < 1 and proc.poll() is None:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail("ingest finished before it could be killed; lower the flush size")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    ws = Workspace.open(ws_dir)
    assert _count(ws, "SELECT count(*) FROM ingested_files") == 0
    assert len(list(parts.glob("day=*/*.parquet"))) >= 1  # whole parts were written before the kill
    exported = cli("-w", str(ws_dir), "export", "positions", "--format", "csv")
    assert exported.returncode == 0 and exported.stdout.count("\n") == 1  # header only: nothing half-ingested
    done = cli("-w", str(ws_dir), "ingest", str(big), env={"AIRPICTURE_INGEST__FLUSH_ROWS": "2000"})
    assert done.returncode == 0, done.stderr
    clean_dir = tmp_path / "clean"
    Workspace.init(clean_dir)
    clean = ingest_paths(Workspace.open(clean_dir), [big], load_settings(), CLOCK)
    assert _count(Workspace.open(ws_dir), "SELECT count(*) FROM positions") == clean.files[0].stored
    assert _count(Workspace.open(ws_dir), "SELECT count(*) FROM quarantine") == clean.files[0].n_rejected


def _tile(source: Path, target: Path, copies: int) -> None:
    """``copies`` back-to-back copies of a JSONL recording, each shifted to start after the previous one."""
    lines = [json.loads(line) for line in gzip.decompress(source.read_bytes()).splitlines()]
    span = lines[-1]["timestamp"] - lines[0]["timestamp"] + 1.0
    with gzip.open(target, "wt", compresslevel=1) as out:
        for k in range(copies):
            for row in lines:
                out.write(json.dumps({"timestamp": row["timestamp"] + k * span, "frame": row["frame"]}) + "\n")


def test_cli_ingest_tracks_and_exports(tmp_path: Path, cli: CliRunner) -> None:
    ws = str(tmp_path / "ws")
    assert cli("-w", ws, "workspace", "init").returncode == 0
    (tmp_path / "junk.txt").write_text("not adsb\n")
    result = cli(
        "-w",
        ws,
        "ingest",
        str(ADSB / "noisy_spoofing.json.gz"),
        str(ADSB / "tutorial_head.sbs"),
        str(tmp_path / "junk.txt"),
    )
    assert result.returncode == 2
    assert "junk.txt: not a known ADS-B format" in result.stderr
    assert "2 files ingested, 0 already ingested, 1 failed" in result.stdout
    again = cli("-w", ws, "ingest", str(ADSB / "noisy_spoofing.json.gz"))
    assert again.returncode == 0 and "0 files ingested, 1 already ingested, 0 failed" in again.stdout
    listed = json.loads(cli("-w", ws, "tracks", "list", "--icao24", "4baac6", "--json").stdout)
    assert [t["callsigns"] for t in listed] == ["THY9BP"]
    shown = json.loads(cli("-w", ws, "tracks", "show", "4BAAC6", "--json").stdout)
    assert shown[0]["n_rows"] == 8_681 and shown[0]["icao24"] == "4baac6"
    geojson = json.loads(cli("-w", ws, "export", "tracks", "--format", "geojson", "--icao24", "4baac6").stdout)
    geometry = geojson["features"][0]["geometry"]
    assert geometry["type"] == "LineString" and len(geometry["coordinates"]) == shown[0]["n_fixes"]
    kml = cli("-w", ws, "export", "tracks", "--format", "kml").stdout
    every = json.loads(cli("-w", ws, "tracks", "list", "--json").stdout)
    assert kml.count("<LineString>") == sum(1 for t in every if t["n_fixes"] >= 2) > 1
    csv = cli("-w", ws, "export", "positions", "--format", "csv", "--icao24", "4baac6").stdout
    assert csv.count("\n") == 8_682
    missing = cli("-w", ws, "tracks", "show", "000000")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
