"""Feed URLs: what ``airpicture live --feed URL[=RECEIVER]`` and ``[[live.feeds]]`` accept.

==========================  =====================================================================
``beast://host:port``       Beast binary (readsb/dump1090 port 30005; Radarcape 10003)
``raw://host:port``         raw hex lines ``*…;`` / ``@…;`` / ``<…;`` (port 30002)
``sbs://host:port``         SBS-1/BaseStation CSV (port 30003)
``http(s)://…/aircraft.json``  readsb/tar1090 ``aircraft.json``, polled (conditional GET)
``replay:PATH``             a recording replayed by its own clock (``?speed=N``, 0 = as fast as possible)
==========================  =====================================================================

Options are query parameters (``beast://127.0.0.1:30005?clock=1ghz&idle_s=60``); a trailing ``=NAME`` names
the receiver (``beast://127.0.0.1:30005=minsk``). The name is held in memory only: the caller turns it into
the keyed pseudonym ingest uses (pipeline/receivers.py) and passes that to :func:`run_feed`. A receiver name
holds no ``/``, ``:``, ``?`` or ``&``; so ``replay:/ws/day=1/x.bin`` has no receiver and its path is whole.
Every bad URL is a ``UsageError`` naming the URL (receiver part hidden), the part and what was expected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, urlsplit

from airpicture.model.errors import UsageError


class FeedKind(StrEnum):
    BEAST = "beast"
    RAW = "raw"
    SBS = "sbs"
    AIRCRAFT_JSON = "aircraft-json"
    REPLAY = "replay"


SOCKET_KINDS = (FeedKind.BEAST, FeedKind.RAW, FeedKind.SBS)

OPTIONS: Mapping[str, tuple[tuple[FeedKind, ...], str]] = {
    "clock": ((*SOCKET_KINDS, FeedKind.REPLAY), "Beast/raw timestamp clock: 12mhz (default) or 1ghz"),
    "idle_s": (SOCKET_KINDS, "seconds without a byte before the connection is taken as dead (default 60)"),
    "backoff_s": ((*SOCKET_KINDS, FeedKind.AIRCRAFT_JSON), "first reconnect delay in seconds (default 0.5)"),
    "backoff_max_s": ((*SOCKET_KINDS, FeedKind.AIRCRAFT_JSON), "longest reconnect delay (default 30)"),
    "queue": (tuple(FeedKind), "batches held for a slow consumer before the oldest is dropped (default 256)"),
    "interval_s": ((FeedKind.AIRCRAFT_JSON,), "seconds between polls (default 1)"),
    "timeout_s": ((FeedKind.AIRCRAFT_JSON,), "seconds an HTTP request may take (default 10)"),
    "speed": ((FeedKind.REPLAY,), "replay speed: N times real time by the recording's clock; 0 = as fast as possible"),
}
"""Every option a feed URL may carry: the kinds it applies to and what it means (docs/live.md)."""

_NUMERIC = {"idle_s", "backoff_s", "backoff_max_s", "queue", "interval_s", "timeout_s", "speed"}
_DEFAULT_PORTS = {FeedKind.BEAST: 30005, FeedKind.RAW: 30002, FeedKind.SBS: 30003}
_BAD_NAME_CHARS = set("/:?&")
_Bad = Callable[[str, str], UsageError]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One parsed feed URL. ``receiver`` is the receiver's name in clear (memory only, never stored)."""

    url: str
    """The URL without its ``=RECEIVER`` suffix."""
    kind: FeedKind
    host: str | None = None
    port: int | None = None
    path: str | None = None
    """The HTTP path (``/data/aircraft.json``) or the replayed file's path."""
    receiver: str | None = field(default=None, repr=False)
    """Never in the repr: a log line or traceback showing the spec must not show the name."""
    options: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """What the feed is called in counters and messages: its kind and a hash of its URL, never the URL
        itself (a host can be a volunteer's address)."""
        return f"{self.kind.value}-{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"

    def option(self, name: str, default: float) -> float:
        value = dict(self.options).get(name)
        return default if value is None else float(value)

    def text_option(self, name: str, default: str) -> str:
        return dict(self.options).get(name, default)

    @property
    def replay_path(self) -> Path:
        assert self.kind is FeedKind.REPLAY and self.path is not None
        return Path(self.path)


