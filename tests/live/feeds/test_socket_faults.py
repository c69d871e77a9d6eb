"""Socket feeds against the loopback replay server, one fault each (issue #14). No time is asserted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from airpicture.model.schemas import TimeBasis
from airpicture.simulate.feed_server import Faults, FeedServer
from airpicture.sources.adsb import BeastClock
from airpicture.sources.live import parse_feed_url
from airpicture.sources.live.archive import UNNAMED, read_stream
from tests.live.feeds.support import DATA, file_chunks_table, run_feeds

BEAST = DATA / "sample_dump1090.bin"
FAST = "?backoff_s=0.02&backoff_max_s=0.2&idle_s=5"


@pytest.mark.parametrize(
    ("name", "column"),
    [("sample_dump1090.bin", "frames"), ("tutorial_head.raw", "frames"), ("tutorial_head.sbs", "positions")],
)
def test_random_write_splits_give_the_file_readers_rows(name: str, column: str, tmp_path: Path) -> None:
    """The framer identity: a recording's bytes, cut at random across reads, give the rows ingest's reader
    gives (same times, frames, offsets); the archive holds exactly the bytes sent."""
    with FeedServer(DATA / name, faults=Faults(split_writes=True, seed=3)) as server:
        (run,) = run_feeds([parse_feed_url(server.url + FAST)], tmp_path, lambda runs: server.stats.finished >= 1)
    _, expected = file_chunks_table(DATA / name, column)
    got = run.table(column)
    assert got is not None
    if column == "positions":
        assert set(got.column("source_file").to_pylist()) == {run.batches[0].stream_id}
        got, expected = got.drop_columns(["source_file"]), expected.drop_columns(["source_file"])
    assert got.equals(expected)
    assert run.rejects().num_rows == 0
    (stream,) = (tmp_path / UNNAMED).iterdir()
    assert read_stream(stream) == (DATA / name).read_bytes()
    assert run.stats.bytes == server.stats.bytes_sent


def test_gps_clock_feed_reads_as_ingest_does(tmp_path: Path) -> None:
    """``?clock=1ghz`` (Radarcape GPS time of day): the same times as ingest with ``--beast-clock 1ghz``."""
    with FeedServer(BEAST, faults=Faults(split_writes=True)) as server:
        (run,) = run_feeds(
            [parse_feed_url(server.url + FAST + "&clock=1ghz")], tmp_path, lambda runs: server.stats.finished >= 1
        )
    _, expected = file_chunks_table(BEAST, clock=BeastClock.GPS)
    got = run.table()
    assert got is not None and got.equals(expected)
    assert {b.chunk.time_basis for b in run.batches if b.n_frames} == {TimeBasis.RECEIVER_CLOCK_ANCHORED}


def test_abort_after_k_frames_reconnects_and_cites_each_stream(tmp_path: Path) -> None:
    with FeedServer(BEAST, faults=Faults(abort_after_frames=100)) as server:
        (run,) = run_feeds(
            [parse_feed_url(server.url + FAST)],
            tmp_path,
            lambda runs: server.stats.connections >= 3 and runs[0].stats.frames >= 300,
        )
    frames = run.table()
    assert frames is not None
    streams = {b.stream_id for b in run.batches if b.n_frames}
    assert len(streams) >= 3
    per_stream = {s: sum(b.n_frames for b in run.batches if b.stream_id == s) for s in streams}
    assert set(per_stream.values()) == {100}
    assert run.stats.reconnects >= 2
    truncated = run.rejects().filter(pa.compute.equal(run.rejects().column("reason"), "truncated"))
    assert truncated.num_rows >= 2  # each abort cut a record in half
    for stream_id in streams:  # every frame's offset points at its record's bytes in the archive
        raw = read_stream(tmp_path / UNNAMED / stream_id)
        offsets = [
            o
            for b in run.batches
            if b.stream_id == stream_id and b.chunk.frames is not None
            for o in b.chunk.frames.column("source_offset").to_pylist()
        ]
        assert all(raw[o] == 0x1A and raw[o + 1] in (0x32, 0x33) for o in offsets)


def test_accept_then_close_backs_off_without_a_storm(tmp_path: Path) -> None:
    """No frame ever arrives, so the backoff never resets: every delay's ceiling doubles up to the maximum."""
    with FeedServer(BEAST, faults=Faults(accept_then_close=True)) as server:
        (run,) = run_feeds(
            [parse_feed_url(server.url + "?backoff_s=0.01&backoff_max_s=0.08")],
            tmp_path,
            lambda runs: server.stats.connections >= 6,
            settle_s=0,
        )
    delays = run.stats.backoffs_s
    assert len(delays) >= 5
    ceilings = [min(0.08, 0.01 * 2**k) for k in range(len(delays))]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert run.stats.frames == 0
    assert run.stats.reconnects >= 1  # a connection reset while connecting counts as a failed connect instead


