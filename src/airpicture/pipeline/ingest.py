"""``ingest``: receiver files in, positions (Parquet, per UTC day) and quarantined rejects out.

For each file: hash it (SHA-256 = ``file_id``); skip it if ``ingested_files`` already has that hash
(unless ``force``); detect or force its format; stream its chunks; send frame chunks through the Mode S
decoder; write positions as ``positions/day=D/part-<file_id[:20]>-<n>.parquet`` every
``ingest.flush_rows`` rows; insert rejects into ``quarantine``; and only then record the file in
``ingested_files`` (and take it off ``ingest_pending``, where it was put before its first part was
written). A kill at any point leaves whole Parquet files and an unrecorded, pending file: the next run
deletes that file's stale parts and quarantine rows and does it again. Readers of positions count only
rows whose ``source_file`` is not pending (``store.workspace.COMPLETE_POSITIONS``,
``Workspace.pending_files``), so a half-ingested file is never seen. Bad input never stops the batch: a
file of no known format, or one a reader refuses, is reported as failed with one line and the next file goes on.

Each file's receiver (``--receiver``, the inbox sub-folder, the first Beast 0xE3 receiver id, else none: the
file is its own receiver) is recorded in ``ingested_files.receiver`` as a keyed pseudonym only, and every
path and message that leaves here has the receiver's name replaced by its label (pipeline/receivers.py).

Each file's **time basis** (``absolute``, ``receiver_clock_anchored``, ``file_mtime``, ``none``;
pipeline/time_basis.py) is recorded in ``ingested_files.time_basis`` with its anchor. A receiver clock is
anchored by ``--start``, else by the file's ``<file>.start`` sidecar, else on the file's mtime; the rows of a
file whose times are approximate carry ``PositionFlag.TIME_APPROXIMATE``. A file already ingested is ingested
again when a start time is given now that differs from the one it was anchored on (a sidecar added later).
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pyarrow as pa

from airpicture.decode.modes import FrameDecoder
from airpicture.model.clock import Clock
from airpicture.model.errors import AirpictureError, SourceError, UsageError
from airpicture.model.schemas import PositionFlag, TimeBasis
from airpicture.model.settings import Settings
from airpicture.pipeline.ingest_chunk import chunk_positions, quarantine_rejects, set_flag
from airpicture.pipeline.ingest_summary import (
    FileOutcome,
    FileStatus,
    IngestSummary,
    Progress,
    ProgressEvent,
    count_line,
    iter_outcome_lines,
    reason_label,
)
from airpicture.pipeline.ingest_support import WriteFailed, detected_hint, spool_stdin, writing
from airpicture.pipeline.receivers import Receiver, ReceiverKeys, ReceiverOrigin, inbox_receiver, normalise_name, redact
from airpicture.pipeline.time_basis import StartTime, anchor_changed, anchor_of, start_for
from airpicture.sources.adsb import (
    AdsbFormat,
    BeastClock,
    Chunk,
    FormatSpec,
    InputFile,
    ReadOptions,
    RecordKind,
    detect_format,
    open_input,
    parse_format,
)
from airpicture.sources.adsb.streams import DEFAULT_LIMITS, Limits
from airpicture.sources.files import STDIN, not_recording, walk_paths
from airpicture.store import Workspace
from airpicture.store.stages import PART_PREFIX_LEN
from airpicture.store.transaction import transaction

log = logging.getLogger(__name__)

SHOWN_REJECTS = 5
"""How many rejects per file the summary shows with file:offset."""


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Choices of one ingest run (the command-line flags)."""

    format: str | None = None
    """Force this format (an ``AdsbFormat`` value) instead of detecting it."""
    force: bool = False
    start: datetime | None = None
    """UTC time of the first frame, for receiver clocks that are not wall-clock time (see docs/ingest.md)."""
    beast_clock: str = BeastClock.MHZ12.value
    receiver_lat_deg: float | None = None
    receiver_lon_deg: float | None = None
    receiver: str | None = None
    """Name (or alias) of the receiver that recorded every file of this run (``--receiver``). Held in memory
    only: the workspace gets its keyed pseudonym (pipeline/receivers.py)."""
    receiver_folders: Path | None = None
    """A folder whose first-level sub-folders name receivers (the inbox layout ``inbox/adsb/<receiver>/…``)."""
    stdin: BinaryIO | None = None
    """Where the path ``-`` reads from (the CLI passes standard input); spooled to the workspace first."""
    limits: Limits = DEFAULT_LIMITS
    """Line, column, field and size limits of the readers (docs/ingest.md, Limits)."""


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The files of :func:`walk_paths`; symbolic links inside folders are left out, with a warning."""
    walk = walk_paths(paths)
    if walk.links:
        log.warning(
            "%d symbolic link(s) inside the folders refused (not followed: they may point outside the workspace)",
            len(walk.links),
        )
    return [p for p, _ in walk.files]


def ingest_paths(
    workspace: Workspace,
    paths: Iterable[Path],
    settings: Settings,
    clock: Clock,
    progress: Progress | None = None,
    options: IngestOptions | None = None,
) -> IngestSummary:
    """Ingest every file under ``paths`` into ``workspace``; never stops on bad input.

    Returns an :class:`IngestSummary`. Raises only for problems of the run itself (the workspace
    cannot be written) or a bad option (``UsageError``).
    """
    options = options or IngestOptions()
    forced = parse_format(options.format) if options.format else None
    try:
        beast_clock = BeastClock(options.beast_clock)
    except ValueError:
        raise UsageError(
            "unknown Beast clock",
            found=options.beast_clock,
            expected=f"one of {', '.join(c.value for c in BeastClock)}",
        ) from None
    read_options = ReadOptions(
        start=options.start, beast_clock=beast_clock, max_reorder_s=settings.ingest.max_reorder_s, limits=options.limits
    )
    walk = walk_paths(paths)
    files = walk.files
    keys = ReceiverKeys(settings.reports.reporter_key_file, workspace.root)
    if options.receiver is not None:
        normalise_name(options.receiver)
        keys.key()  # a missing or misplaced key fails the run before any file is read
    outcomes: list[FileOutcome] = [_refused_link(link, options, keys) for link in walk.links]
    broken: str | None = None
    """Set when the workspace could not be written (disk full): the files after it are not tried."""
    with workspace.connect() as con:
        for index, (path, in_folder) in enumerate(files):
            named = _named_receiver(path, options, keys)
            if broken is not None:
                error = redact(f"{path}: not read: {broken}", named)
                outcomes.append(FileOutcome(path, FileStatus.FAILED, error=error, shown_path=redact(str(path), named)))
                continue
            kind = not_recording(path) if in_folder else None
            if kind is not None:
                outcomes.append(
                    FileOutcome(path, FileStatus.NOT_RECORDING, error=kind, shown_path=redact(str(path), named))
                )
                continue
            job = _FileJob(
                workspace, con, settings, clock, options, read_options, forced, progress, index, len(files), keys, named
            )
            outcome = _ingest_stdin(job, workspace, options, clock) if path == STDIN else job.run(path)
            broken = job.broken
            outcomes.append(outcome)
            if progress is not None:
                progress(
                    ProgressEvent(index, len(files), path, outcome.read, file_done=True, label=Path(outcome.shown).name)
                )
    return IngestSummary(tuple(outcomes))


def _refused_link(link: Path, options: IngestOptions, keys: ReceiverKeys) -> FileOutcome:
    shown = redact(str(link), _named_receiver(link, options, keys))
    return FileOutcome(
        link,
        FileStatus.FAILED,
        error=f"{shown}: a symbolic link inside the folder, refused: it is not followed (it may point outside the "
        "workspace); copy the file in instead",
        shown_path=shown,
    )


def _ingest_stdin(job: _FileJob, workspace: Workspace, options: IngestOptions, clock: Clock) -> FileOutcome:
    """Spool standard input to a file of the workspace, ingest it as ``<stdin>``, delete the spool."""
    if options.stdin is None:
        raise UsageError("'-' reads standard input, and none was given", where="ingest")
    try:
        spool = spool_stdin(workspace.tmp_dir, options.stdin, clock)
    except WriteFailed as exc:
        return FileOutcome(STDIN, FileStatus.FAILED, error=f"<stdin>: {exc}", shown_path="<stdin>")
    try:
        outcome = job.run(spool, label="<stdin>")
    finally:
        spool.unlink(missing_ok=True)
    return replace(outcome, path=STDIN)


def _named_receiver(path: Path, options: IngestOptions, keys: ReceiverKeys) -> Receiver | None:
    """The receiver named for ``path`` before reading it: ``--receiver``, else its inbox sub-folder."""
    if options.receiver is not None:
        return keys.receiver(options.receiver, ReceiverOrigin.OPTION)
    if options.receiver_folders is not None:
        name = inbox_receiver(path, options.receiver_folders)
        if name is not None and name.strip():
            return keys.receiver(name, ReceiverOrigin.INBOX)
    return None


@dataclass
class _FileJob:
    workspace: Workspace
    con: duckdb.DuckDBPyConnection
    settings: Settings
    clock: Clock
    options: IngestOptions
    read_options: ReadOptions
    forced: AdsbFormat | None
    progress: Progress | None
    index: int
    total: int
    keys: ReceiverKeys
    receiver: Receiver | None
    """Named before reading (option or inbox folder); else set from the file's first Beast receiver id."""
    read: int = 0
    stored: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    shown: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    buffered: list[pa.Table] = field(default_factory=list)
    buffered_rows: int = 0
    parts: int = 0
    beast_ids: dict[str, None] = field(default_factory=dict)
    """Receiver ids (hex) of the file's Beast 0xE3 records, in order of first use. Memory only."""
    good: int = 0
    """Records the reader could use (frames or positions, before decoding)."""
    label: str | None = None
    """How the file is named in messages and the store when its path is not its name (``<stdin>``)."""
    broken: str | None = None
    """Why the workspace could not be written (disk full …): the batch stops trying files."""
    path_text: str = ""
    """The path as given, replaced by ``label`` in messages."""
    time_basis: TimeBasis | None = None
    """The weakest time basis the file's chunks stated so far (None: none stated: ``absolute``)."""
    start: StartTime = field(default_factory=StartTime)
    replaced_days: list[date] = field(default_factory=list)

    def _hide(self, text: str) -> str:
        if self.label is not None and self.path_text:
            text = text.replace(self.path_text, self.label)
        return redact(text, self.receiver)

    def run(self, path: Path, label: str | None = None) -> FileOutcome:
        self.label, self.path_text = label, str(path)
        shown = self._hide(str(path))
        try:
            source, head = open_input(path)
        except SourceError as exc:
            return FileOutcome(path, FileStatus.FAILED, error=self._hide(str(exc)), shown_path=shown)
        try:
            self.start = start_for(path, self.options.start)
        except SourceError as exc:
            return FileOutcome(
                path, FileStatus.FAILED, file_id=source.file_id, error=self._hide(str(exc)), shown_path=shown
            )
        recorded = self._recorded(source.file_id)
        if recorded is not None and not self.options.force:
            if not anchor_changed(recorded, self.start):
                return FileOutcome(path, FileStatus.SKIPPED, file_id=source.file_id, shown_path=shown)
            self.notes.append(f"ingested again: its start time is now given ({self.start.label})")
        try:
            spec = _spec_for(self.forced, source, head)
        except SourceError as exc:
            return FileOutcome(
                path, FileStatus.FAILED, file_id=source.file_id, error=self._hide(str(exc)), shown_path=shown
            )

        def failed(error: str) -> FileOutcome:
            return FileOutcome(
                path,
                FileStatus.FAILED,
                file_id=source.file_id,
                format=spec.format.value,
                kind=spec.kind,
                error=self._hide(error),
                shown_path=shown,
            )

        try:
            self._forget(source.file_id)
            self._ingest(source, spec)
            if self.forced is not None and not self.good:
                raise SourceError(
                    f"--format {spec.format.value} found no {spec.format.value} records in this file "
                    f"({self.read:,} read, all rejected)" + detected_hint(source, head),
                    where=str(path),
                )
            self._name_from_beast_id()
            shown = self._hide(str(path))
            basis = self.time_basis or TimeBasis.ABSOLUTE
            anchor, anchor_from = anchor_of(basis, self.start, source.mtime)
            self._record(source, spec, shown, basis, anchor, anchor_from.value)
        except WriteFailed as exc:
            self.broken = str(exc)
            self._forget_quietly(source.file_id)
            return failed(f"{path}: {exc}; nothing of this file was kept")
        except AirpictureError as exc:
            self._forget_quietly(source.file_id)
            return failed(str(exc) if exc.where else f"{path}: {exc}")
        except Exception as exc:  # a reader or decoder bug must cost this file only, never the batch
            log.debug("unexpected error reading %s", self._hide(str(path)), exc_info=True)
            self._forget_quietly(source.file_id)
            return failed(f"{path}: cannot read ({type(exc).__name__}: {exc}); the other files go on")
        return FileOutcome(
            path=path,
            status=FileStatus.INGESTED,
            file_id=source.file_id,
            format=spec.format.value,
            kind=spec.kind,
            read=self.read,
            stored=self.stored,
            rejected=dict(self.rejected),
            shown_rejects=tuple(self._hide(s) for s in self.shown),
            notes=tuple(self._hide(n) for n in self.notes),
            receiver=self.receiver.pseudonym if self.receiver else None,
            receiver_from=self.receiver.origin if self.receiver else ReceiverOrigin.FILE,
            shown_path=shown,
            time_basis=basis,
            time_anchor=anchor,
            time_anchor_from=anchor_from.value,
            replaced_days=tuple(sorted(set(self.replaced_days))),
        )

    def _name_from_beast_id(self) -> None:
        """No receiver named before reading: the first Beast receiver id names it (readsb, type 0xE3)."""
        if not self.beast_ids:
            return
        if len(self.beast_ids) > 1:
            self.notes.append(f"{len(self.beast_ids)} Beast receiver ids in this file; the first names its receiver")
        if self.receiver is None:
            self.receiver = self.keys.receiver(next(iter(self.beast_ids)), ReceiverOrigin.BEAST_ID)

    # -- steps -------------------------------------------------------------------------------------------

    def _recorded(self, file_id: str) -> tuple[Any, ...] | None:
        """``(time_basis, time_anchor, time_anchor_from)`` of an earlier ingest of this file; None when none."""
        row = self.con.execute(
            "SELECT time_basis, time_anchor, time_anchor_from FROM ingested_files WHERE file_id = ?", [file_id]
        ).fetchone()
        return None if row is None else tuple(row)

    def _forget(self, file_id: str) -> None:
        """Remove every trace of an earlier (complete or interrupted) ingest of this file."""
        with writing("the workspace database (ingest bookkeeping)"), transaction(self.con):
            self.con.execute("DELETE FROM ingested_files WHERE file_id = ?", [file_id])
            self.con.execute("DELETE FROM quarantine WHERE file_id = ?", [file_id])
            self.con.execute("DELETE FROM ingest_notes WHERE file_id = ?", [file_id])
            self.con.execute("INSERT OR IGNORE INTO ingest_pending VALUES (?)", [file_id])
        for stale in (self.workspace.root / "positions").glob(f"day=*/part-{part_prefix(file_id)}-*.parquet"):
            with contextlib.suppress(ValueError):  # a folder not named day=YYYY-MM-DD is no day
                self.replaced_days.append(date.fromisoformat(stale.parent.name.removeprefix("day=")))
            stale.unlink(missing_ok=True)

    def _forget_quietly(self, file_id: str) -> None:
        """:meth:`_forget` after a failure. If even that cannot be written, the file stays in
        ``ingest_pending`` (so none of its rows is visible) and the next run cleans it up."""
        try:
            self._forget(file_id)
        except WriteFailed:
            log.debug("could not clean up after a failed file; it stays pending", exc_info=True)

    def _ingest(self, source: InputFile, spec: FormatSpec) -> None:
        decoder = _decoder(self.options) if spec.kind is RecordKind.FRAMES else None
        read_options = replace(self.read_options, start=self.start.start, start_from=self.start.label)
        for chunk in spec.read(source, read_options):
            self._take(source, chunk, decoder)
            if self.progress is not None:
                self.progress(
                    ProgressEvent(
                        self.index, self.total, source.path, self.read, label=self.label or self._hide(source.path.name)
                    )
                )
        self._flush(source, final=True)

    def _take(self, source: InputFile, chunk: Chunk, decoder: FrameDecoder | None) -> None:
        self.read += chunk.read
        self.notes.extend(chunk.notes)
        if chunk.time_basis is not None:
            self.time_basis = chunk.time_basis if self.time_basis is None else self.time_basis.weakest(chunk.time_basis)
        taken = chunk_positions(chunk, decoder, source.file_id, simulated=is_simulated(source.path))
        self.good += taken.good
        self.stored += taken.stored
        for value in taken.receiver_ids:
            self.beast_ids.setdefault(value, None)
        for rejects in taken.rejects:
            self._reject(source, rejects)
        positions = taken.positions
        if positions is not None and positions.num_rows:
            self.buffered.append(positions)
            self.buffered_rows += positions.num_rows
            if self.buffered_rows >= self.settings.ingest.flush_rows:
                self._flush(source)

    def _reject(self, source: InputFile, rejects: pa.Table) -> None:
        if not rejects.num_rows:
            return
        reasons = [str(r) for r in rejects["reason"].to_pylist()]
        self.rejected.update(reasons)
        room = SHOWN_REJECTS - len(self.shown)
        if room > 0:
            for row in rejects.slice(0, room).to_pylist():
                self.shown.append(f"{source.where(row['source_offset'])}: {row['reason']}: {row['detail']}")
        with writing("the quarantine table of the workspace database"):
            quarantine_rejects(self.con, source.file_id, rejects)

    def _flush(self, source: InputFile, final: bool = False) -> None:
        if not self.buffered:
            return
        table = pa.concat_tables(self.buffered) if len(self.buffered) > 1 else self.buffered[0]
        self.buffered, self.buffered_rows = [], 0
        part = f"{part_prefix(source.file_id)}-{self.parts:05d}"
        with writing(f"positions part-{part}.parquet (under positions/day=…/)"):
            self.workspace.write_partitioned("positions", table, part)
        self.parts += 1

    def _record(
        self,
        source: InputFile,
        spec: FormatSpec,
        shown_path: str,
        basis: TimeBasis,
        anchor: datetime | None,
        anchor_from: str,
    ) -> None:
        with writing("the ingested_files table of the workspace database"), transaction(self.con):
            if self.notes:
                self.con.executemany(
                    "INSERT INTO ingest_notes VALUES (?, ?)", [[source.file_id, self._hide(n)] for n in self.notes]
                )
            self.con.execute(
                "INSERT INTO ingested_files (file_id, path, format, size_bytes, ingested_at, records_read, "
                "records_stored, records_rejected, receiver, receiver_from, time_basis, time_anchor, time_anchor_from) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source.file_id,
                    shown_path,
                    spec.format.value,
                    source.size_bytes,
                    self.clock.now(),
                    self.read,
                    self.stored,
                    sum(self.rejected.values()),
                    self.receiver.pseudonym if self.receiver else None,
                    (self.receiver.origin if self.receiver else ReceiverOrigin.FILE).value,
                    basis.value,
                    anchor,
                    anchor_from,
                ],
            )
            self.con.execute("DELETE FROM ingest_pending WHERE file_id = ?", [source.file_id])


