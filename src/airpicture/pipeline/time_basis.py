"""The time basis of ingested files: where a file's times come from, and which facts rest on approximate ones.

Every ingested file records its basis in ``ingested_files.time_basis`` (``model.schemas.TimeBasis``):
``absolute`` (UTC times in the data), ``receiver_clock_anchored`` (a receiver clock anchored by ``--start`` or a
``<file>.start`` sidecar, ``sources/adsb/sidecar.py``), ``file_mtime`` (anchored on the file's modification
time) or ``none`` (no time in the data). The last two are *approximate*: their rows carry
``PositionFlag.TIME_APPROXIMATE`` and everything derived from them (tracks, events, claims, assessment items)
carries a ``time_approximate`` flag; see docs/ingest.md and docs/assessment.md. This module decides the start
time of one file, and reads the bases back for ``workspace info``, the run summary and the claims stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from airpicture.model.schemas import TimeBasis
from airpicture.sources.adsb.sidecar import read_sidecar, sidecar_path
from airpicture.store import Workspace

APPROXIMATE_BASES = tuple(b.value for b in TimeBasis if b.approximate)


class AnchorFrom(StrEnum):
    """Where a file's time anchor came from (``ingested_files.time_anchor_from``)."""

    OPTION = "option"
    """``airpicture ingest --start``."""
    SIDECAR = "sidecar"
    """The ``<file>.start`` sidecar next to the recording."""
    MTIME = "mtime"
    """The file's modification time (nothing else was given): approximate."""
    DATA = "data"
    """The data's own UTC times: no anchor needed."""


@dataclass(frozen=True, slots=True)
class StartTime:
    """The start time chosen for one file (None: none given) and where it came from."""

    start: datetime | None = None
    origin: AnchorFrom | None = None
    label: str = "--start"
    """How the ingest notes name it: ``--start`` or ``sidecar <name>``."""


def start_for(path: Path, option: datetime | None) -> StartTime:
    """``--start`` for every file of the command, else the file's own sidecar; ``SourceError`` for a bad sidecar.

    A sidecar next to a file ingested with ``--start`` is not read: the option names the start of every file."""
    if option is not None:
        return StartTime(option, AnchorFrom.OPTION, "--start")
    found = read_sidecar(path)
    if found is None:
        return StartTime()
    return StartTime(found, AnchorFrom.SIDECAR, f"sidecar {sidecar_path(path).name}")


def anchor_changed(recorded: Sequence[Any] | None, chosen: StartTime) -> bool:
    """Whether a file already ingested (``recorded``: its ``time_basis, time_anchor, time_anchor_from``) must be
    ingested again because a start time is given now that differs from the one its positions rest on (a sidecar
    added after a run warned that its times were approximate). Files with times in the data never are."""
    if recorded is None or chosen.start is None:
        return False
    basis, anchor, origin = recorded
    if basis == TimeBasis.ABSOLUTE.value:
        return False
    if origin not in (AnchorFrom.OPTION.value, AnchorFrom.SIDECAR.value) or anchor is None:
        return True
    return bool(anchor.astimezone(UTC) != chosen.start)


def anchor_of(basis: TimeBasis, chosen: StartTime, mtime: datetime) -> tuple[datetime | None, AnchorFrom]:
    """The anchor recorded for a file of ``basis``: the start given, the mtime used, or none (times in the data)."""
    if basis is TimeBasis.ABSOLUTE:
        return None, AnchorFrom.DATA
    if chosen.start is not None and chosen.origin is not None:
        return chosen.start, chosen.origin
    return mtime, AnchorFrom.MTIME


def basis_phrase(basis: TimeBasis | str | None, anchor: datetime | None, origin: str | None) -> str:
    """``time basis file_mtime (2026-12-01T10:00:00Z, the file's modification time)`` and the like."""
    if basis is None:
        return "time basis unknown (ingested before time bases were recorded)"
    value = TimeBasis(basis)
    if anchor is None or value is TimeBasis.ABSOLUTE:
        return f"time basis {value.value}"
    where = {
        AnchorFrom.OPTION.value: "--start",
        AnchorFrom.SIDECAR.value: "start-time sidecar",
        AnchorFrom.MTIME.value: "the file's modification time",
    }.get(origin or "", origin or "")
    return f"time basis {value.value} ({_iso(anchor)}, {where})"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class FileTimeBasis:
    """One ingested file's time basis as ``workspace info`` shows it (path with receiver names redacted)."""

    file_id: str
    path: str
    format: str
    basis: str | None
    anchor: datetime | None
    anchor_from: str | None

    @property
    def approximate(self) -> bool:
        return self.basis in APPROXIMATE_BASES


def file_time_bases(workspace: Workspace) -> list[FileTimeBasis]:
    """Every ingested file with its time basis, by path."""
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT file_id, path, format, time_basis, time_anchor, time_anchor_from FROM ingested_files ORDER BY path"
        ).fetchall()
    return [FileTimeBasis(r[0], r[1], r[2], r[3], r[4].astimezone(UTC) if r[4] else None, r[5]) for r in rows]


def basis_counts(files: Iterable[FileTimeBasis]) -> dict[str, int]:
    """Files per time basis (``unknown`` for files ingested before bases were recorded)."""
    counts: dict[str, int] = {}
    for f in files:
        key = f.basis or "unknown"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def approximate_files(con: Any) -> frozenset[str]:
    """File ids (``positions.source_file``) of the ingested files whose times are approximate."""
    marks = ", ".join("?" for _ in APPROXIMATE_BASES)
    rows = con.execute(
        f"SELECT file_id FROM ingested_files WHERE time_basis IN ({marks})", list(APPROXIMATE_BASES)
    ).fetchall()
    return frozenset(r[0] for r in rows)


def approximate_warning(shown: str, basis: TimeBasis, anchor: datetime | None) -> str:
    """The one warning the run summary prints for a file whose times are approximate. ``shown`` is the path as
    shown (a receiver name in it replaced by its label), so the sidecar is described, not named."""
    how = (
        f"anchored on the file's modification time {_iso(anchor)}"
        if basis is TimeBasis.FILE_MTIME and anchor is not None
        else "the data carries no times"
    )
    return (
        f"warning: {shown}: times are approximate (time basis {basis.value}: {how}); everything derived from it is "
        "flagged time_approximate and supports at most low confidence. Put its UTC start in a file named like it "
        "plus .start, next to it, and run again"
    )
