"""Issue 19, item 9: one writer at a time, readers alongside it, and a killed writer's lock taken over —
with real processes: a real ``airpicture run`` stopped (SIGSTOP) while it holds the lock and an open
DuckDB write connection, and real second commands beside it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, CliRunner
from tests.run.support import new_workspace, simulate_inbox

BUSY = 75


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate_inbox(tmp_path_factory.mktemp("sim") / "out")


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    return {"AIRPICTURE_REGION": "belarus", "AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(tmp / "key"), **extra}


def _start_run(ws: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    clean.update(PYTHONPATH=str(REPO / "src"), **env)
    return subprocess.Popen(
        [sys.executable, "-m", "airpicture", "--workspace", str(ws), "run", "--json"],
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_stopped(proc: subprocess.Popen[str]) -> None:
    for _ in range(3000):
        assert proc.poll() is None, proc.communicate()[1]
        state = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "T":
            return
        time.sleep(0.05)
    raise AssertionError("the run never reached its stop point")


def test_a_second_writer_is_refused_and_readers_work_while_a_run_is_in_flight(
    cli: CliRunner, simulated: Path, tmp_path: Path
) -> None:
    ws = new_workspace(tmp_path / "ws", simulated)
    env = _env(tmp_path)
    # stopped inside the ingest loop: it holds the writer lock and an open DuckDB write connection
    first = _start_run(ws, {**env, "TEST_AIRPICTURE_KILL_AT": "ingest:1:STOP"})
    try:
        _wait_stopped(first)
        assert (ws / ".snapshot" / "airpicture.duckdb").is_file()  # what readers open meanwhile
        second = cli("--workspace", str(ws), "run", env=env)
        assert second.returncode == BUSY, second.stderr
        assert f"another run is in progress (pid {first.pid} (run))" in second.stderr
        assert "duckdb" not in second.stderr.lower() and "Traceback" not in second.stderr
        writer = cli("--workspace", str(ws), "ingest", str(simulated / "simulated-minsk-east-20220711.beast"), env=env)
        assert writer.returncode == BUSY and f"pid {first.pid}" in writer.stderr, writer.stderr
        # readers see the workspace as it was when the run started (a new workspace: empty)
        info = cli("--workspace", str(ws), "workspace", "info", "--json", env=env)
        assert info.returncode == 0, info.stderr
        assert json.loads(info.stdout)["row_counts"]["ingested_files"] == 0
        for listing in (("tracks", "list", "--json"), ("events", "list", "--json"), ("judgments", "list")):
            shown = cli("--workspace", str(ws), *listing, env=env)
            assert shown.returncode == 0, (listing, shown.stderr)
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    assert json.loads(out)["tracks"]
    info = cli("--workspace", str(ws), "workspace", "info", "--json", env=env)
    counts = json.loads(info.stdout)["row_counts"]
    assert counts["ingested_files"] > 0 and counts["tracks"] > 0 and counts["events"] > 0
    assert (ws / ".write.lock").read_text() == ""  # released cleanly: no holder named
    assert not (ws / ".snapshot").exists()  # no second copy of the data outlives the run


def test_ingest_rerun_rebuilds_tracks_an_interrupted_ingest_did_not_store(
    cli: CliRunner, simulated: Path, tmp_path: Path
) -> None:
    """``ingest`` killed in its track rebuild has recorded its files but stored no tracks (one transaction):
    the state ``--no-tracks`` leaves. Ingesting again skips every file and still builds the tracks."""
    ws = tmp_path / "ws"
    env = _env(tmp_path)
    recording = str(simulated / "simulated-minsk-east-20220711.beast")
    assert cli("--workspace", str(ws), "workspace", "init").returncode == 0
    first = cli("--workspace", str(ws), "ingest", recording, "--no-tracks", "--json", env=env)
    assert first.returncode == 0 and json.loads(first.stdout)["tracks"] is None, first.stderr
    again = cli("--workspace", str(ws), "ingest", recording, "--json", env=env)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["tracks"] > 0
    tracks = cli("--workspace", str(ws), "tracks", "list", "--json", env=env)
    assert json.loads(tracks.stdout)
