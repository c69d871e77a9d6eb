"""The generated torrc passes ``tor --verify-config`` offline; the unix-socket listener serves; batches
carried as files round-trip into the workspace and are deleted on the server after the ack (issue 16)."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from airpicture.intake.batches import BATCH_GLOB, apply_acks, export_batch
from airpicture.intake.db import IntakeDatabase
from airpicture.intake.sealing import write_key_file
from airpicture.intake.torrc import render_torrc
from airpicture.model.clock import FixedClock
from airpicture.model.settings import IntakeSettings, load_settings
from airpicture.pipeline.intake_pull import pull
from airpicture.pipeline.reports import load_reporter_key
from airpicture.store import Workspace
from tests.intake.conftest import planted_jpeg, report_body

REQUIRE = "AIRPICTURE_REQUIRE_TOR"
MISSING = "tor not found: apt-get install tor (the torrc check runs 'tor --verify-config')"


def _tor() -> str:
    found = shutil.which("tor") or next((p for p in ("/usr/sbin/tor", "/usr/bin/tor") if Path(p).exists()), None)
    if found is None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{MISSING} ({REQUIRE}=1: CI must run this check, not skip it)")
        pytest.skip(MISSING)
    return found


def test_generated_torrc_passes_tor_verify_config(tmp_path: Path) -> None:
    tor = _tor()
    torrc = tmp_path / "torrc"
    torrc.write_text(
        render_torrc(socket_path=tmp_path / "intake.sock", hidden_service_dir=tmp_path / "hs", data_dir=tmp_path / "d")
    )
    done = subprocess.run([tor, "--verify-config", "-f", str(torrc)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Configuration was valid" in done.stdout
    text = torrc.read_text()
    assert "SafeLogging 1" in text and "HiddenServicePoWDefensesEnabled 1" in text and " unix:" in text
    broken = tmp_path / "broken"
    broken.write_text(text.replace("HiddenServicePort 80 unix:", 'HiddenServicePort 80 unix:"') + "Bogus 1\n")
    assert subprocess.run([tor, "--verify-config", "-f", str(broken)], capture_output=True, timeout=60).returncode


def test_serve_listens_on_a_unix_socket(tmp_path: Path, keypair: tuple[bytes, bytes]) -> None:
    write_key_file(tmp_path / "intake.pub", keypair[1], private=False)
    socket_path = tmp_path / "run" / "intake.sock"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join(sys.path),
        "AIRPICTURE_INTAKE__DATA_DIR": str(tmp_path / "data"),
        "AIRPICTURE_INTAKE__SOCKET_PATH": str(socket_path),
        "AIRPICTURE_INTAKE__PUBLIC_KEY_FILE": str(tmp_path / "intake.pub"),
    }
    server = subprocess.Popen([sys.executable, "-m", "airpicture", "intake", "serve"], env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        with httpx.Client(transport=httpx.HTTPTransport(uds=str(socket_path)), base_url="http://onion") as client:
            assert client.get("/be").status_code == 200
            assert client.post("/api/v1/tokens").status_code == 201
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def test_batches_carried_as_files_round_trip_and_are_deleted_after_the_ack(
    tmp_path: Path, client: TestClient, intake_settings: IntakeSettings, keypair: tuple[bytes, bytes]
) -> None:
    token = client.post("/api/v1/tokens").json()["token"]
    photo = base64.b64encode(planted_jpeg()).decode()
    bodies = [
        report_body(token, text="first: one helicopter", photos=[photo]),
        report_body(token, text="second: a drone", category="drone", lat_deg=52.4, lon_deg=30.9),
        report_body(token, text="third: an explosion", category="explosion", how_known="second-hand"),
    ]
    for body in bodies:
        assert client.post("/api/v1/reports", json=body).status_code == 201
    carried = tmp_path / "carried"
    database = IntakeDatabase(intake_settings.data_dir / "intake.sqlite3")
    assert export_batch(database, carried, 2) is not None and export_batch(database, carried, 2) is not None
    assert export_batch(database, carried, 2) is None  # everything pending is in a batch file already
    assert len(list(carried.glob(BATCH_GLOB))) == 2

    settings = load_settings(None, {}, {"workspace": tmp_path / "ws", "reports.reporter_key_file": tmp_path / "k"})
    workspace = Workspace.init(tmp_path / "ws")
    key = load_reporter_key(settings.reports.reporter_key_file, workspace.root)
    clock = FixedClock(datetime(2022, 7, 12, 6, 0, tzinfo=UTC))
    (carried / "intake-batch-damaged.json").write_bytes(b'{"reports": [{"report_id": 1}]')
    result = pull(workspace, str(carried), settings, clock, key, keypair[0])
    assert (result.pulled, result.imported, result.rejected, result.unopened) == (3, 3, 0, 0)
    assert result.errors == ["intake-batch-damaged.json: not an intake batch file, skipped (kept, not acknowledged)"]
    (carried / "intake-batch-damaged.json").unlink()
    assert sorted(row["text"] for row, _ in result.opened) == sorted(str(b["text"]) for b in bodies)
    again = pull(workspace, str(carried), settings, clock, key, keypair[0])  # a second pull stores nothing new
    assert again.imported == 3
    with workspace.connect(read_only=True) as con:
        stored = con.execute("SELECT text, category, how_known FROM reports ORDER BY text").fetchall()
    assert stored == [
        ("first: one helicopter", "helicopter", "direct"),
        ("second: a drone", "drone", "direct"),
        ("third: an explosion", "explosion", "second-hand"),
    ]
    assert database.pending() == 3  # nothing is deleted before the server applies the acks
    with sqlite3.connect(intake_settings.data_dir / "intake.sqlite3") as con:
        sealed = [bytes(r[0]) for r in con.execute("SELECT sealed FROM sealed_report")]
    assert all(box[16:48] in (intake_settings.data_dir / "intake.sqlite3").read_bytes() for box in sealed)
    assert apply_acks(database, carried).deleted == 3
    assert database.pending() == 0 and list(carried.iterdir()) == []
    database.close()
    raw = (intake_settings.data_dir / "intake.sqlite3").read_bytes()
    assert all(box[16:48] not in raw for box in sealed), "a deleted report left residue (freed pages)"
    assert not [p for p in intake_settings.data_dir.iterdir() if p.name.endswith(("-wal", "-journal", "-shm"))]
