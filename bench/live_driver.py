"""Live benchmark, driver half (not a test): the whole live path (replay framing, the ingest chunk step with
the Mode S decoder, crash-safe flushes to Parquet, incremental detection passes) against a plain loop of
pyModeS decoding the same frames, in the same run; and the event latency at a paced rate.

    python bench/live_driver.py [--frames N] [--paced-rate R] [--paced-s S]

1. ``replay:…?speed=0`` of a Beast recording of N real frames (``tests/data/adsb/tutorial.jsonl.gz`` tiled,
   ``bench/live.py``'s ``beast_recording``) through ``run_live`` until it ends: frames per CPU-second of the
   whole path, and the ratio to ``pyModeS.decode`` in a plain loop (bars of issue #14: 200k frames/s, 10x).
2. The same recording paced at R frames/s (default 20,000) for S seconds with a detection pass every second:
   event latency (receipt of the oldest batch a pass was first to see → the event emitted) p50/p99 (bar: p99
   < 1 s), and the resident memory (RSS) at the end.

The figures depend on the machine's load; say so when quoting them.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))

from airpicture.model.clock import SystemClock  # noqa: E402
from airpicture.model.settings import LiveSettings, load_settings  # noqa: E402
from airpicture.pipeline.live import LiveEvent, run_live  # noqa: E402
from airpicture.store import Workspace  # noqa: E402
from live import beast_recording, measure_pymodes_loop  # noqa: E402


def _run(root: Path, url: str, duration_s: float | None, **live: object) -> tuple[dict[str, float], list[LiveEvent]]:
    workspace = Workspace.init(root)
    base = load_settings(overrides={"workspace": root})
    settings = replace(
        base,
        live=replace(LiveSettings(), assess_at=(), **live),  # type: ignore[arg-type]
        reports=replace(base.reports, reporter_key_file=root.parent / "key"),
    )
    events: list[LiveEvent] = []

    async def main() -> object:
        return await run_live(
            workspace, settings, SystemClock(), [url], stop=asyncio.Event(), on_event=events.append,
            exit_on_eof=duration_s is None, duration_s=duration_s,
        )  # fmt: skip

    cpu0, wall0 = time.process_time(), time.perf_counter()
    summary = asyncio.run(main())
    return {
        "cpu_s": time.process_time() - cpu0,
        "wall_s": time.perf_counter() - wall0,
        "positions": float(getattr(summary, "positions", 0)),
    }, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--baseline-frames", type=int, default=50_000)
    parser.add_argument("--paced-rate", type=float, default=20_000.0)
    parser.add_argument("--paced-s", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "tiled.beast"
        hexes = beast_recording(args.frames, recording)
        fast, _ = _run(Path(tmp) / "fast", f"replay:{recording}?speed=0&queue=1000000", None,
                       flush_interval_s=1.0, detect_interval_s=3600.0)  # fmt: skip
        base = measure_pymodes_loop(hexes[: args.baseline_frames])
        whole = args.frames / fast["cpu_s"]
        per_wall = args.frames / fast["wall_s"]
        print(f"whole live path (replay, decode, store, final detection pass): {args.frames:,} frames, "
              f"{fast['positions']:,.0f} positions, {whole:,.0f} frames/CPU-s ({per_wall:,.0f}/wall-s)")  # fmt: skip
        print(f"pyModeS plain loop: {base['frames']:,} frames, {base['frames_per_s']:,.0f} frames/CPU-s")
        print(f"ratio live path / pyModeS loop: {whole / base['frames_per_s']:.2f}x (bars: 200k frames/s, 10x)")
        # the recording's own rate is what the tutorial capture had; speed scales it to the paced rate
        span_s = max(1e-6, args.frames / 1.0)
        speed = args.paced_rate / (args.frames / _recording_seconds(recording, span_s))
        _, events = _run(Path(tmp) / "paced", f"replay:{recording}?speed={speed:.3f}&queue=1000000",
                             args.paced_s, flush_interval_s=0.25, detect_interval_s=1.0)  # fmt: skip
        latencies = sorted((e.emitted_at - e.received_at).total_seconds() for e in events if e.received_at is not None)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if latencies:
            p50 = latencies[len(latencies) // 2]
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"paced {args.paced_rate:,.0f} frames/s for {args.paced_s:g} s: {len(latencies)} events, latency "
                  f"p50 {p50:.2f} s, p99 {p99:.2f} s (bar: p99 < 1 s)")  # fmt: skip
        else:
            print(f"paced {args.paced_rate:,.0f} frames/s for {args.paced_s:g} s: no event emitted (no latency figure)")
        print(f"peak resident memory of this process: {rss_mb:,.0f} MB (the 10,000-aircraft figure is not measured "
              "here: the tiled recording holds the tutorial's few aircraft)")  # fmt: skip


def _recording_seconds(recording: Path, fallback: float) -> float:
    """The recording's span by its own clock (seconds), from the reader ingest uses."""
    import pyarrow.compute as pc

    from airpicture.sources.adsb import FORMATS, ReadOptions, detect_format, open_input

    source, head = open_input(recording)
    first = last = None
    for chunk in FORMATS[detect_format(source, head).format].read(source, ReadOptions()):
        if chunk.frames is not None and chunk.frames.num_rows:
            lo, hi = pc.min_max(chunk.frames["ts"]).values()
            first = lo.as_py() if first is None else first
            last = hi.as_py()
    return (last - first).total_seconds() if first and last else fallback


if __name__ == "__main__":
    main()
