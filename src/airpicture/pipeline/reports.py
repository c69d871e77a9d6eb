"""Observer-report intake: the one function the CLI calls now and the HTTP endpoint will call unchanged.

:func:`intake` takes rows (mappings, e.g. a parsed form or a bot export), the uploaded media by name,
the settings, the clock and the reporter key, and stores what survives vetting: known fields only,
redacted text, stripped media, the HMAC of the pseudonym token. Rows that fail are rejected one by one
with a clear message (row, field, expected) and quarantined without their content; the rest are stored.
Claims are then recomputed. Log lines carry counts only (DESIGN.md: protecting the people who report).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airpicture.model.clock import Clock
from airpicture.model.errors import AirpictureError, ConfigError, SourceError
from airpicture.model.reports import Artifact, ObserverReport
from airpicture.model.settings import Settings
from airpicture.pipeline.places import gazetteer
from airpicture.pipeline.reports_key import load_reporter_key
from airpicture.sources.bounded import read_bounded
from airpicture.sources.report_media import CleanMedia, clean_image
from airpicture.sources.reports import ParsedRow, ReportRows, RowError, parse_row, read_report_file, vet_columns
from airpicture.store import Workspace
from airpicture.store.atomic import atomic_write_bytes, shred
from airpicture.store.claims import insert_reports
from airpicture.store.transaction import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """What an intake did: counts, per-row errors and column warnings (none of them echo content)."""

    imported: int
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    report_ids: tuple[str, ...]
    media_stored: int
    label: str = ""
    """The file as named in messages (:func:`delivered_label`); empty for rows given directly."""
    removed: bool = False
    """The delivered export (and the media it named) was overwritten and deleted."""

    @property
    def rejected(self) -> int:
        return len(self.errors)


def reporter_hash(key: bytes, token: str) -> str:
    """HMAC-SHA256 of the pseudonym token (hex). Only this is stored."""
    return hmac.new(key, token.strip().encode("utf-8"), hashlib.sha256).hexdigest()


@lru_cache(maxsize=1)
def _zone(settings: Settings) -> ZoneInfo:
    try:
        return ZoneInfo(settings.reports.default_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            "unknown time zone",
            where="reports.default_timezone",
            found=settings.reports.default_timezone,
            expected="an IANA zone, e.g. Europe/Minsk",
        ) from None


def intake(
    workspace: Workspace,
    rows: Iterable[Mapping[str, Any]] | ReportRows,
    media: Mapping[str, bytes | SourceError],
    settings: Settings,
    clock: Clock,
    key: bytes,
    *,
    file_sha256: str = "",
) -> IntakeResult:
    """Vet and store observer reports; return counts, per-row errors and warnings. Never aborts the batch
    for a bad row. ``media`` maps the names rows use in their ``media`` field to the uploaded bytes."""
    vetted = rows if isinstance(rows, ReportRows) else vet_columns(rows)
    batch_id = file_sha256 or vetted.file_sha256 or hashlib.sha256(secrets.token_bytes(16)).hexdigest()
    now = clock.now()
    received = now.replace(minute=0, second=0, microsecond=0)
    zone = _zone(settings)
    errors: list[RowError] = []
    notes: list[str] = []
    reports: list[ObserverReport] = []
    cleaned: dict[str, CleanMedia] = {}
    for number, row in enumerate(vetted.rows, start=1):
        if number in vetted.damaged:
            errors.append(RowError(number, "(whole row)", vetted.damaged[number]))
            continue
        parsed = parse_row(
            number,
            row,
            now=now,
            zone=zone,
            default_precision_min=settings.reports.default_time_precision_min,
            future_tolerance_min=settings.reports.future_tolerance_min,
        )
        if isinstance(parsed, RowError):
            errors.append(parsed)
            continue
        outcome = _vet_row(parsed, media, settings, key, received, batch_id)
        if isinstance(outcome, RowError):
            errors.append(outcome)
            continue
        report, row_media = outcome
        cleaned.update(row_media)
        notes.extend(parsed.notes)
        reports.append(report)
    artifacts: list[tuple[Artifact, str]] = []
    for sha, item in sorted(cleaned.items()):
        relative = f"media/{sha[:2]}/{sha}.{item.extension}"
        target = workspace.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, item.data, workspace.tmp_dir)
        _coarse_mtime(target, received)
        artifacts.append(
            (
                Artifact(sha, item.phash, item.media_type, item.width_px, item.height_px, len(item.data), received),
                relative,
            )
        )
    with workspace.connect() as con, transaction(con):
        insert_reports(con, reports, artifacts)
        for error in errors:  # quarantined without content: the raw row is never kept
            con.execute(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, NULL)",
                [batch_id, f"row {error.row}", f"field {error.field}", str(error)],
            )
    log.info("report intake: %d stored, %d rejected, %d media stored", len(reports), len(errors), len(artifacts))
    return IntakeResult(
        len(reports),
        tuple(str(e) for e in errors),
        (*vetted.warnings, *notes),
        tuple(r.report_id for r in reports),
        len(artifacts),
    )


def _coarse_mtime(path: Path, hour: datetime) -> None:
    """A stored media file, its folder and ``media/`` carry the hour of receipt as their times, no finer."""
    stamp = hour.timestamp()
    for each in (path, path.parent, path.parent.parent):
        os.utime(each, (stamp, stamp))


def _vet_row(
    parsed: ParsedRow,
    media: Mapping[str, bytes | SourceError],
    settings: Settings,
    key: bytes,
    received: datetime,
    batch_id: str,
) -> tuple[ObserverReport, dict[str, CleanMedia]] | RowError:
    lat, lon, place_name = parsed.lat_deg, parsed.lon_deg, None
    precision_km = parsed.accuracy_km or settings.reports.coordinates_precision_km
    if lat is None or lon is None:
        assert parsed.place_text is not None
        place = gazetteer().resolve(parsed.place_text, prefer_countries=("BY", "UA"))
        if place is None:
            return RowError(
                parsed.row,
                "place",
                "unknown place name",
                "a settlement or airfield in BY, UA, PL, LT, LV or western RU, or lat/lon",
            )
        lat, lon, place_name = place.lat_deg, place.lon_deg, place.name
        precision_km = settings.reports.settlement_precision_km
    stored: dict[str, CleanMedia] = {}
    for index, name in enumerate(parsed.media, start=1):
        data = media.get(name)
        if isinstance(data, SourceError):  # refused unread: not a regular file, or over the size limit
            return RowError(parsed.row, "media", f"media file {index}: {data.message}", data.expected or "")
        if data is None:
            return RowError(
                parsed.row,
                "media",
                f"media file {index} of the row was not supplied",
                "every file named in the media field, next to the import file",
            )
        try:
            item = clean_image(
                data, max_bytes=settings.reports.max_media_bytes, max_pixels=settings.reports.max_media_pixels
            )
        except SourceError as exc:
            return RowError(parsed.row, "media", f"media file {index}: {exc}")
        stored[item.sha256] = item
    rhash = reporter_hash(key, parsed.reporter_token) if parsed.reporter_token else None
    report_id = hashlib.sha256(f"{batch_id}:{parsed.row}".encode()).hexdigest()[:16]
    report = ObserverReport(
        report_id=report_id,
        observed_at=parsed.observed_at,
        time_precision_min=parsed.time_precision_min,
        lat_deg=float(lat),
        lon_deg=float(lon),
        place_precision_km=float(precision_km),
        category=parsed.category,
        received_at=received,
        place_name=place_name,
        count=parsed.count,
        direction_deg=parsed.direction_deg,
        text=parsed.text,
        reporter_hash=rhash,
        how_known=parsed.how_known,
        media=tuple(stored),
        source_file=batch_id,
        source_row=parsed.row,
    )
    return report, stored


def delivered_label(sha256: str, suffix: str) -> str:
    """What stands for a delivered export in stored paths, messages and JSON: ``report-<12 hex of its
    SHA-256>.csv`` (its folder and file names can carry a reporter's name, number or user name)."""
    extension = suffix.lower() if suffix.lower() in (".csv", ".json") else ""
    return f"report-{sha256[:12]}{extension}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", where="the report file") from None
    return digest.hexdigest()


