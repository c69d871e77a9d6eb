"""readsb's 0xE3 receiver id: never archived in clear, never handed on in clear."""

from __future__ import annotations

import itertools
from pathlib import Path

from airpicture.simulate.feed_server import FeedServer
from airpicture.sources.adsb.beast import BeastParser
from airpicture.sources.live import parse_feed_url
from airpicture.sources.live.archive import UNNAMED, read_stream
from tests.live.feeds.support import DATA, run_feeds

RECEIVER_ID = bytes.fromhex("c0ffee1a5eed1a42")  # two 0x1A bytes: sent escaped


def _with_ids(tmp_path: Path) -> Path:
    """The bundled Beast recording with an 0xE3 receiver-id record before every frame, as readsb sends."""
    data = (DATA / "sample_dump1090.bin").read_bytes()
    parsed = BeastParser().feed(data, 0, last=True)
    starts = [*parsed.offsets, len(data)]
    record_id = b"\x1a\xe3" + RECEIVER_ID.replace(b"\x1a", b"\x1a\x1a")
    out = b"".join(record_id + data[a:b] for a, b in itertools.pairwise(starts))
    path = tmp_path / "with_ids.beast"
    path.write_bytes(out)
    return path


def test_receiver_ids_are_redacted_in_the_archive_and_dropped_from_frames(tmp_path: Path) -> None:
    recording = _with_ids(tmp_path)
    archive = tmp_path / "archive"
    with FeedServer(recording) as server:
        (run,) = run_feeds([parse_feed_url(server.url)], archive, lambda runs: server.stats.finished >= 1)
    frames = run.table()
    assert frames is not None and frames.num_rows == 239
    assert frames.column("receiver").null_count == 239  # no pseudonymiser given: ids dropped, never in clear
    (stream,) = (archive / UNNAMED).iterdir()
    kept = read_stream(stream)
    assert len(kept) == recording.stat().st_size  # every offset still points at its record
    assert RECEIVER_ID[:3] not in kept and RECEIVER_ID[-3:] not in kept
    again = BeastParser().feed(kept, 0, last=True)
    assert again.offsets == list(frames.column("source_offset").to_pylist())
