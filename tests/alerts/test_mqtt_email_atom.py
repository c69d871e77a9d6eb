"""MQTT against a real mosquitto on loopback (QoS 1, topic per rule, JSON in the event schema), e-mail against
aiosmtpd with STARTTLS, the Atom feed read back with feedparser (stable ids, no duplicate entry on resend)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from airpicture.pipeline.alerts import alert_on
from airpicture.pipeline.alerts_delivery import deliver, list_outbox
from airpicture.store import Workspace
from airpicture.testing import FixedClock
from tests.alerts.conftest import a50_entry, make_settings, restriction_event

MOSQUITTO = "/usr/sbin/mosquitto"
REQUIRE_MQTT = "AIRPICTURE_REQUIRE_MQTT"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    """A real mosquitto on 127.0.0.1 (Debian package ``mosquitto``), stopped after the test."""
    binary = MOSQUITTO if os.path.exists(MOSQUITTO) else shutil.which("mosquitto")
    if binary is None:
        if os.environ.get(REQUIRE_MQTT) == "1":
            pytest.fail(f"mosquitto not found ({REQUIRE_MQTT}=1: CI must run the MQTT test)")
        pytest.skip("needs mosquitto (apt-get install mosquitto)")
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8")
    proc = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def test_mqtt_qos1_topic_per_rule_event_schema(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, broker: int
) -> None:
    got: list[mqtt.MQTTMessage] = []
    ready = threading.Event()
    sub = mqtt.Client(CallbackAPIVersion.VERSION2)
    sub.on_connect = lambda c, *_: c.subscribe("airpicture/alerts/#", qos=1)
    sub.on_subscribe = lambda *_: ready.set()
    sub.on_message = lambda _c, _u, m: got.append(m)
    sub.connect("127.0.0.1", broker)
    sub.loop_start()
    try:
        assert ready.wait(10)
        settings = make_settings(
            tmp_path,
            [{"name": "aew-entered", "types": ["airspace_entry"], "channels": ["mqtt"]},
             {"name": "border/restrictions", "types": ["restriction_appeared"], "channels": ["mqtt"]}],
            **{"alerts.channels.mqtt.host": "127.0.0.1", "alerts.channels.mqtt.port": broker},
        )  # fmt: skip
        alert_on(workspace, settings, clock, [a50_entry(), restriction_event()])
        assert deliver(workspace, settings, clock).sent == 2
        for _ in range(100):
            if len(got) == 2:
                break
            time.sleep(0.05)
    finally:
        sub.loop_stop()
        sub.disconnect()
    by_topic = {m.topic: m for m in got}
    assert set(by_topic) == {"airpicture/alerts/aew-entered", "airpicture/alerts/border_restrictions"}
    assert all(m.qos == 1 for m in got)
    data = json.loads(by_topic["airpicture/alerts/aew-entered"].payload)
    event = data["event"]
    assert event["type"] == "airspace_entry" and event["icao24"] == "15b0c1" and event["role"] == "AEW&C"
    assert event["subjects"][0]["registration"] == "RF-50608" and event["evidence"][0]["kind"] == "position"
    assert data["status"] == "reported" and data["alert_id"] == list_outbox(workspace)[0].alert_id


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, list[Any], Path]]:
    """aiosmtpd on loopback that requires STARTTLS (a self-signed certificate made with ``openssl``)."""
    from aiosmtpd.controller import Controller

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs openssl (apt-get install openssl) to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append((envelope, session.ssl is not None))
            return "250 OK"

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=_free_port(), tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        yield controller.port, received, cert
    finally:
        controller.stop()


def test_email_starttls(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, smtp_server: tuple[int, list[Any], Path]
) -> None:
    port, received, cert = smtp_server
    settings = make_settings(
        tmp_path, [{"name": "aew-entered", "types": ["airspace_entry"], "channels": ["email"]}],
        **{"alerts.channels.email.host": "127.0.0.1", "alerts.channels.email.port": port,
           "alerts.channels.email.sender": "alerts@group.example",
           "alerts.channels.email.recipients": ("desk@group.example",),
           "alerts.channels.email.ca_file": cert},
    )  # fmt: skip
    alert_on(workspace, settings, clock, [a50_entry()])
    assert deliver(workspace, settings, clock).sent == 1
    ((envelope, over_tls),) = received
    assert over_tls and envelope.rcpt_tos == ["desk@group.example"]
    text = envelope.content.decode()
    assert "Subject: aew-entered: airspace entry" in text and "entered Belarusian airspace from Russia" in text
    assert f"Message-ID: <{list_outbox(workspace)[0].alert_id}@group.example>" in text


def test_atom_feed_stable_ids_no_duplicates(tmp_path: Path, workspace: Workspace, clock: FixedClock) -> None:
    feed = tmp_path / "public" / "alerts.atom"
    settings = make_settings(
        tmp_path, [{"name": "aew-entered", "types": ["airspace_entry"], "channels": ["atom"], "coarsen_km": 50}],
        **{"alerts.channels.atom.path": feed},
    )  # fmt: skip
    alert_on(workspace, settings, clock, [a50_entry(), a50_entry(icao24="15b0c2")])
    for draft in list_outbox(workspace, ("awaiting_approval",)):  # the public feed: approval by default
        from airpicture.pipeline.alerts_delivery import approve

        approve(workspace, clock, draft.alert_id)
    assert deliver(workspace, settings, clock).sent == 2
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 2
    ids = {e.id for e in parsed.entries}
    assert ids == {f"urn:airpicture:alert:{r.alert_id}" for r in list_outbox(workspace)}
    # the same alert written again (a resend after a crash) replaces its entry
    from airpicture.alerts.channels.atom import AtomChannel
    from airpicture.alerts.message import Message

    clock.advance(timedelta(minutes=1))
    again = Message(list_outbox(workspace)[0].alert_id, "aew-entered", "t", "x", {"sent_at": clock.now().isoformat()})
    assert AtomChannel(feed).send(again).ok
    assert len(feedparser.parse(feed.read_bytes()).entries) == 2