def _split_receiver(text: str) -> tuple[str, str | None]:
    head, sep, tail = text.rpartition("=")
    if not sep or not tail.strip() or _BAD_NAME_CHARS & set(tail):
        return text, None
    query_at = head.rfind("?")
    if query_at >= 0:
        last_param = head[query_at + 1 :].rsplit("&", 1)[-1]
        if "=" not in last_param:  # 'replay:x?speed=2' : the '=' belongs to the option
            return text, None
    return head, tail.strip()


def parse_feed_url(text: str) -> FeedSpec:
    """A :class:`FeedSpec` from ``URL[=RECEIVER]``; ``UsageError`` naming what is wrong."""
    raw = text.strip()
    url, receiver = _split_receiver(raw)
    shown = url + ("=<receiver>" if receiver else "")

    def bad(problem: str, expected: str) -> UsageError:
        return UsageError(f"bad feed URL: {problem}", where=shown, expected=expected)

    if not url:
        raise bad("empty", "beast://host:port, raw://…, sbs://…, http(s)://…/aircraft.json, replay:PATH")
    if url.startswith("replay:"):
        rest = url[len("replay:") :]
        if rest.startswith("//"):
            rest = rest[2:]
        path, _, query = rest.partition("?")
        if not path:
            raise bad("replay without a path", "replay:PATH[?speed=N]")
        options = _options(query, FeedKind.REPLAY, bad)
        return FeedSpec(url=url, kind=FeedKind.REPLAY, path=path, receiver=receiver, options=options)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise bad("no host", "http(s)://host[:port]/…/aircraft.json")
        if not parts.path.endswith(".json"):
            raise bad(f"path {parts.path or '/'!r} is not a .json document", "a path ending in aircraft.json")
        options = _options(parts.query, FeedKind.AIRCRAFT_JSON, bad)
        port = _port(parts, bad) or (443 if scheme == "https" else 80)
        return FeedSpec(
            url=url, kind=FeedKind.AIRCRAFT_JSON, host=parts.hostname, port=port, path=parts.path, receiver=receiver,
            options=options,
        )  # fmt: skip
    try:
        kind = FeedKind(scheme)
    except ValueError:
        kind = None
    if kind not in SOCKET_KINDS:
        found = f"{scheme}:" if scheme else "(none)"
        raise bad(f"unknown scheme {found}", "beast:, raw:, sbs:, http:, https: or replay:")
    assert kind is not None
    if not parts.hostname:
        raise bad("no host", f"{kind.value}://host:port")
    if parts.path not in ("", "/"):
        raise bad(f"a path {parts.path!r} on a socket feed", f"{kind.value}://host:port (no path)")
    options = _options(parts.query, kind, bad)
    port = _port(parts, bad) or _DEFAULT_PORTS[kind]
    return FeedSpec(url=url, kind=kind, host=parts.hostname, port=port, receiver=receiver, options=options)


def _port(parts: SplitResult, bad: _Bad) -> int | None:
    try:
        return parts.port
    except ValueError as exc:
        raise bad(f"port: {exc}", "a port number 1-65535") from None


def _options(query: str, kind: FeedKind, bad: _Bad) -> tuple[tuple[str, str], ...]:
    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False) if query else []
    seen: dict[str, str] = {}
    for name, value in pairs:
        known = OPTIONS.get(name)
        if known is None or kind not in known[0]:
            allowed = ", ".join(n for n, (kinds, _) in OPTIONS.items() if kind in kinds)
            raise bad(f"option {name!r} is not one of a {kind.value} feed's", allowed)
        if name in _NUMERIC:
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            zero_ok = name in ("speed", "backoff_s")
            if not number >= 0 or (number == 0 and not zero_ok):
                raise bad(f"option {name}={value!r}", f"{name}: a number {'>= 0' if zero_ok else '> 0'}")
        if name == "clock" and value not in ("12mhz", "1ghz"):
            raise bad(f"option clock={value!r}", "clock=12mhz or clock=1ghz")
        if name in seen:
            raise bad(f"option {name} given twice", "each option once")
        seen[name] = value
    return tuple(seen.items())
