"""Sending the outbox: due rows to their channels, retries with backoff and a cap, 429 + Retry-After, stale
alerts, the approval flow (docs/alerts.md).

Crash safety: before a row is sent its attempt is counted (committed); after the service answered, its state
is written. A process killed between the two sends the row again on the next ``deliver`` with the same
idempotency key (Mastodon ``Idempotency-Key``, the webhook's ``X-Airpicture-Alert-Id``, the e-mail
``Message-ID``, the Atom entry id, which replace rather than repeat).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from airpicture.alerts.channels import Channel, SendResult
from airpicture.alerts.message import Message, message_for
from airpicture.alerts.rules import Alert
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.settings import Settings
from airpicture.pipeline.alerts import CHANNELS, body_alert, configured_channels
from airpicture.store import Workspace, outbox


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stale: int = 0
    paused_channels: tuple[str, ...] = ()


def build_channels(settings: Settings, transport: Any = None) -> dict[str, Channel]:
    """The configured channels by name. ``transport`` (an ``httpx`` transport) is for tests only."""
    from airpicture.alerts.channels.atom import AtomChannel
    from airpicture.alerts.channels.email import EmailChannel
    from airpicture.alerts.channels.http import MastodonChannel, NtfyChannel, TelegramChannel, WebhookChannel
    from airpicture.alerts.channels.mqtt import MqttChannel

    c, t = settings.alerts.channels, settings.alerts.timeout_s
    out: dict[str, Channel] = {}
    for name in configured_channels(settings):
        if name == "webhook":
            w = c.webhook
            out[name] = WebhookChannel(w.url, w.secret, w.template, w.max_chars, t, transport)
        elif name == "ntfy":
            out[name] = NtfyChannel(c.ntfy.base_url, c.ntfy.topic, c.ntfy.token, t, transport)
        elif name == "mqtt":
            m = c.mqtt
            out[name] = MqttChannel(m.host, m.port, m.topic_prefix, m.username, m.password, t)
        elif name == "email":
            e = c.email
            out[name] = EmailChannel(
                e.host, e.port, e.sender, e.recipients, e.username, e.password, e.starttls, e.ca_file, t
            )
        elif name == "atom" and c.atom.path is not None:
            out[name] = AtomChannel(c.atom.path, c.atom.title, c.atom.feed_id, c.atom.max_entries)
        elif name == "telegram":
            g = c.telegram
            out[name] = TelegramChannel(g.base_url, g.token, g.chat_id, t, transport)
        elif name == "mastodon":
            d = c.mastodon
            out[name] = MastodonChannel(d.base_url, d.token, d.visibility, d.max_chars, t, transport)
    return out


@functools.lru_cache(maxsize=4)
def _border_lines(settings: Settings) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The boundaries of the region's countries as (lon, lat) lines, loaded once per process and settings."""
    import shapely

    from airpicture.pipeline.reference import find_region, reference_data

    data = reference_data(settings)
    region = find_region(settings, settings.region)
    lines: list[tuple[tuple[float, float], ...]] = []
    for code in region.countries:
        try:
            boundary = shapely.boundary(data.country(code))
        except (KeyError, ValueError):
            continue
        parts = getattr(boundary, "geoms", [boundary])
        lines.extend(tuple((float(x), float(y)) for x, y in part.coords) for part in parts)
    return tuple(lines)


def map_png(settings: Settings, alert: Alert) -> bytes | None:
    """A small map of the alert's point with the region's borders (reference data), or None without a point."""
    if alert.lat_deg is None or alert.lon_deg is None:
        return None
    from airpicture.alerts.mapimage import render_map_png

    return render_map_png(float(alert.lat_deg), float(alert.lon_deg), _border_lines(settings))


def _message(settings: Settings, row: outbox.OutboxRow, channel: Channel, now: datetime) -> Message:
    alert = body_alert(row)
    rule = next((r for r in settings.alerts.rules if r.name == row.rule), None)
    png = map_png(settings, alert) if rule is not None and rule.map and channel.takes_images else None
    message = message_for(alert, channel.max_chars, png)
    message.data["sent_at"] = now.isoformat()
    return message


def _backoff(settings: Settings, attempts: int, result: SendResult) -> timedelta:
    a = settings.alerts
    delay = min(a.max_backoff_s, a.backoff_s * 2 ** max(0, attempts - 1))
    if result.retry_after_s is not None:
        delay = max(delay if result.retry_after_s == 0 else 0.0, result.retry_after_s)
    return timedelta(seconds=delay)


