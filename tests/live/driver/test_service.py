"""``airpicture live`` as a service: SIGTERM drains, flushes and exits 0; ``kill -9`` at a running moment leaves a
workspace that opens, and a restart completes it without a duplicate row; ``--json`` prints one event per line;
``live status`` reads the state back. No time is asserted (the waits are guards only)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from airpicture.model.clock import SystemClock
from airpicture.pipeline.ingest import ingest_paths
from airpicture.store import Workspace
from tests.conftest import CliRunner
from tests.live.driver.support import DATA, positions, settings_for

REPO = Path(__file__).resolve().parents[3]
RECORDING = DATA / "sample_dump1090.bin"
"""Replayed at its own pace (24 s) for SIGTERM; a replay is stored once its reader's chunk is whole (here:
at the end of the file), so the first part is there when the replay has ended and the service still runs."""
LONGER = DATA / "tutorial_head.raw"
GUARD_S = 240.0
"""Longest wait for a service to reach a state (a guard against a hung test, never an assertion)."""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env.update(
        PYTHONPATH=str(REPO / "src"),
        HOME=str(home),
        AIRPICTURE_LIVE__FLUSH_INTERVAL_S="0.2",
        AIRPICTURE_LIVE__DETECT_INTERVAL_S="3600",
        AIRPICTURE_LIVE__ASSESS_AT="",
    )
    return env


def _start(ws: Path, feed: str, home: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "airpicture", "-q", "-w", str(ws), "live", "--feed", feed, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(home),
    )


def _wait_for_a_part(ws: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + GUARD_S
    while not any((ws / "positions").glob("day=*/*.parquet")):
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the service stored nothing"
        time.sleep(0.1)


def _batch(tmp_path: Path, *files: Path) -> Path:
    root = tmp_path / "batch"
    ingest_paths(Workspace.init(root), list(files), settings_for(root), SystemClock())
    return root


@pytest.mark.slow  # three service processes, each preparing the region's geometry (seconds on a loaded machine)
def test_sigterm_flushes_and_exits_0_then_kill_9_and_restart_completes(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    assert cli("-w", str(ws), "workspace", "init").returncode == 0
    paced = f"replay:{RECORDING}?speed=1"
    service = _start(ws, paced, tmp_path)
    _wait_for_a_part(ws, service)
    service.send_signal(signal.SIGTERM)
    _, err = service.communicate(timeout=GUARD_S)
    assert service.returncode == 0, err
    batch = positions(_batch(tmp_path, RECORDING))
    assert positions(ws).equals(batch)  # what was read before SIGTERM is stored, once
    status = json.loads(cli("-w", str(ws), "live", "status", "--json").stdout)
    assert status["state"] == "stopped" and status["feeds"][0]["feed"].startswith("replay-")
    assert not any(str(tmp_path) in json.dumps(f) for f in status["feeds"])  # no path, no address

    # kill -9 while it runs: the workspace opens; a restart completes the file, nothing twice
    service = _start(ws, f"replay:{LONGER}?speed=0&queue=1000000", tmp_path)
    _wait_for_a_part_beyond(ws, service, batch.num_rows)
    service.send_signal(signal.SIGKILL)
    service.communicate(timeout=GUARD_S)
    Workspace.open(ws)
    restart = _start(ws, f"replay:{LONGER}?speed=0&queue=1000000", tmp_path, "--exit-on-eof", "--json")
    out, err = restart.communicate(timeout=GUARD_S)
    assert restart.returncode == 0, err
    both = positions(_batch(tmp_path / "both", RECORDING, LONGER))
    assert positions(ws).equals(both)
    for line in out.splitlines():  # --json: every line one event object
        event = json.loads(line)
        assert {"change", "status", "provisional", "event_id", "type", "start", "end"} <= set(event)


def _wait_for_a_part_beyond(ws: Path, process: subprocess.Popen[str], rows: int) -> None:
    """Until a part written by this run is in place (more rows than ``rows``)."""
    deadline = time.monotonic() + GUARD_S
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the service stored nothing new"
        con = duckdb.connect()
        try:
            (n,) = con.execute(f"SELECT count(*) FROM read_parquet('{ws}/positions/*/*.parquet')").fetchone() or (0,)
        except duckdb.Error:
            n = 0  # a part renamed in between
        finally:
            con.close()
        if n > rows:
            return
        time.sleep(0.1)
