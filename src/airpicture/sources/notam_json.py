"""NOTAMs as JSON: an array of objects, one object, or JSON Lines.

An object is read from its ICAO text (key ``icao_text``, ``text``, ``all``, ``raw`` or ``message``) or,
failing that, from PIB-style structured fields (``Series``, ``Number``, ``Q: {FIR, Code23…}``, ``ItemA``…),
which are kept as ``RawNotam.reference``. ``offset`` is the record number (0-based). A record that is not
valid JSON, or has neither text nor fields, is returned as a ``SourceError`` and the rest are read.
"""

from __future__ import annotations

import json
from typing import Any

from airpicture.model.errors import SourceError
from airpicture.model.notam import RawNotam
from airpicture.sources.notam_xml import compose_icao_text

TEXT_KEYS = ("icao_text", "text", "all", "raw", "message")


def _record(obj: Any, source_file: str, k: int) -> RawNotam | SourceError:
    if not isinstance(obj, dict):
        return SourceError("NOTAM record is not an object", where=f"{source_file}:record {k}", found=type(obj).__name__)
    fields = {key: str(v) for key, v in obj.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    for key, value in (obj.get("Q") or {}).items() if isinstance(obj.get("Q"), dict) else ():
        fields[f"Q.{key}"] = str(value)
    reference = tuple(sorted(f for f in fields.items() if f[0] not in TEXT_KEYS))
    for key in TEXT_KEYS:
        if isinstance(obj.get(key), str) and obj[key].strip():
            return RawNotam(text=obj[key], source_file=source_file, offset=k, reference=reference)
    if "Series" in fields and "Number" in fields:
        return RawNotam(text=compose_icao_text(fields), source_file=source_file, offset=k, reference=reference)
    return SourceError(
        "NOTAM record has no text and no structured fields",
        where=f"{source_file}:record {k}",
        expected=f"one of the keys {', '.join(TEXT_KEYS)} or Series/Number/Q/ItemA…",
    )


def read_notam_json(text: str, source_file: str) -> tuple[list[RawNotam], list[SourceError]]:
    """The NOTAMs of a JSON or JSON Lines document, and the records that could not be read."""
    stripped = text.lstrip()
    records: list[tuple[int, Any]] = []
    errors: list[SourceError] = []
    try:
        whole = json.loads(text)
        items = whole if isinstance(whole, list) else [whole]
        records = list(enumerate(items))
    except json.JSONDecodeError as exc:
        if stripped.startswith("["):
            raise SourceError(f"not valid JSON: {exc.msg}", where=f"{source_file}:{exc.lineno}:{exc.colno}") from None
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((lineno - 1, json.loads(line)))
            except json.JSONDecodeError as line_exc:
                errors.append(SourceError(f"not valid JSON: {line_exc.msg}", where=f"{source_file}:line {lineno}"))
    out: list[RawNotam] = []
    for k, obj in records:
        result = _record(obj, source_file, k)
        if isinstance(result, SourceError):
            errors.append(result)
        else:
            out.append(result)
    return out, errors