def deliver(
    workspace: Workspace, settings: Settings, clock: Clock, channels: Mapping[str, Channel] | None = None
) -> DeliveryOutcome:
    """Send every due pending row once. Rows older than ``alerts.stale_after_min`` become ``stale``; a 429 (or
    Retry-After) pauses that channel for the rest of this pass and sets the row's next try to the time the
    service asked for; other failures retry with doubling backoff up to ``alerts.max_attempts``."""
    chosen = dict(channels) if channels is not None else build_channels(settings)
    now = clock.now()
    stale_before = now - timedelta(minutes=settings.alerts.stale_after_min)
    with workspace.connect(read_only=True) as con:
        due = outbox.due(con, now)
    sent = retrying = failed = stale = 0
    paused: dict[str, datetime] = {}
    for row in due:
        channel = chosen.get(row.channel)
        if row.window_start < stale_before and not row.body.get("approved"):
            with workspace.connect() as con:
                outbox.update(con, row.alert_id, row.channel, state="stale")
            stale += 1
            continue
        if channel is None:
            continue  # not configured now: stays pending
        if row.channel in paused:
            with workspace.connect() as con:
                outbox.update(con, row.alert_id, row.channel, next_try=max(row.next_try, paused[row.channel]))
            retrying += 1
            continue
        message = _message(settings, row, channel, now)
        attempts = row.attempts + 1
        with workspace.connect() as con:  # counted before sending: a crash loop still reaches the cap
            outbox.update(con, row.alert_id, row.channel, attempts=attempts)
        result = channel.send(message)
        with workspace.connect() as con:
            if result.ok:
                outbox.update(
                    con, row.alert_id, row.channel, state="sent", sent_at=now, remote_id=result.remote_id,
                    last_error=None,
                )  # fmt: skip
                sent += 1
            elif result.permanent or attempts >= settings.alerts.max_attempts:
                outbox.update(con, row.alert_id, row.channel, state="error", last_error=result.error)
                failed += 1
            else:
                next_try = now + _backoff(settings, attempts, result)
                if result.retry_after_s is not None:
                    paused[row.channel] = next_try
                outbox.update(con, row.alert_id, row.channel, next_try=next_try, last_error=result.error)
                retrying += 1
    return DeliveryOutcome(sent, retrying, failed, stale, tuple(sorted(paused)))


def list_outbox(workspace: Workspace, states: tuple[str, ...] = ()) -> list[outbox.OutboxRow]:
    for s in states:
        if s not in outbox.STATES:
            raise UsageError("unknown state", where="alerts list", found=s, expected=", ".join(outbox.STATES))
    with workspace.connect(read_only=True) as con:
        return outbox.rows(con, states=states)


def _drafts(workspace: Workspace, alert_id: str, where: str) -> list[outbox.OutboxRow]:
    if len(alert_id) < 6:
        raise UsageError("alert id too short", where=where, found=alert_id, expected="at least 6 characters")
    with workspace.connect(read_only=True) as con:
        found = outbox.rows(con, alert_id=alert_id)
    ids = {r.alert_id for r in found}
    if len(ids) > 1:
        raise UsageError("ambiguous alert id", where=where, found=alert_id, expected="more characters")
    drafts = [r for r in found if r.state == "awaiting_approval"]
    if not drafts:
        raise UsageError(
            "no draft with this id", where=where, found=alert_id, expected="an id from 'airpicture alerts pending'"
        )
    return drafts


def approve(
    workspace: Workspace, clock: Clock, alert_id: str, *, text: str | None = None, channel: str | None = None
) -> list[outbox.OutboxRow]:
    """Approve a draft (all its public channels, or one): it becomes ``pending`` and goes out at the next
    ``deliver`` (after its delay, if the rule set one). ``text`` replaces its sentences (an analyst's edit)."""
    drafts = [r for r in _drafts(workspace, alert_id, "alerts approve") if channel in (None, r.channel)]
    if channel is not None and channel not in CHANNELS:
        raise UsageError("unknown channel", where="alerts approve", found=channel, expected=", ".join(CHANNELS))
    now = clock.now()
    with workspace.connect() as con:
        for r in drafts:
            body = dict(r.body, approved=True)
            if text is not None:
                body.update(sentences=[text], edited=True)
            outbox.update(con, r.alert_id, r.channel, state="pending", body=body, next_try=max(r.next_try, now))
    return drafts


def reject(workspace: Workspace, alert_id: str) -> list[outbox.OutboxRow]:
    """Reject a draft: ``suppressed``, never sent (the row stays, so a rerun does not draft it again)."""
    drafts = _drafts(workspace, alert_id, "alerts reject")
    with workspace.connect() as con:
        for r in drafts:
            outbox.update(con, r.alert_id, r.channel, state="suppressed")
    return drafts


def send_test(settings: Settings, clock: Clock, name: str, transport: Any = None) -> SendResult:
    """Send a test message on one configured channel (``airpicture alerts test CHANNEL``)."""
    if name not in CHANNELS:
        raise UsageError("unknown channel", where="alerts test", found=name, expected=", ".join(CHANNELS))
    channels = build_channels(settings, transport)
    if name not in channels:
        raise UsageError(
            "channel not configured", where="alerts test", found=name, expected=f"settings in [alerts.channels.{name}]"
        )
    now = clock.now()
    alert = Alert(
        alert_id="test-" + now.strftime("%Y%m%dT%H%M%S"),
        rule="test",
        subject_key="test",
        window_start=now,
        title="airpicture test message",
        sentences=("This is a test message from airpicture: the channel works.",),
        status="",
        evidence=(),
        refs=(),
        not_before=now,
    )
    message = message_for(alert, channels[name].max_chars)
    message = replace(message, data={**message.data, "sent_at": now.isoformat()})
    return channels[name].send(message)
