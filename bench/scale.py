"""Scale-out benchmark (not a test): detection by the local driver vs the Dask driver on 1 and 2 workers.

    python bench/scale.py [--positions N] [--detectors a,b,...]

Data: bench/detect.py's tiled real state vectors (``bench/data/quickstart.json.gz``, 284,505 positions over
Paris on 2021-10-07, shifted onto the Belarus-Poland border and tiled over consecutive UTC days) to ≥ N
positions (default 40,000,000), written once as a workspace's day partitions in a temporary folder.

In one run, on the same workspace: ``run_detection`` with the local driver (the baseline), then with the Dask
driver (``airpicture.scale``) on a local cluster of 1 and of 2 worker processes (cluster start-up timed
apart). Prints the overhead ratio (Dask 1 worker / local; bar ≤ 1.15), the speedup (1 worker / 2 workers;
bar ≥ 1.6), the peak resident memory of each worker and of the driver, checks that every run stored the
same events and aggregates, and projects the measured per-partition cost to 10¹⁰ positions on N workers.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def _load_tiled(target: int) -> Any:
    spec = importlib.util.spec_from_file_location("bench_detect", REPO / "bench" / "detect.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_tiled(target)


def _peak_rss_mib() -> float:
    """This process's peak resident memory: ``VmHWM`` (reset by exec, unlike ``ru_maxrss``, which a spawned
    worker inherits from the driver it was forked from)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stored(root: Path) -> tuple[list[Any], list[Any]]:
    import duckdb

    con = duckdb.connect(str(root / "airpicture.duckdb"), read_only=True)
    try:
        events = con.execute("SELECT event_id, type, start_ts, end_ts FROM events ORDER BY ALL").fetchall()
        aggregates = con.execute("SELECT day, detector, key, value FROM day_aggregates ORDER BY ALL").fetchall()
    finally:
        con.close()
    return events, aggregates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=40_000_000)
    parser.add_argument("--detectors", default="", help="comma-separated detector names (default: all)")
    args = parser.parse_args()

    from airpicture.model.clock import FixedClock
    from airpicture.model.settings import Settings
    from airpicture.pipeline.detect import run_detection
    from airpicture.scale.detect import dask_day_runner
    from airpicture.scale.engine import EngineOptions, dask_client
    from airpicture.store import Workspace

    detectors = tuple(d for d in args.detectors.split(",") if d)
    clock = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
    with tempfile.TemporaryDirectory(prefix="airpicture-bench-scale-") as tmp:
        workspace = Workspace.init(Path(tmp) / "ws")
        days, _, total = _load_tiled(args.positions)
        for k, table in enumerate(days):
            workspace.write_partitioned("positions", table, f"bench{k:015d}-00000")
        largest = max(d.num_rows for d in days)
        del days
        stored_days = workspace.days("positions")
        print(f"{total:,} positions in {len(stored_days)} UTC days (largest {largest:,}), tiled real state vectors")
        settings = Settings(region="belarus")

        def detect(runner: Any = None) -> float:
            started = time.perf_counter()
            run_detection(workspace, settings, clock, days=stored_days, detectors=detectors, runner=runner)
            return time.perf_counter() - started

        local_s = detect()
        expected = _stored(workspace.root)
        print(f"local driver: {local_s:.1f} s ({total / local_s:,.0f} positions/s), "
              f"{len(expected[0]):,} events, driver peak RSS {_peak_rss_mib():,.0f} MiB")  # fmt: skip
        seconds: dict[int, float] = {}
        for workers in (1, 2):
            started = time.perf_counter()
            with dask_client(EngineOptions(workers=workers)) as client:
                up_s = time.perf_counter() - started
                seconds[workers] = detect(dask_day_runner(client))
                peaks = client.run(_peak_rss_mib)
            same = _stored(workspace.root) == expected
            print(f"dask, {workers} worker(s): {seconds[workers]:.1f} s (cluster start {up_s:.1f} s apart), "
                  f"peak RSS per worker {', '.join(f'{v:,.0f}' for v in peaks.values())} MiB, "
                  f"same events and aggregates as local: {same}")  # fmt: skip
        overhead = seconds[1] / local_s
        speedup = seconds[1] / seconds[2]
        print(
            f"overhead, dask 1 worker / local: {overhead:.2f}x (bar <= 1.15) {'PASS' if overhead <= 1.15 else 'FAIL'}"
        )
        verdict = "PASS" if speedup >= 1.6 else "FAIL"
        print(f"speedup, dask 1 worker / 2 workers: {speedup:.2f}x (bar >= 1.6) {verdict}")
        per_position_s = seconds[1] / total  # one worker, both passes, per position
        print(f"measured per-partition cost: {seconds[1] / len(stored_days):.2f} s per day of "
              f"{total / len(stored_days):,.0f} positions on one worker (two passes)")  # fmt: skip
        for n in (8, 64, 512):
            hours = 1e10 * per_position_s / n / 3600
            print(f"projected, 10^10 positions on {n} workers: {hours:,.1f} h (if the per-position cost holds)")
        print(
            "what breaks first: the driver ships every day its history (all earlier days' aggregates): "
            "O(days^2) rows in the second pass's inputs; then the driver's single transaction of all events"
        )


if __name__ == "__main__":
    main()
