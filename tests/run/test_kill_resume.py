"""Issue 19, item 8: a run killed anywhere (SIGKILL of a real ``airpicture run`` process) and run again gives
exactly what one uninterrupted run gives: every table, the positions and the report JSON."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.run.support import differences, dump, new_workspace, simulate_inbox

DAY = "2022-07-11"
BOUNDARIES = (
    "ingest:1",  # one of two receiver files ingested, the inbox not yet recorded
    "notams:0",  # the ADS-B stage done, its inbox files recorded: the case (no new file on the rerun)
    "notams:1",  # NOTAMs stored, their inbox file not yet recorded (the rerun reads it again)
    "reports:1",  # reports stored, their inbox file not yet recorded
    "detect:1",  # tracks stored; inside detection a day computed, nothing stored
    "claims:0",  # detection stored
    "report:0",  # claims stored and the day judged, the report not written
)


def _env(tmp: Path, kill_at: str | None = None) -> dict[str, str]:
    """The run's environment; ``tmp`` holds the reporter key (one key for every run compared: receiver
    pseudonyms are keyed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env.update(
        PYTHONPATH=str(REPO / "src"),
        AIRPICTURE_REGION="belarus",
        AIRPICTURE_REPORTS__REPORTER_KEY_FILE=str(tmp / "keys" / "reporter.key"),
    )
    if kill_at:
        env["TEST_AIRPICTURE_KILL_AT"] = kill_at
    return env


def _run(ws: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "airpicture", "--workspace", str(ws), "run", "--day", DAY, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(ws: Path, env: dict[str, str]) -> str:
    proc = _run(ws, env)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return err


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("run")
    simulated = simulate_inbox(tmp / "simulated")
    ws = new_workspace(tmp / "uninterrupted", simulated)
    _finish(ws, _env(tmp))
    return tmp, simulated, dump(ws)


def test_killed_at_every_stage_boundary_then_rerun_gives_the_uninterrupted_result(
    uninterrupted: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    keys, simulated, expected = uninterrupted
    assert expected["tracks"] and expected["events"] and expected["claims"] and expected["judgments"]
    ws = new_workspace(tmp_path / "ws", simulated)
    # one workspace, killed at each boundary in turn: each rerun resumes what the killed one left
    for boundary in BOUNDARIES:
        proc = _run(ws, _env(keys, boundary))
        proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, f"not killed at {boundary}"
        # the kernel dropped the dead run's lock; the lock file still names it, for the next run to report
        assert f"pid {proc.pid} (run)" in (ws / ".write.lock").read_text()
    err = _finish(ws, _env(keys))
    assert f"the last writer (pid {proc.pid} (run)) was stopped before it finished" in err
    assert (ws / ".write.lock").read_text() == ""  # a clean end names no holder
    assert not (ws / ".snapshot").exists()  # the killed runs' snapshots are gone
    assert not differences(dump(ws), expected)


def test_killed_at_random_times_then_rerun_gives_the_uninterrupted_result(
    uninterrupted: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    keys, simulated, expected = uninterrupted
    seed = int(os.environ.get("TEST_AIRPICTURE_SEED", "19"))
    chance = random.Random(seed)
    ws = new_workspace(tmp_path / "ws", simulated)
    for _ in range(2):
        proc = _run(ws, _env(keys))
        time.sleep(chance.uniform(1.5, 8.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
    _finish(ws, _env(keys))
    assert not differences(dump(ws), expected), f"seed {seed}"
