"""Issue 18: ``--engine dask`` stores exactly what the local driver stores (every table, the positions and the
report JSON, compared after a canonical sort by tests/run/support.py's ``dump``), also when a worker dies
mid-task; a day that fails on bad input is named with its reason and nothing half-done is stored."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from airpicture.model.settings import Settings
from airpicture.pipeline.detect import run_detection
from airpicture.pipeline.run import run_all
from airpicture.scale.detect import DistributedDetectionFailed, dask_day_runner
from airpicture.scale.engine import EngineOptions, dask_client
from airpicture.store import Workspace
from tests.conftest import REPO
from tests.run.support import differences, dump, new_workspace
from tests.scale.support import CLOCK, DAY, KillOnce, simulate


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate(tmp_path_factory.mktemp("scale") / "simulated")


@pytest.fixture(scope="module")
def local_run(simulated: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    ws = new_workspace(tmp_path_factory.mktemp("local") / "ws", simulated)
    run_all(Workspace(ws), Settings(), CLOCK, DAY)
    return ws, dump(ws)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with dask_client(EngineOptions(workers=2)) as client:
        yield client


def _dask_run(simulated: Path, root: Path, client: Any) -> dict[str, Any]:
    ws = new_workspace(root, simulated)
    run_all(Workspace(ws), Settings(), CLOCK, DAY, day_runner=dask_day_runner(client))
    return dump(ws)


def test_a_dask_run_on_two_workers_stores_exactly_the_local_run(
    local_run: tuple[Path, dict[str, Any]], simulated: Path, cluster: Any, tmp_path: Path
) -> None:
    _, expected = local_run
    # the scenario exercises what crosses days: three days, a track across midnight, baselines, claims, report
    days = {v for row in expected["day_aggregates"] for v in json.loads(row) if str(v).startswith("2022-07-")}
    assert len(days) >= 3
    assert expected["events"] and expected["claims"] and expected["judgments"] and expected["positions"]
    assert any(key.startswith("report ") for key in expected)
    assert not differences(_dask_run(simulated, tmp_path / "ws", cluster), expected)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 4])
def test_a_dask_run_on_one_or_four_workers_stores_exactly_the_local_run(
    local_run: tuple[Path, dict[str, Any]], simulated: Path, tmp_path: Path, workers: int
) -> None:
    with dask_client(EngineOptions(workers=workers)) as client:
        got = _dask_run(simulated, tmp_path / "ws", client)
    assert not differences(got, local_run[1])


def test_a_worker_killed_mid_task_is_replaced_and_the_result_is_the_same(
    local_run: tuple[Path, dict[str, Any]], cluster: Any, tmp_path: Path
) -> None:
    ws, expected = _copy_without_detection(local_run[0], tmp_path / "ws")
    workspace = Workspace(ws)
    marker = tmp_path / "killed"
    runner = dask_day_runner(cluster, task=KillOnce(marker))
    run_detection(workspace, Settings(), CLOCK, days=workspace.days("positions"), runner=runner)
    assert marker.exists()  # a worker did die mid-task
    assert not differences(dump(ws), expected)


def _copy_without_detection(source: Path, root: Path) -> tuple[Path, dict[str, Any]]:
    """A copy of the local run's workspace, its dump (paths are the copy's), then its events and aggregates
    deleted: a detection over the copy must store them again exactly."""
    ws = Path(shutil.copytree(source, root))
    expected = dump(ws)
    con = duckdb.connect(str(ws / "airpicture.duckdb"))
    try:
        con.execute("DELETE FROM events")
        con.execute("DELETE FROM day_aggregates")
    finally:
        con.close()
    return ws, expected


def test_a_day_that_fails_on_bad_input_is_named_with_its_reason_and_nothing_is_stored(
    local_run: tuple[Path, dict[str, Any]], cluster: Any, tmp_path: Path
) -> None:
    ws = Path(shutil.copytree(local_run[0], tmp_path / "ws"))
    workspace = Workspace(ws)
    before = dump(ws)
    # a Parquet part whose icao24 is no string: the driver's catalog opens (it reads the first part's
    # schema), the worker that reads the day fails on it
    bad = workspace.partition_dir("positions", DAY) / "part-zzzzzzzzzzzzzzzzzzzz-00000.parquet"
    pq.write_table(pa.table({"icao24": [[1], [2]]}), bad)
    with pytest.raises(DistributedDetectionFailed) as caught:
        run_detection(
            workspace, Settings(), CLOCK, days=workspace.days("positions"), runner=dask_day_runner(cluster, retries=0)
        )
    message = str(caught.value)
    assert "1 day(s) failed" in message and f"day {DAY}" in message and "Unsupported cast" in message
    bad.unlink()
    assert dump(ws) == before  # the other days were computed, and nothing of the run was stored


@pytest.mark.slow
def test_the_driver_killed_mid_detection_leaves_committed_data_and_a_rerun_completes(
    local_run: tuple[Path, dict[str, Any]], simulated: Path, tmp_path: Path
) -> None:
    ws = new_workspace(tmp_path / "ws", simulated)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env.update(PYTHONPATH=str(REPO / "src"), AIRPICTURE_REGION="belarus")
    command = [sys.executable, "-m", "airpicture", "--workspace", str(ws), "run", "--day", DAY.isoformat()]
    command += ["--json", "--engine", "dask", "--workers", "1"]
    killed = subprocess.Popen(
        command, env={**env, "TEST_AIRPICTURE_KILL_AT": "detect:1"}, start_new_session=True, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    killed.communicate(timeout=600)
    with contextlib.suppress(ProcessLookupError):  # the local cluster the dead driver had started
        os.killpg(killed.pid, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    con = duckdb.connect(str(ws / "airpicture.duckdb"), read_only=True)
    try:  # killed after the days were computed on the cluster, before the driver stored them
        assert con.execute("SELECT count(*) FROM tracks").fetchone() != (0,)
        assert con.execute("SELECT count(*) FROM events").fetchone() == (0,)
    finally:
        con.close()
    rerun = subprocess.run(command, env=env, timeout=600, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert not differences(dump(ws), local_run[1])
