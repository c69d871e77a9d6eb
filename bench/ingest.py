"""Ingest benchmark (not a test): read + decode + validate + write Parquet, on one core, with peak memory.

    python bench/ingest.py [--frames N] [--baseline-frames M] [--skip-decoder-comparison]

Writes ``tests/data/adsb/tutorial.jsonl.gz`` tiled with shifted timestamps to N frames (default 1,007,146,
14 copies) as a gzip JSONL file, then runs ``pipeline.ingest.ingest_paths`` on it in a child process pinned
to one CPU (Arrow and Polars limited to one thread) and reports frames per CPU-second and per wall-second,
and the child's peak resident memory (``getrusage`` ``ru_maxrss``). Bars: ≥ 300k frames/s on one core;
peak memory under 1 GB for 10M frames (``--frames 10000000``). In the same run it prints the decoder
comparison of ``bench/decode.py`` (airpicture vs pyModeS 3 batch decode, and rs1090 if installed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

TUTORIAL = REPO / "tests" / "data" / "adsb" / "tutorial.jsonl.gz"

CHILD = r"""
import json, os, resource, sys, time
from datetime import UTC, datetime
from pathlib import Path
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
import pyarrow as pa
pa.set_cpu_count(1); pa.set_io_thread_count(1)
from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings
from airpicture.pipeline.ingest import IngestOptions, ingest_paths
from airpicture.store import Workspace
ws = Workspace.init(Path(sys.argv[1]))
cpu0, wall0 = time.process_time(), time.perf_counter()
summary = ingest_paths(ws, [Path(sys.argv[2])], Settings(), FixedClock(datetime(2025, 1, 1, tzinfo=UTC)),
                       options=IngestOptions(receiver_lat_deg=43.63, receiver_lon_deg=1.37))
cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
f = summary.files[0]
print(json.dumps({"status": f.status.value, "error": f.error, "read": f.read, "stored": f.stored,
                  "rejected": dict(f.rejected), "cpu_s": cpu, "wall_s": wall,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "line": summary.lines()[0]}))
"""


def write_tiled(target: Path, n_frames: int) -> int:
    """The tutorial recording repeated (each copy shifted past the previous one) up to ``n_frames`` lines."""
    with gzip.open(TUTORIAL, "rb") as fh:
        lines = [json.loads(line) for line in fh]
    span = lines[-1]["timestamp"] - lines[0]["timestamp"] + 60.0
    written = 0
    with gzip.open(target, "wb", compresslevel=1) as out:
        copy = 0
        while written < n_frames:
            shift = copy * span
            block = [
                orjson.dumps({**row, "timestamp": row["timestamp"] + shift}) + b"\n"
                for row in lines[: n_frames - written]
            ]
            out.write(b"".join(block))
            written += len(block)
            copy += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1_007_146, help="frames to ingest (default: 14 copies)")
    parser.add_argument("--baseline-frames", type=int, default=100_000, help="frames for pyModeS/rs1090")
    parser.add_argument("--skip-decoder-comparison", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="airpicture-bench-") as tmp:
        data = Path(tmp) / "tiled.jsonl.gz"
        n = write_tiled(data, args.frames)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1"}
        done = subprocess.run([sys.executable, "-c", CHILD, str(Path(tmp) / "ws"), str(data)], env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0:
            sys.exit(f"ingest child failed:\n{done.stderr}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        size_mb = data.stat().st_size / 1e6
    print(f"input      : {n:,} frames: tutorial.jsonl.gz lines (rs1090 fields kept) tiled, {size_mb:.0f} MB gzip")
    print(f"ingest     : {result['line']}")
    print(f"             {result['cpu_s']:.2f} CPU s, {result['wall_s']:.2f} wall s on one core -> "
          f"{result['read'] / result['cpu_s']:,.0f} frames/CPU-s, "
          f"{result['read'] / result['wall_s']:,.0f} frames/wall-s (bar 300,000)")  # fmt: skip
    print(f"peak RSS   : {result['max_rss_mb']:,.0f} MB (bar < 1,024 MB at 10M frames)")
    if args.skip_decoder_comparison:
        return
    import decode as decode_bench  # bench/decode.py, by the decoder's author

    ts, hexes = decode_bench.tiled_frames(args.frames)
    ours = decode_bench.measure_decode(decode_bench.raw_frames_table(ts, hexes))
    base = decode_bench.measure_pymodes(ts[: args.baseline_frames], hexes[: args.baseline_frames])
    print(f"decode     : airpicture {ours['frames_per_s']:,.0f} frames/s on {ours['frames']:,} frames; "
          f"pyModeS 3 batch with positions {base['frames_per_s']:,.0f} frames/s on {base['frames']:,}; "
          f"ratio {ours['frames_per_s'] / base['frames_per_s']:.1f}x (bar 20x)")  # fmt: skip
    rs = decode_bench.measure_rs1090(ts[: args.baseline_frames], hexes[: args.baseline_frames])
    print("rs1090     : not installed" if rs is None else f"rs1090     : {rs['frames_per_s']:,.0f} frames/s, ratio "
          f"{ours['frames_per_s'] / rs['frames_per_s']:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
