"""Receiver identity: which receiver recorded a file, kept only as a keyed pseudonym.

Independence of detector evidence is judged per receiver (spec assessment.md §3: "not the same …
sensor/receiver"), but one receiver writes many files (hourly dumps, daily rotations). Each ingested file
therefore gets a *receiver key*, named by the first of:

1. ``airpicture ingest --receiver NAME`` (:attr:`ReceiverOrigin.OPTION`);
2. the inbox layout ``inbox/adsb/<receiver>/…``: a first-level sub-folder names the receiver
   (:attr:`ReceiverOrigin.INBOX`);
3. the first Beast receiver-id record (type 0xE3, readsb) in the file (:attr:`ReceiverOrigin.BEAST_ID`);
4. otherwise the file is its own receiver (:attr:`ReceiverOrigin.FILE`; key = the file's SHA-256).

Source protection (docs/source-protection.md): receivers are run by volunteers, and a receiver name or a
readsb UUID (an aggregator feeder id) can identify one. Only ``HMAC-SHA256(key, "airpicture receiver" NUL
name)`` is stored, with the same key as the reporter pseudonyms (``reports.reporter_key_file``: outside the
workspace, created with mode 0600 when missing). The domain prefix keeps a receiver pseudonym from ever
equalling a reporter pseudonym. Names are compared case-insensitively with runs of white space collapsed;
a Beast id is its 16 lowercase hex digits. The raw name is held in memory only, and every path or message
that leaves ingest has it replaced by ``receiver-<first 8 hex of the pseudonym>`` (:meth:`Receiver.redact`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from airpicture.model.errors import UsageError
from airpicture.pipeline.reports import load_reporter_key
from airpicture.store import Workspace

DOMAIN = b"airpicture receiver\x00"
"""HMAC message prefix: receiver pseudonyms and reporter pseudonyms share the key, never a value."""
LABEL_HEX = 8
"""Hex digits of the pseudonym in the label that replaces a receiver name in paths and messages."""


class ReceiverOrigin(StrEnum):
    """Where a file's receiver key came from (stored as ``ingested_files.receiver_from``)."""

    OPTION = "option"
    INBOX = "inbox"
    BEAST_ID = "beast_id"
    FILE = "file"


def normalise_name(name: str, where: str = "--receiver") -> str:
    """The receiver name as compared: white space collapsed, case folded. ``UsageError`` when empty."""
    text = " ".join(name.split()).casefold()
    if not text:
        raise UsageError("empty receiver name", where=where, expected="a name or alias for the receiver")
    return text


def receiver_pseudonym(key: bytes, name: str) -> str:
    """``HMAC-SHA256(key, DOMAIN + normalised name)`` as 64 hex digits. Only this is stored."""
    return hmac.new(key, DOMAIN + normalise_name(name).encode("utf-8"), hashlib.sha256).hexdigest()


def inbox_receiver(path: Path, folder: Path) -> str | None:
    """The receiver a file below ``folder`` is filed under: its first-level sub-folder, or None when the
    file lies in ``folder`` itself (or outside it)."""
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 else None


@dataclass(frozen=True, slots=True)
class Receiver:
    """One named receiver: its raw name (memory only), pseudonym and where the name came from."""

    name: str
    pseudonym: str
    origin: ReceiverOrigin

    @property
    def label(self) -> str:
        """What is shown and stored instead of the name: ``receiver-<8 hex>``."""
        return f"receiver-{self.pseudonym[:LABEL_HEX]}"

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the raw name (any case, also as typed) replaced by the label."""
        out = text
        for raw in dict.fromkeys((self.name.strip(), normalise_name(self.name))):
            out = re.sub(re.escape(raw), self.label, out, flags=re.IGNORECASE)
        return out


@dataclass(slots=True)
class ReceiverKeys:
    """Makes receiver pseudonyms; reads (or creates) the key only when a file has a named receiver."""

    key_file: Path
    workspace_root: Path
    _key: bytes | None = field(default=None, repr=False)

    def key(self) -> bytes:
        if self._key is None:
            self._key = load_reporter_key(self.key_file.expanduser(), self.workspace_root)
        return self._key

    def receiver(self, name: str, origin: ReceiverOrigin) -> Receiver:
        return Receiver(name, receiver_pseudonym(self.key(), name), origin)


def redact(text: str, receiver: Receiver | None) -> str:
    return receiver.redact(text) if receiver is not None else text


__all__ = [
    "Receiver",
    "ReceiverKeys",
    "ReceiverOrigin",
    "inbox_receiver",
    "normalise_name",
    "receiver_pseudonym",
    "redact",
]


def receiver_health(workspace: Workspace) -> list[dict[str, object]]:
    """Per receiver (its label ``receiver-<8 hex>`` only, never a name): files, positions, first and last
    time heard and messages per second over that span, from the stored positions. Lag, drops and
    reconnects are properties of a live feed: None here; ``airpicture live`` publishes them to the web
    hub (``web.stream.Hub.set_receiver``)."""
    if not workspace.has_partitions("positions"):
        return []
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT coalesce(f.receiver, f.file_id) AS receiver, count(DISTINCT f.file_id), count(*), min(p.ts), "
            "max(p.ts) FROM positions p JOIN ingested_files f ON p.source_file = f.file_id GROUP BY ALL "
            "ORDER BY 1"
        ).fetchall()
    out: list[dict[str, object]] = []
    for receiver, files, messages, first, last in rows:
        span_s = (last - first).total_seconds()
        out.append(
            {
                "receiver": f"receiver-{str(receiver)[:LABEL_HEX]}",
                "files": int(files),
                "messages": int(messages),
                "first_heard": first,
                "last_heard": last,
                "messages_per_s": round(messages / span_s, 3) if span_s > 0 else None,
                "lag_s": None,
                "drops": None,
                "reconnects": None,
            }
        )
    return out
