"""The HTTP channels: generic webhook, ntfy, Telegram (Bot API), Mastodon. One ``httpx.Client`` seam each.

Wire shapes (what the tests' fake servers check):

- webhook: ``POST url`` JSON body (the template, or ``{"text", "alert"}``), header ``X-Airpicture-Signature:
  sha256=<hex HMAC-SHA256 of the body with the secret>`` and ``X-Airpicture-Alert-Id`` (receivers de-duplicate).
- ntfy: ``POST {base}/{topic}``, body the text, headers ``Title``, ``Tags``; ``Authorization: Bearer`` if set.
- Telegram: ``POST {base}/bot{token}/sendMessage`` JSON ``{chat_id, text, disable_web_page_preview}``, or
  ``/sendPhoto`` multipart (``chat_id``, ``caption``, ``photo``). A 429 answers
  ``{"ok": false, "error_code": 429, "parameters": {"retry_after": N}}``.
- Mastodon: ``POST {base}/api/v2/media`` (multipart ``file``) → ``{"id"}``; then ``POST {base}/api/v1/statuses``
  form ``status``, ``visibility``, ``media_ids[]`` with ``Idempotency-Key`` (the server returns the first status
  for a repeated key, so a retry after a crash never posts twice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from airpicture.alerts.channels import SendResult
from airpicture.alerts.message import NTFY_BYTES, TELEGRAM_CAPTION_CHARS, TELEGRAM_TEXT_CHARS, Message

SIGNATURE_HEADER = "X-Airpicture-Signature"
ALERT_ID_HEADER = "X-Airpicture-Alert-Id"


def retry_after_s(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date, RFC 9110 §10.2.3), else None."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        date = response.headers.get("date")
        base = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - base).total_seconds()) if base else None


def result_of(response: httpx.Response, remote_id: str = "") -> SendResult:
    if response.is_success:
        return SendResult(True, remote_id=remote_id)
    text = response.text[:200]
    if response.status_code == 429 or response.status_code >= 500 or response.status_code == 408:
        return SendResult(False, f"HTTP {response.status_code}: {text}", retry_after_s=retry_after_s(response))
    return SendResult(False, f"HTTP {response.status_code}: {text}", permanent=True)


def _client(timeout_s: float, transport: httpx.BaseTransport | None) -> httpx.Client:
    # no proxies from the environment: alerts go where the settings say, nowhere else
    return httpx.Client(timeout=timeout_s, trust_env=False, transport=transport)


def _call(timeout_s: float, transport: httpx.BaseTransport | None, **request: Any) -> httpx.Response | SendResult:
    try:
        with _client(timeout_s, transport) as client:
            return client.request(**request)
    except httpx.HTTPError as exc:
        return SendResult(False, f"{type(exc).__name__}: {exc}")


def render_template(template: str, message: Message) -> bytes:
    """The webhook template with ``{text}``, ``{title}``, ``{status}``, ``{evidence}``, ``{alert_id}`` replaced
    by their JSON-escaped values; the result must be JSON."""
    values = {
        "text": message.text,
        "title": message.title,
        "status": str(message.data.get("status", "")),
        "evidence": "; ".join(message.data.get("evidence", [])),
        "alert_id": message.alert_id,
    }
    body = template
    for key, value in values.items():
        body = body.replace("{" + key + "}", json.dumps(value)[1:-1])
    json.loads(body)  # a template that is not JSON fails here, clearly
    return body.encode()


@dataclass(frozen=True, slots=True)
class WebhookChannel:
    url: str
    secret: str = ""
    template: str = ""
    max_chars: int | None = 2000
    timeout_s: float = 10.0
    transport: httpx.BaseTransport | None = None
    name: str = "webhook"
    takes_images: bool = False

    def send(self, message: Message) -> SendResult:
        if self.template:
            body = render_template(self.template, message)
        else:
            body = json.dumps({"text": message.text, "alert": message.data}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", ALERT_ID_HEADER: message.alert_id}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        response = _call(self.timeout_s, self.transport, method="POST", url=self.url, content=body, headers=headers)
        return response if isinstance(response, SendResult) else result_of(response)


@dataclass(frozen=True, slots=True)
class NtfyChannel:
    base_url: str
    topic: str
    token: str = ""
    timeout_s: float = 10.0
    transport: httpx.BaseTransport | None = None
    name: str = "ntfy"
    max_chars: int | None = NTFY_BYTES  # bytes, checked again in send
    takes_images: bool = False

    def send(self, message: Message) -> SendResult:
        body = message.text.encode()
        if len(body) > NTFY_BYTES:
            return SendResult(False, f"message is {len(body)} bytes, ntfy takes {NTFY_BYTES}", permanent=True)
        headers = {"Title": message.title.encode("ascii", "replace").decode(), "Tags": "airplane"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = f"{self.base_url.rstrip('/')}/{self.topic}"
        response = _call(self.timeout_s, self.transport, method="POST", url=url, content=body, headers=headers)
        if isinstance(response, SendResult):
            return response
        remote = response.json().get("id", "") if response.is_success else ""
        return result_of(response, str(remote))


@dataclass(frozen=True, slots=True)
class TelegramChannel:
    base_url: str
    token: str
    chat_id: str
    timeout_s: float = 10.0
    transport: httpx.BaseTransport | None = None
    name: str = "telegram"
    max_chars: int | None = TELEGRAM_TEXT_CHARS
    takes_images: bool = True

    def send(self, message: Message) -> SendResult:
        base = f"{self.base_url.rstrip('/')}/bot{self.token}"
        if message.png is not None:
            caption = message.text[:TELEGRAM_CAPTION_CHARS]
            request: dict[str, Any] = {
                "method": "POST",
                "url": f"{base}/sendPhoto",
                "data": {"chat_id": self.chat_id, "caption": caption},
                "files": {"photo": ("map.png", message.png, "image/png")},
            }
        else:
            payload = {"chat_id": self.chat_id, "text": message.text, "disable_web_page_preview": True}
            request = {"method": "POST", "url": f"{base}/sendMessage", "json": payload}
        response = _call(self.timeout_s, self.transport, **request)
        if isinstance(response, SendResult):
            return SendResult(False, response.error.replace(self.token, "<token>"))
        try:
            reply = response.json()
        except ValueError:
            reply = {}
        if response.is_success and reply.get("ok"):
            return SendResult(True, remote_id=str(reply.get("result", {}).get("message_id", "")))
        retry = (reply.get("parameters") or {}).get("retry_after")
        result = result_of(response)
        error = f"Telegram {reply.get('error_code', response.status_code)}: {reply.get('description', '')}"
        if retry is not None:
            return SendResult(False, error, retry_after_s=float(retry))
        return SendResult(False, error, retry_after_s=result.retry_after_s, permanent=result.permanent)


@dataclass(frozen=True, slots=True)
class MastodonChannel:
    base_url: str
    token: str
    visibility: str = "public"
    max_chars: int | None = 500
    timeout_s: float = 10.0
    transport: httpx.BaseTransport | None = None
    name: str = "mastodon"
    takes_images: bool = True

    def send(self, message: Message) -> SendResult:
        base = self.base_url.rstrip("/")
        auth = {"Authorization": f"Bearer {self.token}"}
        form: dict[str, Any] = {"status": message.text, "visibility": self.visibility}
        if message.png is not None:
            media = _call(
                self.timeout_s,
                self.transport,
                method="POST",
                url=f"{base}/api/v2/media",
                headers=auth,
                files={"file": ("map.png", message.png, "image/png")},
                data={"description": "Map of the alert's area (rendered by airpicture)"},
            )
            if isinstance(media, SendResult):
                return media
            if not media.is_success:
                return result_of(media)
            form["media_ids[]"] = [str(media.json()["id"])]
        headers = {**auth, "Idempotency-Key": message.idempotency_key(self.name)}
        response = _call(
            self.timeout_s, self.transport, method="POST", url=f"{base}/api/v1/statuses", headers=headers, data=form
        )
        if isinstance(response, SendResult):
            return response
        remote = str(response.json().get("id", "")) if response.is_success else ""
        return result_of(response, remote)