def _prune(folder: Path, stop: Path) -> None:
    """Remove ``folder`` and its parents up to (not including) ``stop`` while they are empty."""
    current = folder
    while current != stop and stop in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def import_file(
    workspace: Workspace,
    path: Path,
    settings: Settings,
    clock: Clock,
    key: bytes,
    *,
    remove_delivered: bool = False,
    on_imported: Callable[[IntakeResult], None] | None = None,
) -> IntakeResult:
    """``reports import FILE``: read a CSV/JSON export and the media it names (next to it), then
    :func:`intake`; then, with ``remove_delivered`` (the CLI's and ``run``'s default), overwrite and delete
    the export and those media files. ``on_imported(result)`` runs between the two (``run`` records the file
    there, so a kill before the removal leaves a recorded file, never an imported file without a record).

    The file is named only by :func:`delivered_label` in errors and results. Raises ``SourceError`` when the
    file cannot be read at all (it is then left in place)."""
    label = delivered_label(_file_sha256(path), path.suffix)
    rows = read_report_file(path, label)
    media, media_paths = _media_for(path, rows, settings.reports.max_media_bytes)
    result = intake(workspace, rows, media, settings, clock, key)
    if on_imported is not None:
        on_imported(result)
    removed = False
    if remove_delivered:
        for each in (*media_paths, path):
            shred(each)
        inbox = workspace.root / "inbox" / "reports"
        for folder in {p.parent for p in (*media_paths, path)}:
            _prune(folder, inbox)
        removed = True
    return replace(result, label=label, removed=removed)


