"""Start-time sidecars: ``<recording>.start`` next to a receiver recording gives the UTC time of its first frame.

Beast files and timestamped hex lines carry a receiver clock, not wall-clock time; ``*`` hex lines carry no
time at all. ``airpicture ingest --start T`` anchors every file of one command; a sidecar anchors one file,
and is how ``airpicture run`` (which has no ``--start``) learns when an inbox recording began::

    inbox/adsb/minsk/night-0711.beast
    inbox/adsb/minsk/night-0711.beast.start      2022-07-11T18:00:00Z

The sidecar holds one ISO-8601 date-time with its UTC offset (``Z`` or ``+00:00``; another offset is
converted to UTC), on the first line that is neither blank nor a ``#`` comment. A time without an offset, a
second time, or anything else is an error naming the sidecar and line: a wrong sidecar is never silently
replaced by the file's modification time. See docs/ingest.md and docs/formats/adsb-inputs.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from airpicture.model.errors import SourceError

SIDECAR_SUFFIX = ".start"
"""Appended to the recording's full name (``x.beast`` → ``x.beast.start``)."""

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_MAX_BYTES = 4096
_EXPECTED = "one ISO-8601 UTC date-time such as 2022-07-11T18:00:00Z"


def sidecar_path(recording: Path) -> Path:
    """Where the start-time sidecar of ``recording`` would be."""
    return recording.with_name(recording.name + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    """A start-time sidecar (not a recording): its name ends in ``.start``."""
    return path.name.endswith(SIDECAR_SUFFIX) and len(path.name) > len(SIDECAR_SUFFIX)


def read_sidecar(recording: Path) -> datetime | None:
    """The UTC start in the sidecar of ``recording``; None when it has none. ``SourceError`` for a bad sidecar."""
    path = sidecar_path(recording)
    if not path.is_file():
        return None
    try:
        data = path.read_bytes()[: _MAX_BYTES + 1]
    except OSError as exc:
        raise SourceError(f"cannot read the start-time sidecar: {exc.strerror or exc}", where=str(path)) from exc
    if len(data) > _MAX_BYTES:
        raise SourceError("start-time sidecar too long", where=str(path), expected=f"at most {_MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            "start-time sidecar is not UTF-8 text", where=f"{path}:{exc.start}", expected=_EXPECTED
        ) from None
    found: datetime | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        if found is not None:
            raise SourceError(
                "a second time in the start-time sidecar", where=where, found=line[:60], expected=_EXPECTED
            )
        found = _parse(line, where)
    if found is None:
        raise SourceError("empty start-time sidecar", where=str(path), expected=_EXPECTED)
    return found


def _parse(line: str, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(line.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SourceError("not a date-time", where=where, found=line[:60], expected=_EXPECTED) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise SourceError("date-time without a UTC offset", where=where, found=line[:60], expected=_EXPECTED)
    value = value.astimezone(UTC)
    if not _EARLIEST <= value < _LATEST:
        raise SourceError("start time outside 1990-2100", where=where, found=line[:60], expected=_EXPECTED)
    return value
