"""ICAO-format NOTAM text files: one or many NOTAMs, with or without parentheses and AFTN envelopes.

A NOTAM starts at any NOTAM start that can be recognised and runs to the next one; NOTAMs are never
glued together. Starts, in the order they are looked for:

- an ICAO header ``A1234/22 NOTAMN`` (optionally preceded by ``(``), anywhere after a space or ``(``;
- an FAA-numbered header ``07/016 NOTAMN`` (``mm/nnn``);
- an FAA domestic-format NOTAM ``!BNA 07/016 …`` at the start of a line;
- a header-less NOTAM: a line starting with ``Q)`` once the current NOTAM already has an item, or with
  ``A)`` once it already has its item E (the text before the first start counts too, if it has items).

A header-less block is handed on like any other; the parser finds no id, and ingest quarantines it with
its line number. AFTN envelope lines (``ZCZC``, ``GG EUECYIYN``, ``151542 LSSNYNYX``, ``NNNN``) and
footers (``CREATED: …``, ``SOURCE: …``) left between NOTAMs are stripped by the parser, which knows where
the items end. ``RawNotam.offset`` is the character offset of the NOTAM in the file, ``RawNotam.line``
its 1-based line.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from airpicture.model.notam import RawNotam

_HEADER = re.compile(r"(?:(?<=^)|(?<=[\s(]))\(?(?:[A-Z] ?\d{4} ?/ ?\d{2}|\d{2}/\d{3,4})\s*NOTAM[NRC]", re.MULTILINE)
_FAA_DOMESTIC = re.compile(r"^[ \t]*!(?:[A-Z0-9]{3,4})\s+\d{1,2}/\d{3,4}\b", re.MULTILINE)
_LINE_ITEM = re.compile(r"^[ \t]*\(?(?P<letter>[QA])\)")
_ITEM = re.compile(r"(?:(?<=^)|(?<=[\s(]))(?P<letter>[QABCDEFG])\)")


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def split_notam_text(text: str, source_file: str) -> list[RawNotam]:
    """The NOTAMs in ``text`` in file order (see the module docstring). Envelope text before the first
    NOTAM start is ignored; nothing after it is merged into a NOTAM it does not belong to."""
    starts = {m.start(): True for m in _HEADER.finditer(text)}
    starts.update(
        {m.start() + (len(m.group(0)) - len(m.group(0).lstrip())): True for m in _FAA_DOMESTIC.finditer(text)}
    )
    lines = _line_starts(text)
    header_starts = sorted(starts)
    # Header-less NOTAMs: walk the lines, remembering which items the current NOTAM has.
    headless: list[int] = []
    seen: set[str] = set()
    in_notam = False
    next_header = 0
    for k, line_start in enumerate(lines):
        line_end = lines[k + 1] if k + 1 < len(lines) else len(text)
        while next_header < len(header_starts) and header_starts[next_header] < line_end:
            if header_starts[next_header] >= line_start:
                seen, in_notam = set(), True
            next_header += 1
        line = text[line_start:line_end]
        lead = _LINE_ITEM.match(line)
        if lead is not None and not any(line_start <= s < line_end for s in header_starts):
            letter = lead["letter"]
            if (letter == "Q" and seen) or (letter == "A" and "E" in seen) or not in_notam:
                headless.append(line_start + (len(line) - len(line.lstrip(" \t"))))
                seen, in_notam = set(), True
        seen.update(m["letter"] for m in _ITEM.finditer(line))
    all_starts = sorted(set(header_starts) | set(headless))
    out = []
    for k, start in enumerate(all_starts):
        end = all_starts[k + 1] if k + 1 < len(all_starts) else len(text)
        chunk = text[start:end].rstrip()
        if k + 1 < len(all_starts) and chunk.endswith("("):
            chunk = chunk[:-1].rstrip()
        out.append(RawNotam(text=chunk, source_file=source_file, offset=start, line=bisect_right(lines, start)))
    return out