def test_silence_is_dropped_by_the_idle_timeout(tmp_path: Path) -> None:
    with FeedServer(BEAST, faults=Faults(silence=True)) as server:
        (run,) = run_feeds(
            [parse_feed_url(server.url + "?idle_s=0.2&backoff_s=0.01")],
            tmp_path,
            lambda runs: server.stats.connections >= 2,
            settle_s=0,
        )
    assert run.stats.reconnects >= 1
    assert run.stats.frames == 0
    assert "no byte for 0.2 s" in (run.stats.last_error or "") or run.stats.connections >= 2


def test_garbage_between_records_is_counted_and_loses_no_frame(tmp_path: Path) -> None:
    with FeedServer(BEAST, faults=Faults(garbage=True, split_writes=True, seed=7)) as server:
        (run,) = run_feeds([parse_feed_url(server.url + FAST)], tmp_path, lambda runs: server.stats.finished >= 1)
    _, expected = file_chunks_table(BEAST)
    got = run.table()
    assert got is not None
    assert got.column("frame").to_pylist() == expected.column("frame").to_pylist()
    assert got.column("ts").equals(expected.column("ts"))
    rejects = run.rejects()
    later = rejects.filter(pa.compute.greater(rejects.column("source_offset"), 0))
    assert set(later.column("reason").to_pylist()) == {"framing"}  # at offset 0: "starts inside a record"
    assert 0 < run.stats.garbage_bytes <= server.stats.garbage_bytes_sent


def test_0x1a_dense_records_are_unescaped(tmp_path: Path) -> None:
    with FeedServer(BEAST, faults=Faults(dense_1a=True, split_writes=True, seed=5)) as server:
        (run,) = run_feeds([parse_feed_url(server.url + FAST)], tmp_path, lambda runs: server.stats.finished >= 1)
    _, expected = file_chunks_table(BEAST)
    got = run.table()
    assert got is not None
    assert got.column("frame").to_pylist() == expected.column("frame").to_pylist()
    rssi = got.column("rssi_dbfs").to_numpy()
    assert np.allclose(rssi, 20 * np.log10(0x1A / 255), atol=1e-4)
    assert run.rejects().num_rows == 0


def test_heartbeats_only_are_no_frames_and_no_garbage(tmp_path: Path) -> None:
    with FeedServer(BEAST, faults=Faults(heartbeats_only=5)) as server:
        (run,) = run_feeds(
            [parse_feed_url(server.url + "?idle_s=0.3&backoff_s=0.01")],
            tmp_path,
            lambda runs: runs[0].stats.heartbeats >= 10,
            settle_s=0,
        )
    assert run.stats.frames == 0
    assert run.stats.rejects == 0 and run.stats.garbage_bytes == 0
    assert run.stats.heartbeats >= 10
    assert len(run.stats.backoffs_s) >= 1
    assert run.stats.backoffs_s[1:2] == [] or run.stats.backoffs_s[1] >= 0.01  # never reset: no frame came


def test_one_broken_feed_never_stops_the_others(tmp_path: Path) -> None:
    with FeedServer(BEAST) as good, FeedServer(BEAST, faults=Faults(accept_then_close=True)) as bad:
        runs = run_feeds(
            [
                parse_feed_url(good.url + FAST),
                parse_feed_url(bad.url + FAST),
                parse_feed_url("beast://127.0.0.1:1" + FAST),
            ],
            tmp_path,
            lambda runs: good.stats.finished >= 1 and bad.stats.connections >= 2,
        )
    assert runs[0].stats.frames == 239
    assert runs[1].stats.frames == runs[2].stats.frames == 0
    assert runs[2].stats.last_error is not None and "127.0.0.1" not in runs[2].stats.last_error
