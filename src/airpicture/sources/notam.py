"""Read a NOTAM file of any supported kind: ICAO text, PIB XML, JSON / JSON Lines (detected by content)."""

from __future__ import annotations

from enum import StrEnum

from airpicture.model.errors import SourceError
from airpicture.model.notam import RawNotam
from airpicture.sources.notam_json import read_notam_json
from airpicture.sources.notam_text import split_notam_text
from airpicture.sources.notam_xml import read_pib_xml


class NotamFormat(StrEnum):
    TEXT = "notam-text"
    PIB_XML = "notam-pib-xml"
    JSON = "notam-json"


def detect_format(data: bytes) -> NotamFormat:
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return NotamFormat.PIB_XML
    if head.startswith((b"{", b"[")):
        return NotamFormat.JSON
    return NotamFormat.TEXT


def read_notams(data: bytes, source_file: str) -> tuple[NotamFormat, list[RawNotam], list[SourceError]]:
    """The NOTAMs in ``data`` and the records that could not be read. Raises ``SourceError`` when the
    file as a whole is unreadable (not UTF-8 / Latin-1 text, malformed XML, malformed JSON array)."""
    fmt = detect_format(data)
    if fmt is NotamFormat.PIB_XML:
        return fmt, read_pib_xml(data, source_file), []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text:
        raise SourceError("binary data, not NOTAM text", where=f"{source_file}:{text.index(chr(0))}")
    if fmt is NotamFormat.JSON:
        notams, errors = read_notam_json(text, source_file)
        return fmt, notams, errors
    return fmt, split_notam_text(text, source_file), []
