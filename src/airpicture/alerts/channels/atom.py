"""The Atom feed file (RFC 4287): one entry per alert, ``<id>urn:airpicture:alert:<alert id></id>`` (stable:
the same alert is the same entry, updated in place), newest first, at most ``max_entries``. Written atomically
(temporary file + rename), so a web server (or an onion service) serving it as a static file never shows
half a feed and needs no credentials."""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from airpicture.alerts.channels import SendResult
from airpicture.alerts.message import Message

ATOM_NS = "http://www.w3.org/2005/Atom"


def entry_id(alert_id: str) -> str:
    return f"urn:airpicture:alert:{alert_id}"


@dataclass(frozen=True, slots=True)
class AtomChannel:
    path: Path
    title: str = "airpicture alerts"
    feed_id: str = "urn:airpicture:alerts"
    max_entries: int = 50
    name: str = "atom"
    max_chars: int | None = None
    takes_images: bool = False

    def send(self, message: Message) -> SendResult:
        stamp = str(message.data.get("sent_at") or message.data.get("window_start") or "")
        try:
            updated = datetime.fromisoformat(stamp).astimezone(UTC)
        except ValueError:
            return SendResult(False, f"alert {message.alert_id} has no time", permanent=True)
        try:
            entries = self._entries()
        except (OSError, ET.ParseError) as exc:
            return SendResult(False, f"cannot read the feed {self.path}: {exc}", permanent=True)
        entries[entry_id(message.alert_id)] = (updated, message.title, message.text)
        newest = sorted(entries.items(), key=lambda kv: (kv[1][0], kv[0]), reverse=True)[: self.max_entries]
        try:
            self._write(newest)
        except OSError as exc:
            return SendResult(False, f"cannot write the feed {self.path}: {exc}")
        return SendResult(True, remote_id=entry_id(message.alert_id))

    def _entries(self) -> dict[str, tuple[datetime, str, str]]:
        if not self.path.exists():
            return {}
        root = ET.parse(self.path).getroot()
        out = {}
        for e in root.findall(f"{{{ATOM_NS}}}entry"):
            eid = e.findtext(f"{{{ATOM_NS}}}id") or ""
            when = datetime.fromisoformat(e.findtext(f"{{{ATOM_NS}}}updated") or "1970-01-01T00:00:00+00:00")
            out[eid] = (when, e.findtext(f"{{{ATOM_NS}}}title") or "", e.findtext(f"{{{ATOM_NS}}}content") or "")
        return out

    def _write(self, entries: list[tuple[str, tuple[datetime, str, str]]]) -> None:
        ET.register_namespace("", ATOM_NS)
        feed = ET.Element(f"{{{ATOM_NS}}}feed")
        ET.SubElement(feed, f"{{{ATOM_NS}}}title").text = self.title
        ET.SubElement(feed, f"{{{ATOM_NS}}}id").text = self.feed_id
        latest = entries[0][1][0] if entries else datetime(1970, 1, 1, tzinfo=UTC)
        ET.SubElement(feed, f"{{{ATOM_NS}}}updated").text = latest.isoformat()
        author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
        ET.SubElement(author, f"{{{ATOM_NS}}}name").text = "airpicture"
        for eid, (when, title, text) in entries:
            entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
            ET.SubElement(entry, f"{{{ATOM_NS}}}id").text = eid
            ET.SubElement(entry, f"{{{ATOM_NS}}}title").text = title
            ET.SubElement(entry, f"{{{ATOM_NS}}}updated").text = when.isoformat()
            content = ET.SubElement(entry, f"{{{ATOM_NS}}}content", {"type": "text"})
            content.text = text
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".atom-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                ET.ElementTree(feed).write(fh, encoding="utf-8", xml_declaration=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
