"""Web API speed: ``GET /api/v1/aircraft`` with 1,000 aircraft (SIMULATED positions) against its own query.

A fresh workspace gets 1,000 simulated aircraft, each heard once a second for 10 minutes (600,000
positions, flagged SIMULATED). Measured in the same run:

* airpicture: ``GET /api/v1/aircraft`` through uvicorn on loopback (httpx keep-alive client): the query,
  identity look-ups, filtering and JSON of 1,000 aircraft;
* baseline: the bare DuckDB query the endpoint wraps (``pipeline.aircraft.PICTURE_SQL``), fetched to Arrow.

Prints p50/p99 of each and the ratio; the bar is p99 < 50 ms for the endpoint. Not yet measured here: the
dashboard's first idle and SSE fan-out (issue 17; the dashboard is not built yet).

    python bench/web.py [--aircraft 1000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from airpicture.model.clock import FixedClock
from airpicture.model.schemas import POSITIONS_SCHEMA, PositionFlag
from airpicture.model.settings import load_settings
from airpicture.pipeline.aircraft import picture_query
from airpicture.store import Workspace

START = datetime(2022, 7, 11, 20, 0, tzinfo=UTC)


def simulated_positions(n_aircraft: int, seconds: int) -> pa.Table:
    rng = np.random.default_rng(17)
    n = n_aircraft * seconds
    idx = np.repeat(np.arange(n_aircraft), seconds)
    t = np.tile(np.arange(seconds), n_aircraft)
    lat0, lon0 = rng.uniform(51.3, 56.0, n_aircraft), rng.uniform(23.5, 32.5, n_aircraft)
    heading = rng.uniform(0, 360, n_aircraft)
    lat = lat0[idx] + np.cos(np.radians(heading[idx])) * t * 0.002
    lon = lon0[idx] + np.sin(np.radians(heading[idx])) * t * 0.003
    ts = pa.array([START + timedelta(seconds=int(s)) for s in range(seconds)], pa.timestamp("us", "UTC"))
    cols = {
        "ts": pa.array(np.tile(ts.to_numpy(zero_copy_only=False), n_aircraft), pa.timestamp("us", "UTC")),
        "icao24": pa.array([f"{0x500000 + i:06x}" for i in idx]),
        "lat_deg": pa.array(lat), "lon_deg": pa.array(lon),
        "alt_ft": pa.array(np.full(n, 30000, np.float32)), "gs_kt": pa.array(np.full(n, 450, np.float32)),
        "track_deg": pa.array(heading[idx].astype(np.float32)),
        "flags": pa.array(np.full(n, int(PositionFlag.SIMULATED), np.uint16)),
        "source_file": pa.array(["0" * 64] * n), "source_offset": pa.array(np.arange(n, dtype=np.int64)),
    }  # fmt: skip
    return pa.table({f.name: cols.get(f.name, pa.nulls(n, f.type)) for f in POSITIONS_SCHEMA}, schema=POSITIONS_SCHEMA)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aircraft", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    import httpx
    import uvicorn

    from airpicture.web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        workspace = Workspace.init(root)
        workspace.write_partitioned("positions", simulated_positions(args.aircraft, 600), "bench-web-simulated")
        settings = load_settings(None, {}, {"workspace": root, "reports.reporter_key_file": Path(folder) / "k"})
        at = START + timedelta(seconds=599)
        sql, params = picture_query(at, 60.0)
        baseline = []
        with workspace.connect(read_only=True) as con:
            for _ in range(args.requests):
                started = time.perf_counter()
                table = con.sql(sql, params=params).to_arrow_table()
                baseline.append((time.perf_counter() - started) * 1000)
        assert table.num_rows == args.aircraft, table.num_rows
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(workspace, settings, FixedClock(at)), host="127.0.0.1",
                                               port=port, access_log=False, log_level="error"))  # fmt: skip
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        endpoint = []
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for _ in range(args.requests):
                    started = time.perf_counter()
                    answer = client.get("/api/v1/aircraft", params={"at": at.isoformat()})
                    endpoint.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200 and answer.json()["total"] == args.aircraft
        finally:
            server.should_exit = True
            thread.join(10)
    load = os.getloadavg()[0]
    print(f"SIMULATED positions: {args.aircraft} aircraft x 600 s; {args.requests} requests each; load avg {load:.1f}")
    for name, values in (("airpicture GET /api/v1/aircraft", endpoint), ("baseline bare DuckDB query", baseline)):
        p50, p99 = statistics.median(values), percentile(values, 99)
        print(f"{name:34s} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    ratio = percentile(endpoint, 99) / percentile(baseline, 99)
    verdict = "meets" if percentile(endpoint, 99) < 50 else "misses"
    print(f"p99 ratio endpoint/baseline {ratio:.2f}; {verdict} the bar (p99 < 50 ms)")


if __name__ == "__main__":
    main()
