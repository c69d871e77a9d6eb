"""The seized intake server (issue 16): the real server in a subprocess at DEBUG, reports sent from another
loopback address (127.0.0.2) with identifying headers planted, a token, text, coordinates and photo EXIF;
then every byte the server side holds — database, journal, data folder, logs, crash output (SIGABRT with
faulthandler), temp folder, working folder — is scanned, before and after the analyst pulls and the rows
are deleted (freed pages included: the raw database file is scanned). No planted string, no private key.
The analyst's pull over HTTP recovers every report exactly.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from airpicture.intake.media import clean_photo
from airpicture.intake.sealing import generate_keypair, write_key_file
from airpicture.model.clock import FixedClock
from airpicture.model.settings import load_settings
from airpicture.pipeline.intake_pull import PullResult, pull
from airpicture.pipeline.reports import load_reporter_key
from airpicture.store import Workspace
from tests.intake.conftest import EXIF_PLANTED, planted_jpeg

CLIENT_IP = "127.0.0.2"
HEADERS = {
    "X-Forwarded-For": "203.0.113.77",
    "User-Agent": "PlantedAgent/9.9 (X11; planted-ua)",
    "Referer": "http://referer-planted.example/page",
    "Accept-Language": "xx-PLANTEDLANG",
}
TEXT = "PLANTEDTEXT helicopters low over the river"
FORM_TEXT = "FORMPLANTED two drones heading north"
LAT, LON = "52.123456", "29.654321"


def _encodings(token: str) -> list[bytes]:
    raw = token.lower().encode()
    return [raw, token.lower().encode("utf-16-le"), token.lower().encode("utf-16-be"), raw.hex().encode()]


def _hits(blob: bytes, tokens: list[str]) -> list[str]:
    lowered = blob.lower()
    return [t for t in tokens if any(e in lowered for e in _encodings(t))]


def _server_side(folders: list[Path]) -> bytes:
    return b"".join(p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the intake server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the intake server did not start within 60 s")


def test_seized_intake_server_reveals_no_contributor(tmp_path: Path) -> None:
    server_dir, analyst_dir = tmp_path / "server", tmp_path / "analyst"
    data_dir, server_tmp, cwd, logs = (server_dir / n for n in ("data", "tmp", "cwd", "logs"))
    for folder in (server_tmp, cwd, logs):
        folder.mkdir(parents=True)
    private, public = generate_keypair()
    write_key_file(server_dir / "intake.pub", public, private=False)
    write_key_file(analyst_dir / "intake.key", private, private=True)
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "HOME": str(server_dir),
        "TMPDIR": str(server_tmp),
        "PYTHONFAULTHANDLER": "1",
        "AIRPICTURE_LOG_LEVEL": "debug",
        "AIRPICTURE_INTAKE__DATA_DIR": str(data_dir),
        "AIRPICTURE_INTAKE__PUBLIC_KEY_FILE": str(server_dir / "intake.pub"),
        "AIRPICTURE_INTAKE__MAX_BODY_BYTES": "3000000",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    with (logs / "stdout.log").open("wb") as out, (logs / "stderr.log").open("wb") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "airpicture", "-vv", "intake", "serve", "--tcp-port", str(port)],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
        )
        try:
            _wait(port, server)
            planted, sent = _send_reports(port)
            db_file = data_dir / "intake.sqlite3"
            with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as con:
                sealed = [bytes(r[0]) for r in con.execute("SELECT sealed FROM sealed_report")]
            assert len(sealed) == 2
            before = _server_side([server_dir])
            assert all(box[16:48] in before for box in sealed)  # control: the scan sees the stored rows
            assert _hits(before, planted) == []
            assert private not in before and private.hex().encode() not in before

            result, workspace = _pull(tmp_path, f"http://127.0.0.1:{port}", analyst_dir / "intake.key")
            assert (result.pulled, result.imported, result.deleted, result.unopened) == (2, 2, 2, 0)
            _check_round_trip(result, workspace, sent)
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGABRT)  # crash output: faulthandler dumps every thread's stack
            server.wait(timeout=30)
    crash = (logs / "stderr.log").read_bytes()
    assert b"Fatal Python error" in crash and b"report sealed" in crash  # it crashed, and it logged at DEBUG
    after = _server_side([server_dir])
    assert _hits(after, planted) == [], "a planted identifier survived on the seized server"
    assert all(box[16:48] not in after for box in sealed), "a deleted report left residue (freed pages)"
    assert private not in after and private.hex().encode() not in after
    assert not list(cwd.glob("core*")) and list(server_tmp.iterdir()) == []


def _send_reports(port: int) -> tuple[list[str], list[dict[str, object]]]:
    transport = httpx.HTTPTransport(local_address=CLIENT_IP)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", transport=transport, headers=HEADERS) as client:
        token = client.post("/api/v1/tokens").json()["token"]
        photo = planted_jpeg()
        body: dict[str, object] = {
            "token": token,
            "category": "helicopter",
            "observed_at": "2022-07-11T23:40+03:00",
            "time_precision_min": 15,
            "lat_deg": float(LAT),
            "lon_deg": float(LON),
            "place_precision_km": 0.1,
            "how_known": "direct",
            "text": TEXT,
            "photos": [base64.b64encode(photo).decode()],
        }
        assert client.post("/api/v1/reports", json=body).status_code == 201
        form = {"token": token, "category": "drone", "date": "2022-07-11", "time": "23:55", "utc_offset": "+03:00",
                "time_precision_min": "5", "place_name": "Mazyr", "place_precision_km": "5",
                "how_known": "second-hand", "text": FORM_TEXT}  # fmt: skip
        files = [("photos", ("IMG_PLANTED.jpg", photo, "image/jpeg"))]
        assert client.post("/ru/report", data=form, files=files).status_code == 201
        # refusals with planted values: none of them may be stored or logged
        assert client.post("/api/v1/reports", json={**body, "token": "PLANTEDBOGUS-77"}).status_code == 401
        assert client.post("/api/v1/reports", json={**body, "category": "PLANTEDCAT"}).status_code == 422
        big = {**body, "text": "PLANTEDBIG " + "x" * 3_100_000}
        assert client.post("/api/v1/reports", json=big).status_code == 413
    planted = [CLIENT_IP, *HEADERS.values(), "planted-ua", token, token.replace("-", ""), TEXT, FORM_TEXT, LAT,
               LON, "52.1235", "29.6543", "PLANTEDBOGUS", "PLANTEDCAT", "PLANTEDBIG", "IMG_PLANTED",
               *EXIF_PLANTED.values()]  # fmt: skip
    cleaned = clean_photo(photo, max_bytes=10_000_000, max_pixels=40_000_000).data
    sent: list[dict[str, object]] = [
        {"category": "helicopter", "time": "2022-07-11T20:40:00Z", "time_precision": "15", "lat": "52.1235",
         "lon": "29.6543", "accuracy_km": "0.1", "how_known": "direct", "text": TEXT, "photo": cleaned},
        {"category": "drone", "time": "2022-07-11T20:55:00Z", "time_precision": "5", "place": "Mazyr",
         "accuracy_km": "5", "how_known": "second-hand", "text": FORM_TEXT, "photo": cleaned},
    ]  # fmt: skip
    return planted, sent


def _pull(tmp_path: Path, url: str, private_key_file: Path) -> tuple[PullResult, Workspace]:
    from airpicture.intake.sealing import read_key_file

    settings = load_settings(
        None,
        {},
        {
            "workspace": tmp_path / "ws",
            "reports.reporter_key_file": tmp_path / "keys" / "reporter.key",
            "intake.pull_batch_size": 1,  # two batches: the pull loops, proving once
        },
    )
    workspace = Workspace.init(tmp_path / "ws")
    key = load_reporter_key(settings.reports.reporter_key_file, workspace.root)
    clock = FixedClock(datetime(2022, 7, 12, 6, 0, tzinfo=UTC))
    return pull(workspace, url, settings, clock, key, read_key_file(private_key_file)), workspace


def _check_round_trip(result: PullResult, workspace: Workspace, sent: list[dict[str, object]]) -> None:
    opened = sorted(result.opened, key=lambda item: item[0]["category"])
    expected = sorted(sent, key=lambda item: str(item["category"]))
    pseudonyms = set()
    for (row, photos), want in zip(opened, expected, strict=True):
        [(name, data)] = photos.items()
        assert data == want["photo"] and row["media"] == name
        pseudonyms.add(row.pop("reporter_token"))
        assert {k: v for k, v in row.items() if k != "media"} == {k: v for k, v in want.items() if k != "photo"}
    assert len(pseudonyms) == 1  # both from one codename: one pseudonym
    with workspace.connect(read_only=True) as con:
        stored = con.execute(
            "SELECT category, observed_at, time_precision_min, lat_deg, lon_deg, place_name, text, how_known, "
            "reporter_hash, media FROM reports ORDER BY category"
        ).fetchall()
    assert [(r[0], r[2], r[6], r[7]) for r in stored] == [
        ("drone", 5.0, FORM_TEXT, "second-hand"),
        ("helicopter", 15.0, TEXT, "direct"),
    ]
    assert stored[1][3:5] == (52.1235, 29.6543) and stored[0][5] is not None
    assert stored[0][8] == stored[1][8] and stored[0][8] is not None  # one reporter, keyed again
    assert stored[0][9] == stored[1][9] != "[]"  # the same stripped photo, stored once
