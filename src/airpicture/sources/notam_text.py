"""ICAO-format NOTAM text files: one or many NOTAMs, with or without parentheses and AFTN envelopes.

A NOTAM starts at its header (``A1234/22 NOTAMN``, optionally preceded by ``(``) and runs to the next
header. AFTN envelope lines (``ZCZC``, ``GG EUECYIYN``, ``151542 LSSNYNYX``, ``NNNN``) and footers
(``CREATED: …``, ``SOURCE: …``) left between NOTAMs are stripped by the parser, which knows where the
items end. ``RawNotam.offset`` is the character offset of the NOTAM in the file.
"""

from __future__ import annotations

import re

from airpicture.model.notam import RawNotam

_START = re.compile(r"(?m)(?:(?<=^)|(?<=[\s(]))\(?[A-Z] ?\d{4} ?/ ?\d{2}\s*NOTAM[NRC]")


def split_notam_text(text: str, source_file: str) -> list[RawNotam]:
    """The NOTAMs in ``text`` in file order. Text before the first header is ignored (envelope)."""
    starts = [m.start() for m in _START.finditer(text)]
    out = []
    for k, start in enumerate(starts):
        if start > 0 and text[start - 1] == "(":
            start -= 1
        end = starts[k + 1] if k + 1 < len(starts) else len(text)
        if end > 0 and k + 1 < len(starts) and text[end - 1] == "(":
            end -= 1
        chunk = text[start:end].rstrip()
        out.append(RawNotam(text=chunk, source_file=source_file, offset=start))
    return out
