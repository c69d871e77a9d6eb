"""A bounded, damage-tolerant CSV reader for observer-report exports.

``csv.DictReader`` merges the rest of a file into one field after an unterminated quote, and raises (aborting
the whole import) on a field over 128 KiB. Here a record is read with ``strict=True`` and limits; a record that
breaks one (a quote that does not close within :data:`MAX_RECORD_LINES` physical lines or before the end of
the file, a stray quote, a field over :data:`MAX_FIELD_CHARS`, a line over :data:`MAX_LINE_CHARS`) is a
*damaged row*: counted and reported by number, never by content, and reading starts again on the next
physical line, so the rows after it are kept. Work is linear in the file's size: a restart re-reads at most
:data:`MAX_RECORD_LINES` lines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

MAX_FIELD_CHARS = 128 * 1024
"""Longest field (characters); Python's own ``csv`` default, now a per-row rejection instead of a crash."""
MAX_LINE_CHARS = 1024 * 1024
"""Longest physical line (characters)."""
MAX_RECORD_LINES = 200
"""Most physical lines one record (a quoted multi-line text) may span."""
MAX_COLUMNS = 256
"""Most columns in the header row."""


class _TooLong(Exception):
    """A line or record over the limits (internal: becomes a damaged row)."""


@dataclass(frozen=True, slots=True)
class CsvRows:
    """The header, the data rows (``None`` for a damaged row, with its reason in ``damaged``)."""

    header: tuple[str, ...]
    rows: tuple[dict[str, str] | None, ...]
    damaged: dict[int, str]


class CsvShapeError(ValueError):
    """The file cannot be read as CSV at all (no header, too many columns, damaged header)."""


def read_csv(text: str) -> CsvRows:
    """Read ``text`` (a whole CSV export, header first). Data rows are numbered from 1."""
    lines = list(io.StringIO(text, newline=""))
    header: tuple[str, ...] | None = None
    rows: list[dict[str, str] | None] = []
    damaged: dict[int, str] = {}
    base = 0
    while base < len(lines):
        state = {"start": base}

        def feed(start: int = base, state: dict[str, int] = state) -> Iterator[str]:
            for index in range(start, len(lines)):
                if len(lines[index]) > MAX_LINE_CHARS:
                    raise _TooLong(f"line longer than {MAX_LINE_CHARS:,} characters")
                if index - state["start"] >= MAX_RECORD_LINES:
                    raise _TooLong(f"a quoted field does not close within {MAX_RECORD_LINES} lines")
                yield lines[index]

        reader = csv.reader(feed(), strict=True)
        consumed = 0
        try:
            for record in reader:
                consumed = reader.line_num
                state["start"] = base + consumed
                if header is None:
                    if len(record) > MAX_COLUMNS:
                        raise CsvShapeError(f"more than {MAX_COLUMNS} columns in the header row")
                    header = tuple(record)
                    continue
                if not record:
                    continue  # a blank line
                if any(len(value) > MAX_FIELD_CHARS for value in record):
                    rows.append(None)
                    damaged[len(rows)] = f"a field is longer than {MAX_FIELD_CHARS:,} characters"
                    continue
                rows.append(dict(zip(header, record, strict=False)))
            break
        except (csv.Error, _TooLong) as exc:
            if header is None:
                raise CsvShapeError("damaged header row") from None
            rows.append(None)
            damaged[len(rows)] = _reason(exc)
            base += consumed + 1  # the record started on line base + consumed: go on after that line
    if header is None or not header:
        raise CsvShapeError("no header row")
    return CsvRows(header, tuple(rows), damaged)


def _reason(exc: Exception) -> str:
    if isinstance(exc, _TooLong):
        return str(exc)
    message = str(exc)
    if "field larger than field limit" in message:
        return f"a field is longer than {MAX_FIELD_CHARS:,} characters"
    if "unexpected end of data" in message or "EOF" in message:
        return "a quoted field is not closed (unterminated quote)"
    return "damaged CSV (a stray quote or a quote not followed by a delimiter)"


__all__ = [
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_LINE_CHARS",
    "MAX_RECORD_LINES",
    "CsvRows",
    "CsvShapeError",
    "read_csv",
]
