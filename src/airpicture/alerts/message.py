"""Message text per channel: length limits, coarsened positions for public channels, the JSON body. Pure.

Per-service limits (characters unless noted): Telegram message 4096, photo caption 1024; Mastodon 500 (the
instance's ``max_chars`` setting); Discord webhooks 2000 (the webhook's ``max_chars``); ntfy 4096 bytes
(longer bodies become attachments there, which we never want). E-mail, MQTT and Atom carry the whole text.
A text that does not fit loses the end of its sentences (marked "…"), never its status or evidence lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from airpicture.alerts.rules import Alert

TELEGRAM_TEXT_CHARS = 4096
TELEGRAM_CAPTION_CHARS = 1024
NTFY_BYTES = 4096
ELLIPSIS = "…"
KM_PER_DEG_LAT = 111.32


@dataclass(frozen=True, slots=True)
class Message:
    """What a channel sends: ``alert_id`` (the idempotency key base), title, text, the alert as JSON data and
    an optional PNG map."""

    alert_id: str
    rule: str
    title: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    png: bytes | None = None

    def idempotency_key(self, channel: str) -> str:
        return f"airpicture-{self.alert_id}-{channel}"


def fit_text(alert: Alert, max_chars: int, *, max_bytes: int | None = None) -> str:
    """The alert's text within ``max_chars`` characters (and ``max_bytes`` UTF-8 bytes): the sentences are cut
    (with "…"), the status and evidence lines kept whole while they fit."""
    full = alert.text

    def fits(t: str) -> bool:
        return len(t) <= max_chars and (max_bytes is None or len(t.encode()) <= max_bytes)

    if fits(full):
        return full
    tail = [f"Status: {alert.status}."] if alert.status else []
    if alert.evidence:
        tail.append("Evidence: " + alert.evidence_line)
    tail_text = "\n".join(tail)
    body = "\n".join(alert.sentences)
    while body:
        body = body[:-1]
        candidate = (body.rstrip() + ELLIPSIS + ("\n" + tail_text if tail_text else "")).strip()
        if fits(candidate):
            return candidate
    # not even the tail fits: cut everything
    text = full
    while text and not fits(text + ELLIPSIS):
        text = text[:-1]
    return text + ELLIPSIS


def coarsen(alert: Alert, grid_km: float) -> Alert:
    """The alert with its position snapped to the centre of a ``grid_km`` cell (0: unchanged) and the
    coordinates dropped from its JSON data (``lat_deg``/``lon_deg`` replaced by the coarse ones)."""
    if grid_km <= 0 or alert.lat_deg is None or alert.lon_deg is None:
        return alert
    step_lat = grid_km / KM_PER_DEG_LAT
    lat = (math.floor(alert.lat_deg / step_lat) + 0.5) * step_lat
    step_lon = grid_km / (KM_PER_DEG_LAT * max(0.01, math.cos(math.radians(lat))))
    lon = (math.floor(alert.lon_deg / step_lon) + 0.5) * step_lon
    payload = {"coarsened_km": grid_km, "lat_deg": round(lat, 3), "lon_deg": round(lon, 3)}
    precise = _precise_strings(alert.lat_deg, alert.lon_deg)
    coarse = f"{abs(lat):.1f}° {'N' if lat >= 0 else 'S'} {abs(lon):.1f}° {'E' if lon >= 0 else 'W'}"
    sentences = tuple(_replace_all(s, precise, coarse) for s in alert.sentences)
    return replace(alert, lat_deg=lat, lon_deg=lon, sentences=sentences, payload=payload)


def _precise_strings(lat: float, lon: float) -> list[str]:
    ns, ew = "N" if lat >= 0 else "S", "E" if lon >= 0 else "W"
    return [f"{abs(lat):.2f}° {ns} {abs(lon):.2f}° {ew}"]


def _replace_all(text: str, olds: list[str], new: str) -> str:
    for old in olds:
        text = text.replace(old, new)
    return text


def message_for(alert: Alert, max_chars: int | None = None, png: bytes | None = None) -> Message:
    """The message of one alert, its text fitted to ``max_chars`` (``None``: whole)."""
    text = alert.text if max_chars is None else fit_text(alert, max_chars)
    data: dict[str, Any] = {
        "alert_id": alert.alert_id,
        "rule": alert.rule,
        "title": alert.title,
        "text": alert.text,
        "status": alert.status,
        "evidence": list(alert.evidence),
        "window_start": alert.window_start.isoformat(),
        "escalated": alert.escalated,
        "event": dict(alert.payload),
    }
    return Message(alert.alert_id, alert.rule, alert.title, text, data, png)
