"""The web API on a real workspace and a real server on loopback, against the CLI's ``--json`` answers.

Every endpoint is asked what a CLI command answers and must give the same document (both call the same
``pipeline`` query). The server is uvicorn in a thread on 127.0.0.1 (port chosen by the OS).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from airpicture.cli.app import app as cli_app
from airpicture.model.settings import Settings, WebSettings
from airpicture.store import Workspace
from airpicture.store.api_keys import add_key, revoke_key
from airpicture.web.app import create_app
from airpicture.web.auth import PARTS
from tests.web.conftest import CLOCK, JULY_NIGHT


class Server:
    """uvicorn serving one app on a free loopback port, in a thread, stopped at the end."""

    def __init__(self, application: Any) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, access_log=False, log_level="error")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def serve(workspace: Workspace, settings: Settings) -> Server:
    return Server(create_app(workspace, settings, CLOCK))


@pytest.fixture(scope="module")
def open_server(web_workspace: tuple[Workspace, Settings]) -> Iterator[tuple[httpx.Client, Workspace, Settings]]:
    """Everything public, so each endpoint answers without a key."""
    workspace, settings = web_workspace
    settings = replace(settings, web=WebSettings(public=PARTS))
    with serve(workspace, settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield client, workspace, settings


def cli_json(settings: Settings, *args: str) -> Any:
    env = {"AIRPICTURE_WORKSPACE": str(settings.workspace),
           "AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(settings.reports.reporter_key_file)}  # fmt: skip
    done = CliRunner().invoke(cli_app, list(args), env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    text_out = "--out" in args or ("--json" not in args and "geojson" not in args)
    return done.stdout if text_out else json.loads(done.stdout)


def get(client: httpx.Client, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, (url, response.text[:500])
    return response.json()


def test_events_pages_equal_events_list(open_server) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    expected = cli_json(settings, "events", "list", "--json")
    pages, cursor = [], None
    while True:
        page = get(client, "/api/v1/events", limit=40, **({"cursor": cursor} if cursor else {}))
        pages.extend(page["events"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(expected) > 80 and pages == expected
    one_type = get(client, "/api/v1/events", type="orbit", day=JULY_NIGHT.isoformat(), limit=1000)["events"]
    assert one_type == cli_json(settings, "events", "list", "--type", "orbit", "--day", "2022-07-11", "--json")
    assert one_type and {e["type"] for e in one_type} == {"orbit"}


def test_event_with_evidence_equals_events_show(open_server) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    orbit = get(client, "/api/v1/events", type="orbit", limit=1)["events"][0]
    shown = get(client, f"/api/v1/events/{orbit['event_id']}")
    assert shown == cli_json(settings, "events", "show", orbit["event_id"], "--json")
    assert shown["evidence"] and shown["region"] == "belarus"
    assert client.get("/api/v1/events/ffffffffffff").status_code == 404


def test_claims_and_explain_equal_the_cli(open_server) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    claims = get(client, "/api/v1/claims")
    assert claims == cli_json(settings, "claims", "list", "--json") and claims
    corroborated = get(client, "/api/v1/claims", status="corroborated", day="2022-07-11")
    assert corroborated == cli_json(settings, "claims", "list", "--status", "corroborated", "--day", "2022-07-11",
                                    "--json")  # fmt: skip
    claim_id = claims[-1]["claim_id"]
    assert get(client, f"/api/v1/claims/{claim_id}") == cli_json(settings, "claims", "show", claim_id, "--json")
    lines = get(client, f"/api/v1/claims/{claim_id}/explain")["lines"]
    assert "\n".join(lines) + "\n" == cli_json(settings, "claims", "explain", claim_id)
    assert client.get("/api/v1/claims/c-nothere/explain").status_code == 404


def test_judgments_and_latest_equal_the_cli(open_server) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    listed = get(client, "/api/v1/judgments")
    assert listed == cli_json(settings, "judgments", "list", "--json") and listed
    latest = get(client, "/api/v1/judgments/latest")
    assert latest == cli_json(settings, "judgments", "show", listed[-1]["judgment_id"], "--json")
    assert latest["day"] == JULY_NIGHT.isoformat()


def test_tracks_equal_tracks_show(open_server) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    assert get(client, "/api/v1/tracks/14c5a9") == cli_json(settings, "tracks", "show", "14c5a9", "--json")
    later = get(client, "/api/v1/tracks/14c5a9", since="2022-07-01T00:00:00Z", points="true")
    assert [t["first_seen"][:10] for t in later] == ["2022-07-11"]
    points = later[0]["points"]
    assert len(points) == later[0]["n_fixes"] or len(points) > 1000
    assert all(p["lat_deg"] is not None for p in points)


def test_restrictions_equal_notam_active(open_server) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    at = "2022-07-11T19:00:00+00:00"
    collection = get(client, "/api/v1/restrictions", at=at)
    expected = cli_json(settings, "notam", "active", "--at", at, "--format", "geojson")
    assert collection["features"] == expected["features"] and collection["features"]
    near = get(client, "/api/v1/restrictions", at=at, near="BY-UA")["features"]
    assert (
        near == cli_json(settings, "notam", "active", "--at", at, "--near", "BY-UA", "--format", "geojson")["features"]
    )


def test_gnss_layer_equals_the_export(open_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, _, settings = open_server
    layer = get(client, "/api/v1/gnss", day="2022-07-11")
    out = tmp_path / "gnss.geojson"
    cli_json(settings, "export", "gnss", "--day", "2022-07-11", "--format", "geojson", "--out", str(out))
    exported = json.loads(out.read_text())
    assert [f["properties"]["cell"] for f in layer["features"]] == [
        f["properties"]["cell"] for f in exported["features"]
    ]
    assert layer["features"] and layer["features"][0]["geometry"]["type"] == "Polygon"


def test_report_json_and_html_are_the_stored_report(open_server) -> None:  # type: ignore[no-untyped-def]
    client, workspace, _ = open_server
    assert get(client, "/api/v1/reports") == {"days": ["2022-07-11"]}
    stored = workspace.root / "reports" / "airpicture-belarus-2022-07-11.json"
    assert get(client, "/api/v1/reports/2022-07-11") == json.loads(stored.read_text())
    html = client.get("/api/v1/reports/2022-07-11", params={"format": "html"})
    assert html.status_code == 200 and html.text == stored.with_suffix(".html").read_text()
    assert "script-src" not in html.headers["content-security-policy"]
    assert client.get("/api/v1/reports/2022-07-10").status_code == 404


def test_aircraft_picture_and_v2_shape(open_server) -> None:  # type: ignore[no-untyped-def]
    client, workspace, _ = open_server
    at = "2022-07-11T20:00:00+00:00"
    picture = get(client, "/api/v1/aircraft", at=at, window_s=60)
    with workspace.connect(read_only=True) as con:
        heard = con.execute(
            "SELECT count(DISTINCT icao24) FROM positions WHERE ts > CAST(? AS TIMESTAMPTZ) - INTERVAL 60 SECOND "
            "AND ts <= CAST(? AS TIMESTAMPTZ)",
            [at, at],
        ).fetchone()[0]
    assert picture["total"] == heard == len(picture["aircraft"]) and heard > 0
    a50 = [a for a in picture["aircraft"] if a["icao24"] == "14c5a9"]
    assert a50 and a50[0]["role"] == "AEW&C" and a50[0]["of_interest"] and a50[0]["registration"] == "RF-50601"
    box = get(client, "/api/v1/aircraft", at=at, bbox="51,27,53,30")["aircraft"]
    assert box and all(51 <= a["lat_deg"] <= 53 and 27 <= a["lon_deg"] <= 30 for a in box)
    watch = get(client, "/api/v1/aircraft", at=at, watchlist="true")["aircraft"]
    assert {a["icao24"] for a in watch} >= {"14c5a9"} and all(a["of_interest"] for a in watch)
    # /v2 reads the picture at the newest position: compare with /api/v1/aircraft at the same moment
    newest = get(client, "/api/v1/aircraft", military="true")
    mil = get(client, "/v2/mil")
    assert set(mil) >= {"ac", "msg", "now", "total", "ctime", "ptime"} and mil["total"] == newest["total"]
    allv2 = get(client, "/v2/point/53.0/28.0/250")
    for ac in allv2["ac"]:
        assert {"hex", "type", "seen", "dbFlags", "messages"} <= set(ac) and len(ac["hex"]) == 6
        assert get(client, f"/v2/hex/{ac['hex']}")["ac"] == [ac]
    assert client.get("/v2/point/53/28/251").status_code == 422


def test_receivers_show_pseudonym_labels_only(open_server) -> None:  # type: ignore[no-untyped-def]
    client, workspace, _ = open_server
    rows = get(client, "/api/v1/receivers")
    assert rows and all(r["receiver"].startswith("receiver-") and len(r["receiver"]) == 17 for r in rows)
    with workspace.connect(read_only=True) as con:
        files = con.execute("SELECT count(*) FROM ingested_files WHERE format LIKE '%beast%'").fetchone()[0]
    assert sum(r["files"] for r in rows) == files
    text = json.dumps(rows)
    assert "sim" not in text and "/" not in text.replace("messages_per_s", "")  # no file names or paths


def write_from_another_process(workspace: Workspace, sql: str) -> None:
    """A writer in its own process, as ``airpicture run`` or the live driver would be (DuckDB allows one
    configuration per file in a process, and the server's readers are open in this one)."""
    code = "import sys; from pathlib import Path; from airpicture.store import Workspace\n" \
           "with Workspace.open(Path(sys.argv[1])).connect() as con: con.execute(sys.argv[2])"  # fmt: skip
    subprocess.run([sys.executable, "-c", code, str(workspace.root), sql], check=True, timeout=120,
                   env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")})  # fmt: skip


def test_stream_sends_an_event_inserted_into_the_workspace(web_workspace) -> None:  # type: ignore[no-untyped-def]
    """SSE from the workspace tail: a new event row appears as an ``event`` message. (With a replayed live
    feed, issue 14, the live driver publishes to the same hub; not tested here.)"""
    workspace, settings = web_workspace
    settings = replace(settings, web=WebSettings(public=PARTS))
    application = create_app(workspace, settings, CLOCK)
    application.state.hub.poll_s = 0.2
    with (
        Server(application) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
        client.stream("GET", "/api/v1/stream") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines).startswith(": airpicture stream")
        write_from_another_process(
            workspace,
            "INSERT INTO events SELECT 'ssetest0000000001', type, start_ts, end_ts, day, region, detector, "
            "detector_version, icao24, role, geometry, subjects, attributes, flags, evidence FROM events "
            "WHERE type = 'orbit' LIMIT 1",
        )
        try:
            seen: list[str] = []
            for line in lines:
                seen.append(line)
                if line.startswith("data:") and "ssetest0000000001" in line:
                    break
            assert "event: event" in seen
            message = json.loads(seen[-1][len("data:") :])
            assert message["type"] == "orbit" and message["event_id"] == "ssetest0000000001"
        finally:
            write_from_another_process(workspace, "DELETE FROM events WHERE event_id = 'ssetest0000000001'")


def test_keys_and_scopes(web_workspace) -> None:  # type: ignore[no-untyped-def]
    """Default settings: the picture is public, events are not; a read key reads, is refused admin; a
    revoked key is refused; only the key's hash is in the database."""
    workspace, settings = web_workspace
    with workspace.connect() as con:
        read_key, read_record = add_key(con, "tests: reader", "read", CLOCK.now())
        admin_key, _ = add_key(con, "tests: admin", "admin", CLOCK.now())
    try:
        with serve(workspace, settings) as server, httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.get("/api/v1/aircraft").status_code == 200
            assert client.get("/v2/mil").status_code == 200
            assert client.get("/api/v1/events").status_code == 401
            assert client.get("/api/v1/events", headers={"X-API-Key": "ap_wrong"}).status_code == 401
            assert client.get("/api/v1/events", headers={"X-API-Key": read_key}).status_code == 200
            assert client.get("/api/v1/claims", headers={"Authorization": f"Bearer {read_key}"}).status_code == 200
            assert client.get("/api/v1/keys", headers={"X-API-Key": read_key}).status_code == 403
            listed = client.get("/api/v1/keys", headers={"X-API-Key": admin_key})
            assert listed.status_code == 200 and read_key not in listed.text
            with workspace.connect() as con:
                revoke_key(con, read_record.key_id, CLOCK.now())
            assert client.get("/api/v1/events", headers={"X-API-Key": read_key}).status_code == 401
        with workspace.connect(read_only=True) as con:
            stored = con.execute("SELECT * FROM api_keys").fetchall()
        assert read_key not in repr(stored) and admin_key not in repr(stored)
    finally:
        with workspace.connect() as con:
            con.execute("DELETE FROM api_keys")


def test_keys_cli_add_list_revoke(web_workspace) -> None:  # type: ignore[no-untyped-def]
    _, settings = web_workspace
    added = cli_json(settings, "serve", "keys", "add", "tests: cli", "--scope", "write", "--json")
    assert added["key"].startswith("ap_") and added["scope"] == "write"
    listed = cli_json(settings, "serve", "keys", "list", "--json")
    assert [k["key_id"] for k in listed] == [added["key_id"]] and added["key"] not in json.dumps(listed)
    cli_json(settings, "serve", "keys", "revoke", added["key_id"])
    assert cli_json(settings, "serve", "keys", "list", "--json")[0]["revoked_at"] is not None
    Workspace.open(settings.workspace)
    with Workspace.open(settings.workspace).connect() as con:
        con.execute("DELETE FROM api_keys")
