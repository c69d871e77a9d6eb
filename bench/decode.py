"""Decoder benchmark (not a test): airpicture's columnar decoder vs pyModeS 3 batch decode (and rs1090 if
installed) on the same frames — ``tests/data/adsb/tutorial.jsonl.gz`` tiled with shifted timestamps.

    python bench/decode.py [--frames N] [--baseline-frames M]

Prints frames/s and the ratio against pyModeS batch decode *with timestamps and positions* (the bar is
≥ 20× on one core). ``measure_decode(frames)`` is importable by ``bench/ingest.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from airpicture.decode.modes import FrameDecoder  # noqa: E402
from airpicture.model.schemas import RAW_FRAMES_SCHEMA  # noqa: E402

TUTORIAL = REPO / "tests" / "data" / "adsb" / "tutorial.jsonl.gz"
RECEIVER = (43.63, 1.37)


def tiled_frames(n_frames: int) -> tuple[list[float], list[str]]:
    """The tutorial recording repeated until ``n_frames``, each copy shifted past the previous one."""
    with gzip.open(TUTORIAL, "rt") as fh:
        recs = [(r["timestamp"], r["frame"]) for r in map(json.loads, fh)]
    span = recs[-1][0] - recs[0][0] + 60.0
    ts: list[float] = []
    hexes: list[str] = []
    copy = 0
    while len(ts) < n_frames:
        ts.extend(t + copy * span for t, _ in recs)
        hexes.extend(h for _, h in recs)
        copy += 1
    return ts[:n_frames], hexes[:n_frames]


def raw_frames_table(ts_s: list[float], hexes: list[str]) -> pa.Table:
    n = len(hexes)
    ts_us = np.round(np.asarray(ts_s) * 1e6).astype(np.int64)
    return pa.table(
        {
            "ts": pa.array(ts_us).cast(pa.timestamp("us", tz="UTC")),
            "frame": pa.array([bytes.fromhex(h) for h in hexes], type=pa.binary()),
            "source_offset": pa.array(np.arange(n, dtype=np.int64)),
            "rssi_dbfs": pa.nulls(n, pa.float32()),
            "receiver": pa.nulls(n, pa.string()),
        },
        schema=RAW_FRAMES_SCHEMA,
    )


def measure_decode(frames: pa.Table, *, batch_rows: int = 131_072) -> dict[str, Any]:
    """Decode ``frames`` (RAW_FRAMES_SCHEMA) in batches of ``batch_rows`` with one FrameDecoder; CPU seconds
    of this process (one core: Arrow's thread pool is limited to 1), wall seconds and frames/s.

    A warm-up decode of the first batch on a throw-away decoder builds the lookup tables first (one-time
    costs, like pyModeS's import-time tables, are not what a long ingest pays per frame)."""
    pa.set_cpu_count(1)
    FrameDecoder().decode(frames.slice(0, batch_rows), "warm-up")
    decoder = FrameDecoder(receiver_lat_deg=RECEIVER[0], receiver_lon_deg=RECEIVER[1])
    counts: dict[str, int] = {}
    positions = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for start in range(0, frames.num_rows, batch_rows):
        result = decoder.decode(frames.slice(start, batch_rows), "bench")
        positions += len(result.positions) - int(result.positions["lat_deg"].null_count)
        for k, v in result.counts.items():
            counts[k] = counts.get(k, 0) + v
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "frames": frames.num_rows,
        "cpu_s": cpu,
        "wall_s": wall,
        "frames_per_s": frames.num_rows / cpu,
        "counts": counts,
    }


def measure_pymodes(ts: list[float], hexes: list[str]) -> dict[str, Any]:
    import pyModeS

    cpu0 = time.process_time()
    out = pyModeS.decode(hexes, timestamps=ts, surface_ref=RECEIVER)
    cpu = time.process_time() - cpu0
    return {"frames": len(hexes), "cpu_s": cpu, "frames_per_s": len(hexes) / cpu,
            "positions": sum(d.get("latitude") is not None for d in out)}  # fmt: skip


def measure_rs1090(ts: list[float], hexes: list[str]) -> dict[str, Any] | None:
    try:
        import rs1090  # type: ignore[import-not-found]
    except ImportError:
        return None
    cpu0 = time.process_time()
    rs1090.decode(hexes, ts, reference=RECEIVER)
    cpu = time.process_time() - cpu0
    return {"frames": len(hexes), "cpu_s": cpu, "frames_per_s": len(hexes) / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1_007_146, help="frames to decode (default: 14 copies)")
    parser.add_argument("--batch-rows", type=int, default=131_072, help="rows per decode call (default 131072)")
    parser.add_argument("--baseline-frames", type=int, default=None, help="frames for pyModeS/rs1090 (default: all)")
    args = parser.parse_args()
    ts, hexes = tiled_frames(args.frames)
    table = raw_frames_table(ts, hexes)
    line = "{name:<11}: {frames:>10,} frames  {cpu_s:7.2f} CPU s  {frames_per_s:>12,.0f} frames/s"
    ours = measure_decode(table, batch_rows=args.batch_rows)
    print(line.format(name="airpicture", **ours) + f"  (batches of {args.batch_rows:,})")
    print(f"             counts {ours['counts']}")
    nb = args.baseline_frames or args.frames
    base = measure_pymodes(ts[:nb], hexes[:nb])
    print(line.format(name="pyModeS 3", **base) + f"  (batch, timestamps, {base['positions']:,} positions)")
    ratio = ours["frames_per_s"] / base["frames_per_s"]
    print(f"ratio airpicture / pyModeS batch with positions: {ratio:.1f}x (bar 20x)")
    rs = measure_rs1090(ts[:nb], hexes[:nb])
    if rs is None:
        print("rs1090     : not installed")
    else:
        print(line.format(name="rs1090", **rs))
        print(f"ratio airpicture / rs1090: {ours['frames_per_s'] / rs['frames_per_s']:.1f}x")


if __name__ == "__main__":
    main()
