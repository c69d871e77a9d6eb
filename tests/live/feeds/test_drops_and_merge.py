"""A slow consumer sheds load inside (oldest first, counted) while the socket is read to the end; frames
heard by two receivers are merged with both receivers, repeats from one receiver kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from airpicture.simulate.feed_server import Faults, FeedServer
from airpicture.sources.adsb._common import Chunk, frames_table
from airpicture.sources.live import FeedBatch, FrameMerger, merge_window, parse_feed_url
from tests.live.feeds.support import DATA, Run, run_feeds

SBS = DATA / "tutorial_head.sbs"


def test_slow_consumer_drops_oldest_and_the_socket_is_never_blocked(tmp_path: Path) -> None:
    """The consumer takes nothing until the server has sent 8 copies of the recording (3 MB, far more than
    the kernel's socket buffers hold): the server can only finish if the reader kept reading."""
    with FeedServer(SBS, faults=Faults(repeat=8)) as server:
        release = asyncio.Event()
        delivered: list[FeedBatch] = []

        def sink(run: Run):  # type: ignore[no-untyped-def]
            async def take(batch: FeedBatch) -> None:
                await release.wait()
                delivered.append(batch)

            return take

        def until(runs: list[Run]) -> bool:
            done = server.stats.finished >= 1 or server.stats.stalls > 0
            if done and runs[0].stats.bytes >= server.stats.bytes_sent:
                release.set()
                return True
            return False

        (run,) = run_feeds([parse_feed_url(server.url + "?queue=4")], tmp_path, until, sink=sink)
    assert server.stats.stalls == 0  # the server's writes never stalled
    assert server.stats.finished == 1
    assert run.stats.bytes == server.stats.bytes_sent
    assert run.stats.drops > 0
    total = 8 * 3638
    assert run.stats.frames == total
    kept = sum(b.n_positions for b in delivered)
    assert kept + run.stats.dropped_frames == total
    assert kept < total
    # oldest dropped first: what is left is the newest, in order
    lines = SBS.read_bytes().count(b"\n")
    offsets = [
        o
        for b in delivered
        if b.chunk.positions is not None
        for o in b.chunk.positions.column("source_offset").to_pylist()
    ]
    assert offsets == sorted(offsets) and offsets[-1] > 7 * lines


def test_two_servers_on_one_recording_merge_to_one_frame_each_with_two_receivers(tmp_path: Path) -> None:
    beast = DATA / "sample_dump1090.bin"
    with FeedServer(beast) as one, FeedServer(beast, faults=Faults(split_writes=True)) as two:
        runs = run_feeds(
            [parse_feed_url(one.url), parse_feed_url(two.url)],
            tmp_path,
            lambda runs: one.stats.finished >= 1 and two.stats.finished >= 1,
            receivers=["rcv-a", "rcv-b"],
        )
    merger = FrameMerger(window_s=3600.0)  # one window: the test must not depend on when bytes arrived
    merged = [m for run in runs for b in run.batches for m in merger.push(b)] + merger.flush()
    frames = pa.concat_tables([b.chunk.frames for b in merged if b.n_frames])
    receivers = pa.concat_arrays([b.receivers for b in merged if b.n_frames]).to_pylist()
    assert frames.num_rows == 239
    assert all(r == ["rcv-a", "rcv-b"] for r in receivers)
    assert sorted(frames.column("frame").to_pylist()) == sorted(
        pa.concat_tables([b.chunk.frames for b in runs[0].batches if b.n_frames]).column("frame").to_pylist()
    )


def _batch(receiver: str, frames: list[bytes], at_s: float) -> FeedBatch:
    at = datetime(2024, 6, 6, 9, tzinfo=UTC) + timedelta(seconds=at_s)
    n = len(frames)
    ts = pa.array([int(at.timestamp() * 1e6)] * n, pa.int64()).to_numpy()
    table = frames_table(ts, pa.array(frames, pa.binary()), pa.array(range(n), pa.int64()).to_numpy())
    return FeedBatch(f"beast-{receiver}", receiver, f"stream-{receiver}", Chunk(read=n, frames=table), at)


def test_merge_keeps_repeats_from_one_receiver() -> None:
    a = _batch("a", [b"\x8d\x01", b"\x8d\x01", b"\x5d\x02"], 0.0)
    b = _batch("b", [b"\x8d\x01", b"\x99\x03"], 0.1)
    out = merge_window([a, b])
    kept_a, kept_b = out
    assert kept_a.chunk.frames is not None and kept_b.chunk.frames is not None
    assert kept_a.chunk.frames.column("frame").to_pylist() == [b"\x8d\x01", b"\x8d\x01", b"\x5d\x02"]
    assert kept_a.receivers is not None and kept_a.receivers.to_pylist() == [["a", "b"], ["a"], ["a"]]
    assert kept_b.chunk.frames.column("frame").to_pylist() == [b"\x99\x03"]  # its copy merged into a's
    assert kept_b.chunk.frames.column("source_offset").to_pylist() == [1]  # provenance of the kept copy
    assert merge_window([a, b]) == out  # pure


def test_merge_of_one_receiver_only_labels_it() -> None:
    a = _batch("a", [b"\x8d\x01", b"\x8d\x01"], 0.0)
    (out,) = merge_window([a])
    assert out.n_frames == 2 and out.receivers is not None and out.receivers.to_pylist() == [["a"], ["a"]]
