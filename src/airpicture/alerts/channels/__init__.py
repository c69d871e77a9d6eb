"""Alert channels: each sends one ``Message`` and says what happened (``SendResult``); none keeps state.

Retrying, rate limits (429 + Retry-After), stale alerts and approval are the outbox's business
(``pipeline/alerts.py``); a channel reports ``retry_after_s`` when the service asked for a pause and
``permanent`` when retrying cannot help (a 4xx other than 408/429).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from airpicture.alerts.message import Message


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    error: str = ""
    retry_after_s: float | None = None
    permanent: bool = False
    remote_id: str = ""


class Channel(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def max_chars(self) -> int | None:
        """Longest text the service takes (characters), None: no limit."""

    @property
    def takes_images(self) -> bool: ...

    def send(self, message: Message) -> SendResult: ...
