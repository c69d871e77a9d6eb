"""``replay:`` gives ingest's own rows and file id; aircraft.json polling uses conditional GET (304)."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from airpicture.sources.adsb._common import hash_file
from airpicture.sources.live import parse_feed_url
from tests.live.feeds.support import DATA, file_chunks_table, run_feeds


@pytest.mark.parametrize(
    ("name", "column", "speed"),
    [
        ("sample_dump1090.bin", "frames", "0"),
        ("sample_dump1090.bin", "frames", "200"),
        ("tutorial_head.sbs", "positions", "0"),
    ],
)
def test_replay_gives_ingests_rows_file_id_and_offsets(name: str, column: str, speed: str, tmp_path: Path) -> None:
    path = DATA / name
    spec = parse_feed_url(f"replay:{path}?speed={speed}=night-rig")
    (run,) = run_feeds([spec], tmp_path, lambda runs: runs[0].stats.ended, receivers=["pseudo-1"], start=None)
    file_id, expected = file_chunks_table(path, column, start=None)
    assert {b.stream_id for b in run.batches} == {file_id} == {hash_file(path)}
    assert {b.receiver for b in run.batches} == {"pseudo-1"}
    got = run.table(column)
    assert got is not None and got.equals(expected)
    received = [b.received_at for b in run.batches]
    assert received == sorted(received)


class _AircraftJson(BaseHTTPRequestHandler):
    body = (DATA / "aircraft_tutorial.json").read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    requests: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        sent = self.headers.get("If-None-Match")
        type(self).requests.append(sent)
        if sent == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", self.etag)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:  # no addresses in the test log either
        pass


def test_aircraft_json_polling_with_304(tmp_path: Path) -> None:
    _AircraftJson.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AircraftJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/data/aircraft.json?interval_s=0.05=roof"
        (run,) = run_feeds([parse_feed_url(url)], tmp_path, lambda runs: runs[0].stats.not_modified >= 3, start=None)
    finally:
        server.shutdown()
        server.server_close()
    assert _AircraftJson.requests[0] is None and set(_AircraftJson.requests[1:]) == {_AircraftJson.etag}
    file_id, expected = file_chunks_table(DATA / "aircraft_tutorial.json", "positions", start=None)
    assert {b.stream_id for b in run.batches} == {file_id}  # the body's hash: what ingest of it records
    got = run.table("positions")
    assert got is not None and got.equals(expected)  # parsed once: the 304s cost nothing
    archived = list((tmp_path / "unnamed" / "aircraft-json").glob("*.json.zst"))
    assert [p.name for p in archived] == [f"{file_id}.json.zst"]
