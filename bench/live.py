"""Live feed benchmark, framing half (not a test): frames per second through the live feed path (socket read,
Beast framing, raw-byte archive, hand-off, multi-receiver merge) on one core, from loopback replay servers
sending as fast as possible, against a plain loop of pyModeS decoding the same frames, in the same run.

    python bench/live.py [--frames N] [--feeds K] [--baseline-frames M]

The recording is ``tests/data/adsb/tutorial.jsonl.gz``'s real frames, tiled to N (default 400,000) and
written as Beast binary (12 MHz counters). Each of the K feeds (default 2, receivers ``a``, ``b``...)
connects to its own replay server; the servers run in a child process pinned to another core, the feeds in
this process pinned to one. The bars of issue #14 (≥ 200k frames/s and ≥ 10× pyModeS) are for the whole live
path; the live driver's bench adds decode, store and detection stages by importing
:func:`measure_feed_path` and :func:`beast_recording`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from airpicture.model.clock import SystemClock  # noqa: E402
from airpicture.sources.live import FeedBatch, FeedStats, FrameMerger, parse_feed_url, run_feed  # noqa: E402
from decode import tiled_frames  # noqa: E402


def beast_recording(n_frames: int, path: Path) -> list[str]:
    """Write ``n_frames`` real frames (the tutorial recording tiled) as a Beast file; return their hex."""
    ts, hexes = tiled_frames(n_frames)
    out = bytearray()
    t0 = ts[0]
    for t, h in zip(ts, hexes, strict=True):
        message = bytes.fromhex(h)
        kind = b"\x33" if len(message) == 14 else b"\x32"
        counter = int((t - t0) * 12e6) + 1
        body = counter.to_bytes(6, "big") + b"\x80" + message
        out += b"\x1a" + kind + body.replace(b"\x1a", b"\x1a\x1a")
    path.write_bytes(bytes(out))
    return hexes


def _serve(path: str, k: int, ports: Any, done: Any) -> None:
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
        os.sched_setaffinity(0, {1})
    from airpicture.simulate.feed_server import FeedServer

    servers = [FeedServer(Path(path)) for _ in range(k)]
    for server in servers:
        server.start()
        ports.put(server.port)
    done.wait()
    for server in servers:
        server.close()


def measure_feed_path(recording: Path, n_frames: int, feeds: int = 2, window_s: float = 0.5) -> dict[str, Any]:
    """Frames/s through ``run_feed`` × ``feeds`` and the merger, on one core (this process)."""
    ctx = mp.get_context("spawn")
    ports: Any = ctx.Queue()
    done = ctx.Event()
    child = ctx.Process(target=_serve, args=(str(recording), feeds, ports, done), daemon=True)
    child.start()
    try:
        urls = [f"beast://127.0.0.1:{ports.get(timeout=120)}" for _ in range(feeds)]
        with tempfile.TemporaryDirectory() as archive:
            return asyncio.run(_measure(urls, n_frames, Path(archive), window_s))
    finally:
        done.set()
        child.join(timeout=10)


async def _measure(urls: list[str], n_frames: int, archive: Path, window_s: float) -> dict[str, Any]:
    stop = asyncio.Event()
    merger = FrameMerger(window_s)
    merged = {"frames": 0, "multi": 0}

    def take(batch: FeedBatch) -> None:
        for out in merger.push(batch):
            merged["frames"] += out.n_frames

    stats = [FeedStats(f"feed-{k}") for k in range(len(urls))]
    expected = n_frames * len(urls)

    async def watch() -> None:
        while sum(s.frames for s in stats) < expected:
            await asyncio.sleep(0.01)
        stop.set()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(
        *(
            run_feed(
                parse_feed_url(url),
                take,
                clock=SystemClock(),
                archive_dir=archive,
                stop=stop,
                stats=stats[k],
                receiver=chr(ord("a") + k),
            )
            for k, url in enumerate(urls)
        ),
        watch(),
    )
    for out in merger.flush():
        merged["frames"] += out.n_frames
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "frames_in": expected,
        "frames_merged": merged["frames"],
        "drops": sum(s.drops for s in stats),
        "cpu_s": cpu,
        "wall_s": wall,
        "frames_per_cpu_s": expected / cpu,
        "frames_per_wall_s": expected / wall,
    }


def measure_pymodes_loop(hexes: list[str]) -> dict[str, Any]:
    """The baseline: a plain Python loop calling ``pyModeS.decode`` on each frame."""
    import pyModeS

    pyModeS.decode(hexes[0])
    cpu0 = time.process_time()
    for h in hexes:
        pyModeS.decode(h)
    cpu = time.process_time() - cpu0
    return {"frames": len(hexes), "cpu_s": cpu, "frames_per_s": len(hexes) / cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=400_000)
    parser.add_argument("--feeds", type=int, default=2)
    parser.add_argument("--baseline-frames", type=int, default=50_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    with tempfile.TemporaryDirectory() as tmp:
        recording = Path(tmp) / "tiled.beast"
        hexes = beast_recording(args.frames, recording)
        feed = measure_feed_path(recording, args.frames, args.feeds)
    base = measure_pymodes_loop(hexes[: args.baseline_frames])
    print(
        f"live feed path ({args.feeds} feeds, framing + archive + merge): {feed['frames_in']:,} frames in, "
        f"{feed['frames_merged']:,} after merge, {feed['drops']} drops; "
        f"{feed['frames_per_cpu_s']:,.0f} frames/CPU-s, {feed['frames_per_wall_s']:,.0f} frames/wall-s"
    )
    print(f"pyModeS plain loop: {base['frames']:,} frames, {base['frames_per_s']:,.0f} frames/CPU-s")
    ratio = feed["frames_per_cpu_s"] / base["frames_per_s"]
    print(f"ratio feed path / pyModeS loop: {ratio:.1f}x (bars for the whole live path: 200k frames/s, 10x)")


if __name__ == "__main__":
    main()
