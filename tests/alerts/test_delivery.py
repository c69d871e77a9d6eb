"""The outbox against fake services on loopback: Retry-After honoured, no duplicate across crash + retry, no
flood after a restart, approval with edit and rejection, length limits, the webhook's HMAC signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pytest

from airpicture.alerts.channels.http import MastodonChannel
from airpicture.alerts.message import Message
from airpicture.pipeline.alerts import alert_on
from airpicture.pipeline.alerts_delivery import approve, build_channels, deliver, list_outbox, reject, send_test
from airpicture.store import Workspace
from airpicture.testing import FixedClock
from tests.alerts.conftest import NIGHT, FakeService, a50_entry, make_settings, restriction_event

AEW = {"name": "aew-entered", "types": ["airspace_entry"], "role": "AEW&C"}


def telegram_settings(tmp_path: Path, telegram: FakeService, **rule: object):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path, [{**AEW, "channels": ["telegram"], **rule}],
        **{"alerts.channels.telegram.base_url": telegram.url, "alerts.channels.telegram.token": "123:ABC",
           "alerts.channels.telegram.chat_id": "@watch"},
    )  # fmt: skip


def test_telegram_429_retry_after_honoured(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, telegram: FakeService
) -> None:
    settings = telegram_settings(tmp_path, telegram, approval="never")
    telegram.queue(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 30",
                         "parameters": {"retry_after": 30}}, {"Retry-After": "30"})  # fmt: skip
    assert alert_on(workspace, settings, clock, [a50_entry()]).new_rows == 1
    first = deliver(workspace, settings, clock)
    assert (first.sent, first.retrying, first.paused_channels) == (0, 1, ("telegram",))
    (row,) = list_outbox(workspace)
    assert row.next_try == clock.now() + timedelta(seconds=30) and row.attempts == 1
    clock.advance(timedelta(seconds=20))
    assert deliver(workspace, settings, clock).sent == 0 and len(telegram.requests) == 1  # not before 30 s
    clock.advance(timedelta(seconds=11))
    assert deliver(workspace, settings, clock).sent == 1
    sent = telegram.requests[-1]
    assert sent.path == "/bot123:ABC/sendMessage"
    body = sent.json()
    assert body["chat_id"] == "@watch"
    assert body["text"].startswith("A-50 RF-50608 (15b0c1) entered Belarusian airspace from Russia at 21:14 UTC.")
    assert "Status: reported." in body["text"] and "Evidence: event " in body["text"]
    # rerun and redeliver: nothing new goes out
    assert alert_on(workspace, settings, clock, [a50_entry()]).new_rows == 0
    assert deliver(workspace, settings, clock).sent == 0 and len(telegram.requests) == 2


class CrashAfterSend:
    """The real Mastodon channel, then the process 'dies' before the outbox records the send."""

    def __init__(self, inner: MastodonChannel) -> None:
        self.inner, self.name, self.max_chars, self.takes_images = inner, inner.name, inner.max_chars, True

    def send(self, message: Message):  # type: ignore[no-untyped-def]
        self.inner.send(message)
        raise KeyboardInterrupt("killed after the service accepted the post")


def test_mastodon_no_duplicate_across_crash_and_retry(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, mastodon: FakeService
) -> None:
    settings = make_settings(
        tmp_path, [{**AEW, "channels": ["mastodon"], "approval": "never", "map": True}],
        **{"alerts.channels.mastodon.base_url": mastodon.url, "alerts.channels.mastodon.token": "tok"},
    )  # fmt: skip
    alert_on(workspace, settings, clock, [a50_entry()])
    real = build_channels(settings)
    with pytest.raises(KeyboardInterrupt):
        deliver(workspace, settings, clock, {"mastodon": CrashAfterSend(real["mastodon"])})  # type: ignore[arg-type, dict-item]
    (row,) = list_outbox(workspace)
    assert (row.state, row.attempts) == ("pending", 1)
    assert deliver(workspace, settings, clock, real).sent == 1
    posts = [r for r in mastodon.requests if r.path == "/api/v1/statuses"]
    assert len(posts) == 2 and len({p.headers["idempotency-key"] for p in posts}) == 1
    assert len(mastodon.state["created"]) == 1  # one status on the instance
    media = [r for r in mastodon.requests if r.path == "/api/v2/media"]
    assert media and media[0].form()["file"][0].endswith("bytes>")
    assert posts[-1].form()["media_ids[]"] and posts[-1].headers["authorization"] == "Bearer tok"
    (row,) = list_outbox(workspace)
    assert row.state == "sent" and row.remote_id == mastodon.state["created"][0]["id"]


def test_no_flood_after_restart(tmp_path: Path, workspace: Workspace, clock: FixedClock, telegram: FakeService) -> None:
    settings = telegram_settings(tmp_path, telegram, approval="never")
    alert_on(workspace, settings, clock, [a50_entry()])
    clock.advance(timedelta(hours=3))  # the process was down; alerts.stale_after_min is 120
    old = [a50_entry(NIGHT + timedelta(minutes=5 * k), icao24=f"aaaa{k:02d}") for k in range(5)]
    outcome = alert_on(workspace, settings, clock, old)
    assert outcome.stale == 5
    result = deliver(workspace, settings, clock)
    assert (result.sent, result.stale) == (0, 1) and telegram.requests == []
    assert {r.state for r in list_outbox(workspace)} == {"stale"}


def test_approval_flow_edit_and_reject(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, telegram: FakeService
) -> None:
    settings = telegram_settings(tmp_path, telegram)  # a public channel: approval by default
    alert_on(workspace, settings, clock, [a50_entry(), a50_entry(icao24="15b0c9")])
    drafts = list_outbox(workspace, ("awaiting_approval",))
    assert len(drafts) == 2
    assert deliver(workspace, settings, clock).sent == 0 and telegram.requests == []
    approve(workspace, clock, drafts[0].alert_id[:8], text="An A-50 entered Belarusian airspace (edited).")
    reject(workspace, drafts[1].alert_id)
    assert deliver(workspace, settings, clock).sent == 1
    assert telegram.requests[0].json()["text"].startswith("An A-50 entered Belarusian airspace (edited).")
    alert_on(workspace, settings, clock, [a50_entry(), a50_entry(icao24="15b0c9")])  # rerun: no new drafts
    assert sorted(r.state for r in list_outbox(workspace)) == ["sent", "suppressed"]


def test_public_delay_and_private_at_once(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, telegram: FakeService, webhook: FakeService
) -> None:
    settings = make_settings(
        tmp_path, [{"name": "restrictions", "types": ["restriction_appeared"], "channels": ["telegram", "webhook"],
                    "delay_min": 30, "approval": "default"}],
        **{"alerts.channels.telegram.base_url": telegram.url, "alerts.channels.telegram.token": "1:A",
           "alerts.channels.telegram.chat_id": "@c", "alerts.channels.webhook.url": webhook.url + "/hook"},
    )  # fmt: skip
    alert_on(workspace, settings, clock, [restriction_event()])
    assert deliver(workspace, settings, clock).sent == 1  # the private webhook at once
    (draft,) = list_outbox(workspace, ("awaiting_approval",))
    approve(workspace, clock, draft.alert_id)
    assert deliver(workspace, settings, clock).sent == 0  # public: held for the rule's delay
    clock.advance(timedelta(minutes=31))
    assert deliver(workspace, settings, clock).sent == 1
    assert "NOTAM A1234/22 shows a new temporary restricted area" in telegram.requests[0].json()["text"]


def test_length_limits_per_service(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, mastodon: FakeService, telegram: FakeService
) -> None:
    settings = make_settings(
        tmp_path, [{"name": "digest", "types": ["airspace_entry"], "digest_min": 60, "approval": "never",
                    "channels": ["mastodon", "telegram"]}],
        **{"alerts.channels.mastodon.base_url": mastodon.url, "alerts.channels.mastodon.token": "t",
           "alerts.channels.telegram.base_url": telegram.url, "alerts.channels.telegram.token": "1:A",
           "alerts.channels.telegram.chat_id": "@c"},
    )  # fmt: skip
    many = [a50_entry(NIGHT.replace(minute=0) + timedelta(seconds=40 * k), icao24=f"{k:06x}") for k in range(80)]
    alert_on(workspace, settings, clock, many)
    clock.advance(timedelta(hours=1))
    assert deliver(workspace, settings, clock).sent == 2
    status = mastodon.requests[-1].form()["status"][0]
    text = telegram.requests[-1].json()["text"]
    assert len(status) <= 500 and len(text) <= 4096 and len(text) > 3000
    assert status.endswith("Status: reported.\nEvidence: 80 events ('airpicture alerts list')")


def test_webhook_signature_and_template(
    tmp_path: Path, workspace: Workspace, clock: FixedClock, webhook: FakeService
) -> None:
    settings = make_settings(
        tmp_path, [{**AEW, "channels": ["webhook"]}],
        **{"alerts.channels.webhook.url": webhook.url + "/discord", "alerts.channels.webhook.secret": "s3cret",
           "alerts.channels.webhook.template": '{"content": "{title}\\n{text}"}'},
    )  # fmt: skip
    alert_on(workspace, settings, clock, [a50_entry()])
    assert deliver(workspace, settings, clock).sent == 1
    (req,) = webhook.requests
    expected = hmac.new(b"s3cret", req.body, hashlib.sha256).hexdigest()
    assert req.headers["x-airpicture-signature"] == f"sha256={expected}"
    content = json.loads(req.body)["content"]
    assert content.startswith("aew-entered: airspace entry\nA-50 RF-50608 (15b0c1) entered Belarusian airspace")
    assert req.headers["x-airpicture-alert-id"] == list_outbox(workspace)[0].alert_id


def test_ntfy_and_the_test_command(tmp_path: Path, clock: FixedClock, ntfy: FakeService) -> None:
    settings = make_settings(
        tmp_path, [], **{"alerts.channels.ntfy.base_url": ntfy.url, "alerts.channels.ntfy.topic": "by-watch"}
    )
    assert send_test(settings, clock, "ntfy").ok
    (req,) = ntfy.requests
    assert req.path == "/by-watch" and req.headers["title"] == "airpicture test message"
    assert req.body.decode().startswith("This is a test message")
