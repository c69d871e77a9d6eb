"""What an ingest did, for people and scripts: the outcome of each file, the batch's summary, the progress
events it sends, and the lines ``airpicture ingest`` and ``airpicture run`` print. The ingest itself is
:mod:`airpicture.pipeline.ingest`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from airpicture.model.schemas import TimeBasis
from airpicture.pipeline.receivers import ReceiverOrigin
from airpicture.pipeline.time_basis import basis_phrase
from airpicture.sources.adsb import RecordKind


class FileStatus(StrEnum):
    INGESTED = "ingested"
    SKIPPED = "skipped"
    """Already ingested (same content hash); ``force`` redoes it."""
    FAILED = "failed"
    NOT_RECORDING = "not_recording"
    """Found in a folder and plainly no recording (README, LICENSE, a script): not read (``not_recording``)."""


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What became of one input file."""

    path: Path
    status: FileStatus
    file_id: str | None = None
    format: str | None = None
    kind: RecordKind | None = None
    read: int = 0
    stored: int = 0
    """Positions rows written (for frame formats: decoded messages)."""
    rejected: Mapping[str, int] = field(default_factory=dict)
    shown_rejects: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None
    receiver: str | None = None
    """The receiver's pseudonym (HMAC, hex); None: the file is its own receiver."""
    receiver_from: ReceiverOrigin = ReceiverOrigin.FILE
    shown_path: str = ""
    """The path as shown and stored: any receiver name in it replaced by ``receiver-<8 hex>``."""
    time_basis: TimeBasis | None = None
    """Where the file's times come from (docs/ingest.md); approximate for ``file_mtime`` and ``none``."""
    time_anchor: datetime | None = None
    time_anchor_from: str | None = None
    replaced_days: tuple[date, ...] = ()
    """UTC days that held positions of an earlier ingest of this file (removed before it was read again)."""

    @property
    def shown(self) -> str:
        return self.shown_path or str(self.path)

    @property
    def receiver_key(self) -> str | None:
        """What the file's records are rooted in for independence: the receiver pseudonym, else the file."""
        return self.receiver or self.file_id

    @property
    def n_rejected(self) -> int:
        return sum(self.rejected.values())

    def line(self) -> str:
        """One line for people: ``<path>: <counts>`` or the error."""
        if self.status is FileStatus.FAILED:
            return f"{self.error}"
        if self.status is FileStatus.SKIPPED:
            return (
                f"{self.shown}: already ingested (same content, {self.file_id and self.file_id[:12]}); --force to redo"
            )
        rx = f", {self.receiver_from.value} receiver-{self.receiver[:8]}" if self.receiver else ""
        times = f", {basis_phrase(self.time_basis, self.time_anchor, self.time_anchor_from)}" if self.time_basis else ""
        counts = count_line(self.kind, self.read, self.stored, self.rejected)
        return f"{self.shown} [{self.format}{rx}{times}]: {counts}"


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """The outcome of :func:`ingest_paths`, file by file and in total."""

    files: tuple[FileOutcome, ...]

    def by_status(self, status: FileStatus) -> list[FileOutcome]:
        return [f for f in self.files if f.status is status]

    def totals(self, kind: RecordKind) -> tuple[int, int, dict[str, int]]:
        read = stored = 0
        rejected: Counter[str] = Counter()
        for outcome in self.files:
            if outcome.kind is kind and outcome.status is FileStatus.INGESTED:
                read += outcome.read
                stored += outcome.stored
                rejected.update(outcome.rejected)
        return read, stored, dict(rejected)

    def lines(self) -> list[str]:
        """The summary for people: totals per kind, then files skipped and failed."""
        out: list[str] = []
        for kind in RecordKind:
            read, stored, rejected = self.totals(kind)
            if read or any(f.kind is kind and f.status is FileStatus.INGESTED for f in self.files):
                out.append(count_line(kind, read, stored, rejected))
        done, skipped, failed = (len(self.by_status(s)) for s in FileStatus if s is not FileStatus.NOT_RECORDING)
        out.append(f"{done:,} files ingested, {skipped:,} already ingested, {failed:,} failed")
        not_data = self.by_status(FileStatus.NOT_RECORDING)
        if not_data:
            why = Counter(f.error or "not a recording" for f in not_data)
            parts = ", ".join(f"{n:,} {kind}" for kind, n in sorted(why.items(), key=lambda kv: (-kv[1], kv[0])))
            out.append(f"{len(not_data):,} files in the folders skipped as plainly not recordings ({parts})")
        return out

    @property
    def ok(self) -> bool:
        return not self.by_status(FileStatus.FAILED)


def count_line(kind: RecordKind | None, read: int, stored: int, rejected: Mapping[str, int]) -> str:
    """``1,204,551 frames read, 1,198,002 decoded, 6,549 rejected (crc 6,400; truncated 1; unknown DF 148)``."""
    noun, verb = ("frames", "decoded") if kind is RecordKind.FRAMES else ("rows", "stored")
    text = f"{read:,} {noun} read, {stored:,} {verb}, {sum(rejected.values()):,} rejected"
    if rejected:
        parts = "; ".join(f"{reason_label(r)} {n:,}" for r, n in sorted(rejected.items(), key=lambda kv: -kv[1]))
        text += f" ({parts})"
    return text


def reason_label(reason: str) -> str:
    return reason.replace("_", " ").replace("unknown df", "unknown DF")


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Sent after every chunk: which file of how many, and records read from it so far."""

    file_index: int
    files_total: int
    path: Path
    records: int
    file_done: bool = False
    label: str = ""
    """The file's name as shown (a receiver name in it replaced by its pseudonym label)."""


Progress = Callable[[ProgressEvent], None]


def iter_outcome_lines(summary: IngestSummary) -> Iterator[str]:
    """Per-file lines for people: counts, notes, the first rejects, errors."""
    for outcome in summary.files:
        yield outcome.line()
        for note in outcome.notes:
            yield f"  note: {note}"
        for shown in outcome.shown_rejects:
            yield f"  rejected {shown}"
        if outcome.n_rejected > len(outcome.shown_rejects) and outcome.shown_rejects:
            yield f"  … {outcome.n_rejected - len(outcome.shown_rejects):,} more in the quarantine table"
