"""NOTAM wiring: read files, parse, store, and answer "what is restricted at t, and what changed".

The workspace keeps each NOTAM's raw text (``notams``) and its areas (``restrictions``). Queries decode
the stored texts again (deterministic, ~5,000 NOTAMs/s), link the NOTAMR/NOTAMC chains and evaluate
validity windows and schedules. Border lines come from ``settings.notam.borders_file`` (GeoJSON country
polygons with ``ISO_A2``) or, when that is not set, from the shipped reference borders (``airpicture.reference``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from shapely.geometry import LineString, MultiLineString, shape
from shapely.geometry.base import BaseGeometry

from airpicture.decode.notam import (
    BorderLookup,
    active_at,
    by_id,
    decode_restriction,
    ended_at,
    in_force,
    intervals,
    is_restrictive,
    link_chains,
    parse_notam,
    reassemble_parts,
)
from airpicture.detect.restrictions import AircraftInAreaDetector, RestrictionChangeDetector, RestrictionWindow
from airpicture.geo.borders import distance_km, shared_border
from airpicture.model.clock import Clock
from airpicture.model.errors import ReferenceDataError, SourceError, UsageError
from airpicture.model.events import Event
from airpicture.model.notam import Area, GeometrySource, Notam, ParseStatus, Restriction
from airpicture.model.settings import Settings
from airpicture.pipeline.reference import reference_data
from airpicture.sources.notam import read_notams
from airpicture.store import Workspace
from airpicture.store.transaction import transaction

# -- borders ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Borders:
    """Country polygons by ISO 3166 alpha-2 code, and the border lines between them."""

    countries: dict[str, BaseGeometry]

    def border(self, a: str, b: str | None) -> LineString | MultiLineString | None:
        """The shared border of ``a`` and ``b``; the whole outline of ``a`` when ``b`` is None."""
        if a not in self.countries or (b is not None and b not in self.countries):
            return None
        if b is None:
            outline = self.countries[a].boundary
            return outline if isinstance(outline, LineString | MultiLineString) else None
        return shared_border(self.countries[a], self.countries[b])

    def pair(self, text: str) -> BaseGeometry:
        """``"BY-UA"`` → the shared border line; ``ReferenceDataError`` if unknown or not touching."""
        parts = text.upper().split("-")
        if len(parts) != 2 or not all(len(p) == 2 for p in parts):
            raise UsageError("not a border", found=text, expected="two ISO 3166 alpha-2 codes, e.g. BY-UA")
        missing = [p for p in parts if p not in self.countries]
        if missing:
            raise ReferenceDataError(
                "country not in the border data", found=",".join(missing), expected=", ".join(sorted(self.countries))
            )
        line = self.border(parts[0], parts[1])
        if line is None:
            raise ReferenceDataError("these countries share no border", found=text)
        return line


def load_borders(settings: Settings) -> Borders:
    """Country polygons from ``settings.notam.borders_file``, else the shipped reference borders."""
    path = settings.notam.borders_file
    if path is not None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            countries = {
                f["properties"]["ISO_A2"]: shape(f["geometry"])
                for f in data["features"]
                if f.get("properties", {}).get("ISO_A2", "-99") != "-99"
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReferenceDataError(f"cannot read the borders file: {exc}", where=str(path)) from exc
        return Borders(countries)
    from airpicture import reference

    data = reference.default()
    codes = ("BY", "UA", "RU", "PL", "LT", "LV", "EE", "MD", "RO", "SK", "HU", "FI")
    found = {}
    for code in codes:
        try:
            found[code] = data.country(code)
        except Exception:  # a code missing from the shipped borders is simply not offered
            continue
    return Borders(found)


def border_lookup(borders: Borders | None) -> BorderLookup | None:
    return borders.border if borders is not None else None


# -- ingest ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class NotamIngestSummary:
    """What ``notam ingest`` did: counts and one line per NOTAM or record that was not fully read."""

    files: int = 0
    read: int = 0
    parsed: int = 0
    partial: int = 0
    failed: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    failed_files: int = 0
    problems: list[str] = field(default_factory=list)


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


STDIN = Path("-")
"""The path that stands for standard input (``notam ingest -``); its bytes are passed as ``stdin``."""


def ingest_notams(
    workspace: Workspace, paths: Sequence[Path], clock: Clock, settings: Settings, stdin: bytes | None = None
) -> NotamIngestSummary:
    """Read, parse and store every NOTAM in ``paths`` (``-``: the bytes ``stdin``). Idempotent: the same
    id and text is stored once.

    A file that cannot be read or holds no NOTAM is reported, counted in ``failed_files`` and skipped; a
    NOTAM that cannot be parsed is stored raw with its issues (id known) or quarantined (no id, or an
    impossible value); nothing stops the batch.
    """
    summary = NotamIngestSummary()
    lookup = border_lookup(load_borders(settings))
    now = clock.now()
    for path in paths:
        if path == STDIN:
            data = stdin or b""
            path = Path("<stdin>")
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                summary.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
                summary.failed_files += 1
                continue
        file_id = _sha(data)
        try:
            fmt, raws, errors = read_notams(data, str(path))
        except SourceError as exc:
            summary.problems.append(str(exc))
            summary.failed_files += 1
            continue
        summary.files += 1
        summary.problems.extend(str(e) for e in errors)
        texts = reassemble_parts(r.text for r in raws)
        by_text = {r.text: r for r in raws}
        rows, area_rows, quarantined = [], [], []
        for text in texts:
            summary.read += 1
            restriction = decode_restriction(parse_notam(text), lookup)
            notam = restriction.notam
            status = notam.status
            summary.parsed += status is ParseStatus.PARSED
            summary.partial += status is ParseStatus.PARTIAL
            summary.failed += status is ParseStatus.FAILED
            raw = by_text.get(text)
            offset = raw.offset if raw is not None else (raws[0].offset if raws else 0)
            where = f"{path}:line {raw.line}" if raw is not None and raw.line else str(path)
            for issue in notam.issues:
                summary.problems.append(str(issue.as_error(where)))
            if notam.id is None or notam.rejected:
                # No id (a block with no recognisable header), or an impossible value: quarantined with
                # where it was and why, never stored as a NOTAM.
                reasons = [i.reason for i in notam.issues if i.rejected] or [i.reason for i in notam.issues]
                quarantined.append(
                    (
                        file_id,
                        f"line {raw.line}" if raw is not None and raw.line else f"offset {offset}",
                        "notam-rejected" if notam.rejected else "notam-unparsed",
                        "; ".join(([f"NOTAM {notam.id}"] if notam.id else []) + reasons),
                        text.encode(),
                    )
                )
                continue
            rows.append(_notam_row(notam, file_id, offset, now))
            area_rows.extend(_area_rows(restriction))
        stored, dupes = _store(workspace, rows, area_rows, quarantined)
        summary.quarantined += len(quarantined)
        summary.stored += stored
        summary.duplicates += dupes
        _catalog(workspace, file_id, path, fmt.value, len(data), now, len(texts), stored, len(quarantined))
    return summary


def _notam_row(n: Notam, file_id: str, offset: int, now: datetime) -> tuple[Any, ...]:
    issues = json.dumps([{"item": i.item, "offset": i.offset, "reason": i.reason} for i in n.issues])
    q = n.qline
    return (
        n.id, _sha(n.raw), n.raw, file_id, offset, n.status.value, n.kind.value if n.kind else None, n.ref_id,
        q.code if q else None, q.fir if q else None, n.valid_from, n.valid_to, n.permanent,
        n.valid_to_estimated, issues, now,
    )  # fmt: skip


def _area_rows(r: Restriction) -> list[tuple[Any, ...]]:
    n = r.notam
    q = n.qline
    return [
        (
            n.id,
            _sha(n.raw),
            a.index,
            a.name,
            a.source.value,
            a.geometry,
            a.raw,
            q.code if q else None,
            r.lower_ft,
            r.upper_ft,
            n.valid_from,
            n.valid_to,
            n.schedule,
        )
        for a in r.areas
    ]


def _store(
    workspace: Workspace, rows: list[tuple[Any, ...]], areas: list[tuple[Any, ...]], quarantined: list[tuple[Any, ...]]
) -> tuple[int, int]:
    with workspace.connect() as con, transaction(con):
        before = con.execute("SELECT count(*) FROM notams").fetchone()
        if rows:
            con.executemany("INSERT OR IGNORE INTO notams VALUES (" + ",".join("?" * 16) + ")", rows)
        if areas:
            con.executemany("INSERT OR IGNORE INTO restrictions VALUES (" + ",".join("?" * 13) + ")", areas)
        if quarantined:
            con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", quarantined)
        after = con.execute("SELECT count(*) FROM notams").fetchone()
    stored = int(after[0] if after else 0) - int(before[0] if before else 0)
    return stored, len(rows) - stored


def _catalog(
    workspace: Workspace,
    file_id: str,
    path: Path,
    fmt: str,
    size: int,
    now: datetime,
    read: int,
    stored: int,
    rejected: int,
) -> None:
    """Record the file. Ingested again, it keeps its first ingest's row except for the NOTAMs newly stored this
    time, which are added: a re-ingest stores only duplicates, and ``records_stored`` stays what the file gave."""
    with workspace.connect() as con:
        con.execute(
            "INSERT INTO ingested_files (file_id, path, format, size_bytes, ingested_at, records_read, "
            "records_stored, records_rejected, time_basis, time_anchor_from) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'absolute', 'data') "  # NOTAM times are in the text
            "ON CONFLICT (file_id) DO UPDATE SET "
            "records_stored = ingested_files.records_stored + excluded.records_stored",
            [file_id, str(path), fmt, size, now, read, stored, rejected],
        )


# -- loading and queries ---------------------------------------------------------------------------


def load_restrictions(workspace: Workspace, settings: Settings) -> list[Restriction]:
    """Every stored NOTAM (latest ingested text per id), decoded, chains linked. Areas are those stored
    at ingest (computed then with the configured border data)."""
    with workspace.connect(read_only=True) as con:
        texts = con.execute(
            "SELECT raw, text_sha256 FROM notams QUALIFY row_number() OVER (PARTITION BY notam_id "
            "ORDER BY ingested_at DESC, text_sha256) = 1 ORDER BY notam_id"
        ).fetchall()
        stored = con.execute(
            "SELECT text_sha256, area_index, name, geometry_source, geometry, raw_fragment FROM restrictions "
            "ORDER BY text_sha256, area_index"
        ).fetchall()
    areas: dict[str, list[Area]] = {}
    for sha, index, name, source, geometry, raw in stored:
        areas.setdefault(sha, []).append(Area(index, name, GeometrySource(source), geometry, raw, None))
    decoded = []
    for text, sha in texts:
        r = decode_restriction(parse_notam(text), None)
        if sha in areas:
            r = replace(r, areas=tuple(areas[sha]))
        decoded.append(r)
    return link_chains(decoded)


def _near(restrictions: Iterable[Restriction], line: BaseGeometry, within_km: float) -> list[Restriction]:
    out = []
    for r in restrictions:
        shapes = [shape(json.loads(a.geometry)) for a in r.areas if a.geometry]
        if any(distance_km(g, line) <= within_km for g in shapes):
            out.append(r)
    return out


def active_restrictions(
    workspace: Workspace,
    settings: Settings,
    at: datetime,
    near: str | None = None,
    within_km: float | None = None,
    restrictive_only: bool = False,
) -> list[Restriction]:
    """NOTAMs active at ``at`` (window, chain and schedule), optionally within ``within_km`` of a border."""
    every = load_restrictions(workspace, settings)
    index = by_id(every)
    found = [r for r in every if active_at(r, at, index) and (not restrictive_only or is_restrictive(r))]
    if near:
        borders = load_borders(settings)
        if borders is None:
            raise ReferenceDataError("no border data", expected="set notam.borders_file or install reference data")
        found = _near(found, borders.pair(near), within_km if within_km is not None else settings.notam.border_km)
    return found


@dataclass(frozen=True, slots=True)
class NotamDiff:
    """How the set of NOTAMs in force changed from ``t1`` to ``t2`` (schedules not considered)."""

    new: tuple[Restriction, ...]
    changed: tuple[tuple[Restriction, Restriction], ...]
    cancelled: tuple[Restriction, ...]
    expired: tuple[Restriction, ...]
    began_and_ended: tuple[Restriction, ...] = ()
    """Came into force after ``t1`` and ended (expired, replaced or cancelled) by ``t2``: in force at
    neither time, so in none of the groups above."""


def diff_restrictions(workspace: Workspace, settings: Settings, t1: datetime, t2: datetime) -> NotamDiff:
    """New, changed (replaced by a NOTAMR), cancelled and expired NOTAMs between ``t1`` and ``t2``, and
    those that began and ended between them."""
    if t2 < t1:
        raise UsageError("--to is before --from", found=f"{t1.isoformat()} .. {t2.isoformat()}")
    every = load_restrictions(workspace, settings)
    index = by_id(every)
    before = {r.id for r in every if in_force(r, t1, index)}
    after = {r.id for r in every if in_force(r, t2, index)}
    new: list[Restriction] = []
    changed: list[tuple[Restriction, Restriction]] = []
    cancelled: list[Restriction] = []
    expired: list[Restriction] = []
    for rid in sorted(after - before):
        r = index[rid]
        ref = r.notam.ref_id
        if ref and ref in before:
            changed.append((index[ref], r))
        else:
            new.append(r)
    replaced = {old.id for old, _ in changed}
    for rid in sorted(before - after - replaced):
        r = index[rid]
        _, how = ended_at(r, index)
        (cancelled if how in ("cancelled", "replaced") else expired).append(r)
    between = []
    for r in every:
        start = r.notam.valid_from
        if r.id in before or r.id in after or start is None or not t1 < start < t2:
            continue
        until, _ = ended_at(r, index)
        if until is not None and until <= t2 and in_force(r, start, index):
            between.append(r)
    between.sort(key=lambda r: (r.notam.valid_from, r.id))
    return NotamDiff(tuple(new), tuple(changed), tuple(cancelled), tuple(expired), tuple(between))


def find_notam(workspace: Workspace, settings: Settings, notam_id: str) -> tuple[Restriction, list[Restriction]]:
    """One NOTAM and its chain (the NOTAMs it replaces/cancels and those that superseded it), oldest first."""
    every = load_restrictions(workspace, settings)
    index = by_id(every)
    wanted = notam_id.strip().upper()
    if wanted not in index:
        raise UsageError("no such NOTAM in the workspace", found=notam_id, expected="an id such as A1234/22")
    chain = [index[wanted]]
    while chain[0].notam.ref_id and chain[0].notam.ref_id in index:
        chain.insert(0, index[chain[0].notam.ref_id])
    while chain[-1].superseded_by and chain[-1].superseded_by in index:
        chain.append(index[chain[-1].superseded_by])
    return index[wanted], chain


def windows(restrictions: Sequence[Restriction], start: datetime, end: datetime) -> list[RestrictionWindow]:
    """Time in force and schedule intervals of every NOTAM that is in force at some time in [start, end)."""
    index = by_id(restrictions)
    out = []
    for r in restrictions:
        n = r.notam
        if n.valid_from is None or n.kind is None or n.kind.value == "C":
            continue
        until, how = ended_at(r, index)
        if n.valid_from >= end or (until is not None and until <= start):
            continue
        q = n.qline
        centre = q.centre if q else None
        span_end = min(until, end) if until is not None else end
        active = intervals(
            r.schedule,
            max(n.valid_from, start),
            span_end,
            centre.lat_deg if centre else None,
            centre.lon_deg if centre else None,
        )
        out.append(RestrictionWindow(r, n.valid_from, until, how, tuple(active)))
    return out


def watched_borders(settings: Settings) -> tuple[str, ...]:
    """``notam.watch_borders``, or when empty the configured region's border segments (``"BY-UA"``, …)."""
    if settings.notam.watch_borders:
        return settings.notam.watch_borders
    region = reference_data(settings).region(settings.region)
    return tuple(f"{a}-{b}" for a, b in region.border_segments)


def restriction_events(workspace: Workspace, settings: Settings, start: datetime, end: datetime) -> list[Event]:
    """Restrictions appearing, changing or ending near the watched borders in [start, end)."""
    borders = load_borders(settings)
    if borders is None:
        raise ReferenceDataError("no border data", expected="set notam.borders_file or install reference data")
    lines = {pair: borders.pair(pair) for pair in watched_borders(settings)}
    detector = RestrictionChangeDetector(border_km=settings.notam.border_km)
    return list(detector.detect(windows(load_restrictions(workspace, settings), start, end), lines, start, end))


def aircraft_in_areas(
    restrictions: Sequence[Restriction],
    positions: pa.Table,
    aircraft: frozenset[str] | None = None,
) -> list[Event]:
    """Aircraft inside active restricted/danger areas, over a positions table (``POSITIONS_SCHEMA``)."""
    if positions.num_rows == 0:
        return []
    start: datetime = pc.min(positions["ts"]).as_py()
    end: datetime = pc.max(positions["ts"]).as_py()
    found = windows(restrictions, start, end + timedelta(seconds=1))
    return list(AircraftInAreaDetector().detect(found, positions, aircraft))
