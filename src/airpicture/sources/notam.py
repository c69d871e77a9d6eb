"""Read a NOTAM file of any supported kind: ICAO text, PIB XML, JSON / JSON Lines (detected by content)."""

from __future__ import annotations

import re
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


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"[^\W\d_]+")
CYRILLIC_WORD_SHARE = 0.8
"""Share of the words with non-ASCII letters that must be wholly Cyrillic (read as cp1251) to take a
non-UTF-8 file as cp1251; at most ``1 - CYRILLIC_WORD_SHARE`` of them: Latin-1. In between: refused."""


def decode_text(data: bytes, source_file: str) -> tuple[str, str]:
    """The text of a NOTAM file and the encoding it was read in (documented in docs/notams.md).

    1. a UTF-8 (or UTF-16) byte-order mark, or valid UTF-8: UTF-8;
    2. otherwise the words (runs of letters) that hold non-ASCII letters are looked at as cp1251: if at
       least ``CYRILLIC_WORD_SHARE`` of them are wholly Cyrillic (Russian, Belarusian, Ukrainian text) the
       file is cp1251; if at most ``1 - CYRILLIC_WORD_SHARE`` are, the accented letters sit inside Latin
       words (``ZÜRICH``) and the file is Latin-1;
    3. anything else raises ``SourceError`` naming the first byte that is not UTF-8: convert the file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise SourceError(f"not UTF-16 text despite its byte-order mark: {exc.reason}",
                              where=f"{source_file}:byte {exc.start}") from None  # fmt: skip
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        as_cp1251 = data.decode("cp1251")
    except UnicodeDecodeError:
        as_cp1251 = ""
    words = [w for w in _WORD.findall(as_cp1251) if not w.isascii()]
    cyrillic = sum(1 for w in words if all(_CYRILLIC.match(c) for c in w))
    if not words and as_cp1251 == data.decode("latin-1"):
        return as_cp1251, "latin-1"  # no letters outside ASCII, and both encodings agree on the rest
    if words and cyrillic >= CYRILLIC_WORD_SHARE * len(words):
        return as_cp1251, "cp1251"
    if words and cyrillic <= (1 - CYRILLIC_WORD_SHARE) * len(words):
        return data.decode("latin-1"), "latin-1"
    raise SourceError(
        "not UTF-8, and neither cp1251 (Cyrillic words) nor Latin-1 (accented Latin words) fits: "
        "convert the file to UTF-8",
        where=f"{source_file}:byte {first_bad}",
    )


_GEOJSON = re.compile(r'^\s*[\[{]\s*"type"\s*:\s*"(?:FeatureCollection|Feature|Polygon|MultiPolygon|Point|LineString)"')


def _refuse_geojson(text: str, source_file: str) -> None:
    if _GEOJSON.match(text[:200]):
        raise SourceError(
            "a GeoJSON file, not NOTAMs (areas are read from NOTAM text, not from GeoJSON)",
            where=source_file,
            expected="ICAO NOTAM text, a PIB XML bulletin, or JSON / JSON Lines NOTAM records",
        )


def read_notams(data: bytes, source_file: str) -> tuple[NotamFormat, list[RawNotam], list[SourceError]]:
    """The NOTAMs in ``data`` and the records that could not be read. Raises ``SourceError`` when the
    file as a whole is unreadable (an encoding ``decode_text`` cannot tell, malformed XML, malformed JSON
    array) or holds no NOTAM at all (a GeoJSON or any other file that is not NOTAMs)."""
    fmt, notams, errors = _read(data, source_file)
    if not notams:
        why = f"; {errors[0]}" if errors else ""
        raise SourceError(
            f"no NOTAM in the file (read as {fmt.value}){why}",
            where=source_file,
            expected="ICAO NOTAM text, a PIB XML bulletin, or JSON / JSON Lines NOTAM records",
        )
    return fmt, notams, errors


def _read(data: bytes, source_file: str) -> tuple[NotamFormat, list[RawNotam], list[SourceError]]:
    fmt = detect_format(data)
    if fmt is NotamFormat.PIB_XML:
        return fmt, read_pib_xml(data, source_file), []
    text, _ = decode_text(data, source_file)
    if "\x00" in text:
        raise SourceError("binary data, not NOTAM text", where=f"{source_file}:{text.index(chr(0))}")
    if fmt is NotamFormat.JSON:
        _refuse_geojson(text, source_file)
        notams, errors = read_notam_json(text, source_file)
        return fmt, notams, errors
    return fmt, split_notam_text(text, source_file), []
