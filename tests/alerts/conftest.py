"""Fixtures for the alert tests: a workspace, reference-night events, and fake services on loopback.

The fake services are real HTTP servers (``http.server`` on 127.0.0.1, a thread each) that record every
request and answer in the service's own shape: Telegram Bot API (``{"ok": true, "result": {...}}``, a 429 as
``{"ok": false, "error_code": 429, "parameters": {"retry_after": N}}``), Mastodon (``/api/v2/media``,
``/api/v1/statuses`` honouring ``Idempotency-Key`` as Mastodon does), ntfy (``{"id", "time", "event":
"message", ...}``) and a generic webhook (``204``). A test queues special replies with ``fake.queue(...)``.
"""

from __future__ import annotations

import email.parser
import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.model.settings import Settings, load_settings
from airpicture.store import Workspace
from airpicture.testing import FixedClock

NIGHT = datetime(2022, 7, 11, 21, 14, tzinfo=UTC)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        """A multipart or urlencoded form body as {name: [values]} (file parts as their bytes' length)."""
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            from urllib.parse import parse_qs

            return parse_qs(self.body.decode())
        msg = email.parser.BytesParser().parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self.body)
        out: dict[str, list[str]] = {}
        for part in msg.get_payload():  # type: ignore[union-attr]
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            value = f"<{len(payload)} bytes>" if part.get_filename() else payload.decode()
            out.setdefault(str(name), []).append(value)
        return out


@dataclass
class FakeService:
    """One fake service: ``requests`` holds every request received; ``queue(status, body, headers)`` makes the
    next replies special (e.g. a 429); otherwise ``answer(request)`` replies as the real service would."""

    answer: Callable[[FakeService, Recorded], tuple[int, dict[str, str], bytes]]
    requests: list[Recorded] = field(default_factory=list)
    queued: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    url: str = ""

    def queue(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.queued.append((status, {"Content-Type": "application/json", **(headers or {})}, raw))


def _serve(service: FakeService) -> Iterator[FakeService]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            rec = Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            service.requests.append(rec)
            status, headers, body = service.queued.pop(0) if service.queued else service.answer(service, rec)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # no request logs (and never an address)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _ok(obj: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(obj).encode()


_ids = itertools.count(100)


def telegram_answer(service: FakeService, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
    if not rec.path.endswith(("/sendMessage", "/sendPhoto")):
        return _ok({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
    return _ok({"ok": True, "result": {"message_id": next(_ids), "chat": {"id": -1001, "type": "channel"}}})


def mastodon_answer(service: FakeService, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
    if rec.path == "/api/v2/media":
        return _ok({"id": str(next(_ids)), "type": "image", "url": None}, 202)
    if rec.path == "/api/v1/statuses":
        key = rec.headers.get("idempotency-key", "")
        statuses = service.state.setdefault("statuses", {})
        if key and key in statuses:  # Mastodon returns the status already made for this key
            return _ok(statuses[key])
        status = {"id": str(next(_ids)), "content": rec.form().get("status", [""])[0], "visibility": "public"}
        if key:
            statuses[key] = status
        service.state.setdefault("created", []).append(status)
        return _ok(status)
    return _ok({"error": "Record not found"}, 404)


def ntfy_answer(service: FakeService, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
    topic = rec.path.strip("/")
    return _ok({"id": f"m{next(_ids)}", "time": 1657574040, "event": "message", "topic": topic,
                "message": rec.body.decode()})  # fmt: skip


def webhook_answer(service: FakeService, rec: Recorded) -> tuple[int, dict[str, str], bytes]:
    return 204, {}, b""


@pytest.fixture
def telegram() -> Iterator[FakeService]:
    yield from _serve(FakeService(telegram_answer))


@pytest.fixture
def mastodon() -> Iterator[FakeService]:
    yield from _serve(FakeService(mastodon_answer))


@pytest.fixture
def ntfy() -> Iterator[FakeService]:
    yield from _serve(FakeService(ntfy_answer))


@pytest.fixture
def webhook() -> Iterator[FakeService]:
    yield from _serve(FakeService(webhook_answer))


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2022, 7, 11, 21, 20, tzinfo=UTC))


def make_settings(tmp_path: Path, rules: list[dict[str, Any]], **flat: Any) -> Settings:
    """Settings from a real TOML file (``[[alerts.rules]]`` tables) plus dotted overrides."""
    lines = []
    for rule in rules:
        lines.append("[[alerts.rules]]")
        for k, v in rule.items():
            lines.append(f"{k} = {json.dumps(v)}")
    path = tmp_path / "airpicture.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    overrides = {"workspace": tmp_path / "ws", "reports.reporter_key_file": tmp_path / "keys" / "k", **flat}
    return load_settings(path, {}, overrides, required=True)


def a50_entry(start: datetime = NIGHT, icao24: str = "15b0c1", region: str = "belarus") -> Event:
    """The reference night's A-50 entering Belarusian airspace from Russia (airspace detector shape)."""
    return Event(
        type="airspace_entry",
        start=start,
        end=start,
        detector="airspace",
        detector_version=1,
        geometry=json.dumps({"type": "Point", "coordinates": [31.7, 52.35]}),
        subjects=(Subject(icao24=icao24, registration="RF-50608", type_code="A50", role="AEW&C"),),
        attributes={"from_country": "RU", "to_country": "BY", "centre_lat_deg": 52.35, "centre_lon_deg": 31.7},
        evidence=(Evidence(EvidenceKind.POSITION, "ab" * 32, 4096, "crossing"),),
        region=region,
    )


def restriction_event(start: datetime = NIGHT, notam: str = "A1234/22") -> Event:
    return Event(
        type="restriction_appeared",
        start=start,
        end=start,
        detector="restrictions",
        detector_version=1,
        geometry=json.dumps({"type": "Point", "coordinates": [27.9, 51.6]}),
        subjects=(Subject(name=notam),),
        attributes={
            "notam_id": notam,
            "valid_from": "2022-07-11T20:00:00+00:00",
            "valid_to": "2022-07-12T04:00:00+00:00",
            "distance_km": 12.0,
            "border": "BY-UA",
        },
        evidence=(Evidence(EvidenceKind.NOTAM, notam, 0),),
        region="belarus",
    )
