"""The ``[alerts]`` settings: rules and channels (docs/alerts.md), part of ``model/settings.py``'s ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from airpicture.model.setting_field import setting


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One ``[[alerts.rules]]`` table: which events or judgments raise an alert, and where it goes
    (docs/alerts.md). Empty filters match everything."""

    name: str
    kind: str = "event"
    """``event`` (detector events) or ``judgment`` (a judgment whose band changed)."""
    types: tuple[str, ...] = ()
    role: str = ""
    category: str = ""
    """Watch-list category of the subject (plane-alert-db ``Category``), e.g. ``AEW&C``."""
    region: str = ""
    status: tuple[str, ...] = ()
    """Claim statuses accepted (``reported``, ``confirmed`` …); empty: any."""
    min_confidence: str = ""
    """Judgments: least confidence (low, moderate, high)."""
    channels: tuple[str, ...] = ()
    cooldown_min: float = 15.0
    digest_min: float = 0.0
    """Above 0: one digest message per this many minutes instead of one message per alert."""
    quiet_hours: str = ""
    """``HH-HH`` UTC (e.g. ``22-06``): alerts in these hours wait until the end of the quiet period."""
    accept: tuple[str, ...] = ()
    """Only subjects whose address, registration, callsign or type code is listed (empty: all)."""
    exclude: tuple[str, ...] = ()
    """Subjects never alerted on (address, registration, callsign or type code)."""
    escalate_after_min: float = 0.0
    """Above 0: a subject reappearing within this many minutes after its cooldown is marked as escalated."""
    delay_min: float = 0.0
    """Public channels: hold the alert this many minutes before it may go out."""
    coarsen_km: float = 0.0
    """Public channels: positions rounded to a grid of this size (km); 0 keeps them."""
    approval: str = "default"
    """``default`` (public channels wait for approval, private ones send), ``always`` or ``never``."""
    map: bool = False
    """Attach a small PNG map (rendered locally) where the channel takes images."""


@dataclass(frozen=True, slots=True)
class WebhookChannelSettings:
    """The generic webhook (Discord, Slack, Matrix bridges, n8n)."""

    url: str = setting("", "Webhook URL (empty: channel off).")
    secret: str = setting("", "Key of the X-Airpicture-Signature header (HMAC-SHA256 of the body; empty: unsigned).")
    template: str = setting(
        "",
        "JSON body with {text}, {title}, {status}, {evidence}, {alert_id} fields, each replaced by its "
        "JSON-escaped value; "
        'empty: {"text": ..., "alert": {...}}. Discord: {"content": "{text}"}.',
    )
    max_chars: int = setting(2000, "Longest message text (characters) the webhook takes.")


@dataclass(frozen=True, slots=True)
class NtfyChannelSettings:
    """ntfy (self-hosted or ntfy.sh)."""

    base_url: str = setting("https://ntfy.sh", "ntfy server base URL.")
    topic: str = setting("", "Topic name (empty: channel off).")
    token: str = setting("", "Access token (Bearer), if the topic is protected.")


@dataclass(frozen=True, slots=True)
class MqttChannelSettings:
    """MQTT (paho-mqtt, QoS 1, one topic per rule)."""

    host: str = setting("", "Broker host (empty: channel off).")
    port: int = setting(1883, "Broker port.")
    topic_prefix: str = setting("airpicture/alerts", "Topics are <prefix>/<rule name>.")
    username: str = setting("", "Broker user name (empty: anonymous).")
    password: str = setting("", "Broker password.")


@dataclass(frozen=True, slots=True)
class EmailChannelSettings:
    """E-mail over SMTP with STARTTLS."""

    host: str = setting("", "SMTP server (empty: channel off).")
    port: int = setting(587, "SMTP port (submission).")
    sender: str = setting("", "From address.")
    recipients: tuple[str, ...] = setting((), "To addresses.")
    username: str = setting("", "SMTP user name (empty: no login).")
    password: str = setting("", "SMTP password.")
    starttls: bool = setting(True, "Require STARTTLS before anything is sent.")
    ca_file: Path | None = setting(None, "CA bundle to verify the server (default: the system's).")


@dataclass(frozen=True, slots=True)
class AtomChannelSettings:
    """The public Atom feed file."""

    path: Path | None = setting(None, "Feed file written (empty: channel off); serve it as a static file.")
    title: str = setting("airpicture alerts", "Feed title.")
    feed_id: str = setting("urn:airpicture:alerts", "Feed id (a stable URI).")
    max_entries: int = setting(50, "Entries kept in the feed (newest).")


@dataclass(frozen=True, slots=True)
class TelegramChannelSettings:
    """Telegram channel posts (Bot API sendMessage / sendPhoto; send-only)."""

    base_url: str = setting("https://api.telegram.org", "Bot API base URL.")
    token: str = setting("", "Bot token (empty: channel off).")
    chat_id: str = setting("", "Channel (@name or numeric id).")


@dataclass(frozen=True, slots=True)
class MastodonChannelSettings:
    """Mastodon statuses (media upload, Idempotency-Key)."""

    base_url: str = setting("", "Instance base URL (empty: channel off).")
    token: str = setting("", "Access token with write:statuses and write:media.")
    visibility: str = setting("public", "Status visibility: public, unlisted, private.")
    max_chars: int = setting(500, "Longest status (characters) the instance takes.")


@dataclass(frozen=True, slots=True)
class AlertChannelSettings:
    webhook: WebhookChannelSettings = field(default_factory=WebhookChannelSettings)
    ntfy: NtfyChannelSettings = field(default_factory=NtfyChannelSettings)
    mqtt: MqttChannelSettings = field(default_factory=MqttChannelSettings)
    email: EmailChannelSettings = field(default_factory=EmailChannelSettings)
    atom: AtomChannelSettings = field(default_factory=AtomChannelSettings)
    telegram: TelegramChannelSettings = field(default_factory=TelegramChannelSettings)
    mastodon: MastodonChannelSettings = field(default_factory=MastodonChannelSettings)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Alerts and publishing (docs/alerts.md)."""

    rules: tuple[AlertRule, ...] = setting((), "The alert rules: [[alerts.rules]] tables (docs/alerts.md).")
    public_channels: tuple[str, ...] = setting(
        ("telegram", "mastodon", "atom"), "Channels that are public: their alerts wait for approval by default."
    )
    stale_after_min: float = setting(
        120.0, "An alert not sent within this many minutes of its window start is marked stale, never sent."
    )
    max_attempts: int = setting(8, "Sending attempts per alert and channel before it stays in error.")
    backoff_s: float = setting(30.0, "First retry delay (seconds); doubles per attempt.")
    max_backoff_s: float = setting(3600.0, "Longest retry delay (seconds).")
    timeout_s: float = setting(10.0, "Network timeout of one send (seconds).")
    channels: AlertChannelSettings = field(default_factory=AlertChannelSettings)
