"""Issue 18: detection does not depend on how a day's positions are cut into Parquet parts or ordered inside
them (hypothesis), and the Dask driver's fold of the first pass (``handed_over``) hands every day exactly what
the local loop hands it, so ``detect_day`` per day gives the local driver's detections (no cluster needed)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airpicture.model.settings import Settings
from airpicture.pipeline.detect import (
    DayDetection,
    DetectionPlan,
    RunStart,
    detect_day,
    plan_detection,
    run_days_locally,
    run_start,
)
from airpicture.pipeline.ingest import ingest_paths
from airpicture.scale.detect import handed_over
from airpicture.store import Workspace
from tests.scale.support import CLOCK, simulate

Setup = tuple[Workspace, DetectionPlan, list[date], RunStart, list[DayDetection]]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    tmp = tmp_path_factory.mktemp("regroup")
    simulated = simulate(tmp / "simulated")
    workspace = Workspace.init(tmp / "ws")
    files = sorted(simulated.glob("simulated-*.beast")) + sorted(simulated.glob("simulated-opensky-*.csv.gz"))
    ingest_paths(workspace, files, Settings(), CLOCK)
    plan, _, _ = plan_detection(workspace, Settings(), CLOCK)
    days = workspace.days("positions")
    start = run_start(workspace, plan, days)
    return workspace, plan, days, start, run_days_locally(plan, days, start)


def _same(got: list[DayDetection], expected: list[DayDetection]) -> None:
    assert [d.day for d in got] == [d.day for d in expected]
    for one, two in zip(got, expected, strict=True):
        assert one.events == two.events and one.area_events == two.area_events
        assert one.aggregates.equals(two.aggregates)
        assert (one.in_region, one.read) == (two.in_region, two.read)


def test_the_dask_fold_hands_each_day_what_the_local_loop_hands_it(setup: Setup) -> None:
    _, plan, days, start, expected = setup
    assert len(days) >= 3 and sum(len(d.events) for d in expected) > 0
    inputs = handed_over(start, expected)  # the second pass's inputs, from (exact) first-pass detections
    _same([detect_day(plan, day, *inputs[day]) for day in days], expected)


@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), parts=st.integers(1, 4))
def test_regrouped_partitions_and_permuted_rows_give_the_same_detections(setup: Setup, seed: int, parts: int) -> None:
    workspace, plan, days, start, expected = setup
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for day in days:
            table = pq.read_table(sorted(workspace.partition_dir("positions", day).glob("*.parquet")))
            table = table.take(rng.permutation(table.num_rows))
            cuts = np.sort(rng.integers(0, table.num_rows + 1, size=parts - 1))
            folder = root / "positions" / f"day={day.isoformat()}"
            folder.mkdir(parents=True)
            for i, (lo, hi) in enumerate(zip([0, *cuts], [*cuts, table.num_rows], strict=True)):
                pq.write_table(table.slice(int(lo), int(hi - lo)), folder / f"part-regrouped-{i:05d}.parquet")
        _same(run_days_locally(replace(plan, root=root), days, start), expected)