SIMULATED_PREFIX = "simulated-"
"""Every file ``airpicture simulate`` writes starts with this (docs/scenarios.md); its records are simulated."""


def is_simulated(path: Path) -> bool:
    """A file written by the scenario simulator (its name says so)."""
    return path.name.startswith(SIMULATED_PREFIX)


def mark_simulated(positions: pa.Table) -> pa.Table:
    """Set the ``SIMULATED`` flag on every row: simulated data is labelled in every record, not just its file."""
    return set_flag(positions, PositionFlag.SIMULATED)


def mark_time_approximate(positions: pa.Table) -> pa.Table:
    """Set ``TIME_APPROXIMATE`` on every row: the rows of a chunk whose time basis is approximate."""
    return set_flag(positions, PositionFlag.TIME_APPROXIMATE)


def part_prefix(file_id: str) -> str:
    """The part-file name prefix of one input file: the first 20 hex digits (80 bits) of its hash."""
    return file_id[:PART_PREFIX_LEN]


def _spec_for(forced: AdsbFormat | None, source: InputFile, head: bytes) -> FormatSpec:
    from airpicture.sources.adsb import FORMATS

    if forced is not None:
        return FORMATS[forced]
    return detect_format(source, head)


def _decoder(options: IngestOptions) -> FrameDecoder:
    """A fresh Mode S decoder per file (so a redo of one file gives the same rows)."""
    return FrameDecoder(receiver_lat_deg=options.receiver_lat_deg, receiver_lon_deg=options.receiver_lon_deg)


__all__ = [  # the outcome types live in pipeline/ingest_summary.py; callers may import them from here
    "SIMULATED_PREFIX",
    "FileOutcome",
    "FileStatus",
    "IngestOptions",
    "IngestSummary",
    "Progress",
    "ProgressEvent",
    "count_line",
    "expand_paths",
    "ingest_paths",
    "is_simulated",
    "iter_outcome_lines",
    "mark_simulated",
    "mark_time_approximate",
    "part_prefix",
    "reason_label",
]