def read_media_for(path: Path, rows: ReportRows, max_bytes: int) -> dict[str, bytes | SourceError]:
    """The media files the rows name, read from the import file's folder (missing ones are left out; refused
    ones, not regular files or over ``max_bytes``, map to the error)."""
    return _media_for(path, rows, max_bytes)[0]


def _media_for(path: Path, rows: ReportRows, max_bytes: int) -> tuple[dict[str, bytes | SourceError], list[Path]]:
    """Each named media file is read by ``read_bounded``: never more than ``max_bytes + 1`` bytes, a FIFO or a
    device never opened for a blocking read. The paths returned are the regular files read (to shred)."""
    found: dict[str, bytes | SourceError] = {}
    paths: list[Path] = []
    base = path.parent.resolve()
    for row in rows.rows:
        for name in (m.strip() for m in row.get("media", "").replace("|", ";").split(";")):
            if not name or name in found:
                continue
            given = base / name
            candidate = given.resolve()
            if base not in candidate.parents or given.is_symlink() or not given.exists():
                continue
            try:
                found[name] = read_bounded(candidate, max_bytes, label="media file", what="media file")
            except SourceError as exc:
                found[name] = exc
                continue
            paths.append(candidate)
    return found, paths


@dataclass
class InboxReports:
    """What ``run`` took in from ``inbox/reports/``: reports stored, and one line per failed file."""

    imported: int = 0
    failed: list[str] = field(default_factory=list)


def take_in_inbox_reports(
    workspace: Workspace,
    files: Sequence[tuple[Path, str]],
    settings: Settings,
    clock: Clock,
    *,
    keep_delivered: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> InboxReports:
    """The reports stage of ``airpicture run``: :func:`import_file` each new export (``(path, sha256)``),
    record it in ``inbox_files`` as ``reports/<label>`` with the hour of intake (never its delivered name
    or an exact time). A file that cannot be read is renamed to its label in ``inbox/reports/`` and left
    there for the analyst; the next file goes on."""
    taken = InboxReports()
    if not files:
        return taken
    key = load_reporter_key(settings.reports.reporter_key_file.expanduser(), workspace.root)
    inbox = workspace.root / "inbox" / "reports"
    hour = clock.now().replace(minute=0, second=0, microsecond=0)

    def record(label: str, sha: str, outcome: str) -> None:
        with workspace.connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO inbox_files VALUES (?, ?, ?, ?, ?)",
                [f"reports/{label}", sha, "reports", hour, outcome],
            )

    for i, (path, sha) in enumerate(files):
        if progress is not None:
            progress(i, len(files))
        label = delivered_label(sha, path.suffix)
        # a file taken in by a killed run but not yet recorded: its reports are replaced (same ids); its
        # quarantined rows are dropped here so they are not stored twice
        with workspace.connect() as con:
            con.execute("DELETE FROM quarantine WHERE file_id = ?", [sha])

        def recorded(_result: IntakeResult, label: str = label, sha: str = sha) -> None:
            record(label, sha, "ok")

        try:
            result = import_file(
                workspace, path, settings, clock, key, remove_delivered=not keep_delivered,
                on_imported=recorded,
            )  # fmt: skip
            taken.imported += result.imported
        except AirpictureError as exc:
            taken.failed.append(f"{label}: {exc}")
            record(label, sha, f"failed: {exc}")
            target = inbox / label
            if path.exists() and path != target and not target.exists():
                path.rename(target)
                _prune(path.parent, inbox)
        if progress is not None:
            progress(i + 1, len(files))
    return taken


__all__ = [
    "InboxReports",
    "IntakeResult",
    "delivered_label",
    "import_file",
    "intake",
    "load_reporter_key",
    "read_media_for",
    "reporter_hash",
    "shred",
    "take_in_inbox_reports",
]
