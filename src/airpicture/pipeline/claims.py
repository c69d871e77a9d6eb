"""Claims wiring: gather every input from the workspace, derive claims, log status changes, explain them.

:func:`refresh` is called after every new item (report intake, entered appearances, NOTAMs, analyst
grades, detector runs): it rebuilds claims from everything and appends one ``VerificationEvent`` per claim
whose status changed (or that is new).

Claims are kept per region (docs/regions.md): a region's claims are built from its own events and from the
reports, NOTAMs and entered documents placed inside its frame (or placed nowhere), so a workspace watching
several regions gives each the claims a workspace watching it alone would give.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from airpicture.claims.assemble import build_claims, rule_and_reason
from airpicture.claims.build import ClaimInputs, ClaimRules, ClaimSet, NotamInput, TrackHit, geometry_point
from airpicture.model.claims import (
    Claim,
    ClaimStatus,
    GradeChange,
    Reliability,
    Source,
    SourceKind,
    VerificationEvent,
)
from airpicture.model.clock import Clock
from airpicture.model.errors import ConfigError, UsageError
from airpicture.model.schemas import PositionFlag
from airpicture.model.settings import Settings
from airpicture.pipeline.entries import parse_entry
from airpicture.pipeline.export import ExportFilter, ExportKind, register_export_kind, time_and_address_clause
from airpicture.pipeline.reference import reference_data
from airpicture.pipeline.time_basis import approximate_files
from airpicture.reference.regions import region_frame
from airpicture.store import Workspace
from airpicture.store import claims as store
from airpicture.store.events import EVENT_COLUMNS, row_to_event
from airpicture.store.transaction import transaction

log = logging.getLogger(__name__)
COVERAGE_BIN_S = 600
_DEGRADED = (
    PositionFlag.INTEGRITY_LOW
    | PositionFlag.FROZEN_POSITION
    | PositionFlag.POSITION_JUMP
    | PositionFlag.IMPOSSIBLE_SPEED
)


def rules_from(settings: Settings) -> ClaimRules:
    """The claim rules from settings; ``source_class_grades`` entries are ``kind=grade``."""
    grades: dict[SourceKind, Reliability] = {}
    for item in settings.claims.source_class_grades:
        kind, _, grade = item.partition("=")
        try:
            grades[SourceKind(kind.strip())] = Reliability(grade.strip().upper())
        except ValueError:
            raise ConfigError(
                "bad source class grade",
                where="claims.source_class_grades",
                found=item,
                expected=f"kind=grade, kind one of {', '.join(k.value for k in SourceKind)}, grade A-F",
            ) from None
    c = settings.claims
    return ClaimRules(
        c.cluster_distance_km,
        c.cluster_window_min,
        c.sensor_distance_km,
        c.sensor_window_min,
        c.coverage_min_fraction,
        c.track_max_alt_ft,
        c.phash_max_distance,
        grades,
    )


_DIST_SQL = (
    "2 * 6371.0088 * asin(sqrt(pow(sin(radians(lat_deg - ?) / 2), 2) + "
    "cos(radians(?)) * cos(radians(lat_deg)) * pow(sin(radians(lon_deg - ?) / 2), 2)))"
)


def receiver_keys(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Recording (file id) → receiver pseudonym, for the files a receiver was named for (``ingested_files``)."""
    rows = con.execute("SELECT file_id, receiver FROM ingested_files WHERE receiver IS NOT NULL").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


@dataclass(frozen=True, slots=True)
class WorkspaceSensors:
    """Tracks, coverage and receivers from the workspace's positions and files registry (``SensorLookup``)."""

    con: duckdb.DuckDBPyConnection
    has_positions: bool
    receivers: Mapping[str, str] = field(default_factory=dict)
    """Recording → receiver pseudonym (:func:`receiver_keys`); a recording not in it is its own receiver."""

    def receiver_of(self, source_file: str) -> str:
        return self.receivers.get(source_file, source_file)

    def _box(self, lat: float, lon: float, dist_km: float) -> tuple[str, list[Any]]:
        import math

        dlat = dist_km / 111.0
        dlon = dist_km / (111.0 * max(0.05, math.cos(math.radians(lat))))
        return ("lat_deg BETWEEN ? AND ? AND lon_deg BETWEEN ? AND ?", [lat - dlat, lat + dlat, lon - dlon, lon + dlon])

    def tracks_near(
        self, lat_deg: float, lon_deg: float, start: datetime, end: datetime, dist_km: float, max_alt_ft: float
    ) -> Sequence[TrackHit]:
        if not self.has_positions:
            return ()
        box, params = self._box(lat_deg, lon_deg, dist_km)
        rows = self.con.execute(
            f"SELECT icao24, min(ts), any_value(callsign), arg_min(source_file, d), arg_min(source_offset, d), min(d) "
            f"FROM (SELECT *, {_DIST_SQL} AS d FROM positions WHERE ts >= ? AND ts <= ? AND {box} "
            "AND (alt_ft IS NULL OR alt_ft <= ?)) WHERE d <= ? GROUP BY icao24 ORDER BY icao24",
            [lat_deg, lat_deg, lon_deg, start, end, *params, max_alt_ft, dist_km],
        ).fetchall()
        return [TrackHit(r[0], r[1].astimezone(UTC), float(r[5]), r[3], int(r[4]), r[2]) for r in rows]

    def coverage(self, lat_deg: float, lon_deg: float, start: datetime, end: datetime, dist_km: float) -> float:
        if not self.has_positions:
            return 0.0
        box, params = self._box(lat_deg, lon_deg, dist_km)
        total = max(1, int((end - start).total_seconds() // COVERAGE_BIN_S) + 1)
        row = self.con.execute(
            f"SELECT count(DISTINCT floor(epoch(ts) / {COVERAGE_BIN_S})) FROM positions "
            f"WHERE ts >= ? AND ts <= ? AND {box}",
            [start, end, *params],
        ).fetchone()
        return min(1.0, (int(row[0]) if row else 0) / total)

    def records_in(
        self, box: tuple[float, float, float, float], start: datetime, end: datetime, degraded_only: bool
    ) -> Sequence[TrackHit]:
        """The first position (optionally: with degraded navigation) of each receiver recording in the box."""
        if not self.has_positions:
            return ()
        degraded = f" AND ((flags & {int(_DEGRADED)}) <> 0 OR nic < 6 OR nacp < 7)" if degraded_only else ""
        rows = self.con.execute(
            "SELECT source_file, arg_min(icao24, ts), min(ts), arg_min(source_offset, ts), arg_min(callsign, ts) "
            "FROM positions WHERE ts >= ? AND ts <= ? AND lat_deg BETWEEN ? AND ? AND lon_deg BETWEEN ? AND ?"
            f"{degraded} GROUP BY source_file ORDER BY source_file",
            [start, end, *box],
        ).fetchall()
        return [TrackHit(r[1], r[2].astimezone(UTC), 0.0, r[0], int(r[3]), r[4]) for r in rows]


@dataclass(frozen=True, slots=True)
class RefreshResult:
    claims: int
    changes: tuple[VerificationEvent, ...]


RESTRICTIVE_QCODE = r"^Q(R|W|GA|GW)"
"""NOTAMs that enter claims on their own: airspace reservations and restrictions (R*), warnings (W*) and GNSS
outages (GA/GW) — the subjects spec/notam.md lists as mattering here."""


def stage_notams(con: duckdb.DuckDBPyConnection) -> list[NotamInput]:
    """Restrictive NOTAMs stored by the NOTAM stage (``airpicture notam ingest``), as claim inputs: the published
    text, its validity and the centre of its first area. Cancellations (NOTAMC) publish no restriction."""
    rows = con.execute(
        f"""
        SELECT n.notam_id, n.raw, n.valid_from, n.valid_to, n.ingested_at, min_by(r.geometry, r.area_index)
        FROM notams n LEFT JOIN restrictions r USING (notam_id, text_sha256)
        WHERE n.valid_from IS NOT NULL AND n.valid_to IS NOT NULL AND coalesce(n.kind, 'N') <> 'C'
          AND regexp_matches(coalesce(n.qcode, ''), '{RESTRICTIVE_QCODE}')
        GROUP BY ALL ORDER BY n.notam_id
        """
    ).fetchall()
    found = []
    for notam_id, raw, valid_from, valid_to, ingested_at, geometry in rows:
        point = geometry_point(geometry) if geometry else None
        found.append(
            NotamInput(
                notam_id,
                raw,
                valid_from.astimezone(UTC),
                valid_to.astimezone(UTC),
                point[0] if point else None,
                point[1] if point else None,
                min(valid_from, ingested_at).astimezone(UTC),
            )
        )
    return found


Frame = tuple[float, float, float, float]
"""A region's frame: (south, west, north, east) degrees (``reference.regions.region_frame``)."""


def _in_frame(frame: Frame | None, lat: float | None, lon: float | None) -> bool:
    """Inside ``frame`` (south and west inclusive); a thing placed nowhere belongs to every region."""
    if frame is None or lat is None or lon is None:
        return True
    south, west, north, east = frame
    return south <= lat < north and west <= lon < east


def gather(con: duckdb.DuckDBPyConnection, region: str, frame: Frame | None = None) -> ClaimInputs:
    """Every input ``region``'s claims are derived from, read from the workspace database: reports, artifacts,
    the region's detector events, NOTAMs (those stored by the NOTAM stage and those entered through
    :func:`add_notams`), entries. Reports, NOTAMs and entries placed outside ``frame`` are another region's."""
    entered = [
        NotamInput(
            r[0], r[1], r[2].astimezone(UTC), r[3].astimezone(UTC), r[4], r[5], r[6].astimezone(UTC) if r[6] else None
        )
        for r in con.execute("SELECT * FROM claim_notams ORDER BY notam_id").fetchall()
    ]
    by_id = {n.notam_id: n for n in stage_notams(con)}
    by_id.update({n.notam_id: n for n in entered})
    notams = [by_id[k] for k in sorted(by_id) if _in_frame(frame, by_id[k].lat_deg, by_id[k].lon_deg)]
    entries = [
        entry
        for entry in (
            parse_entry(json.loads(r[1]), r[0])
            for r in con.execute("SELECT entry_id, body FROM appearance_entries ORDER BY entry_id").fetchall()
        )
        if _in_frame(frame, entry.proposal.lat_deg, entry.proposal.lon_deg)
    ]
    events = con.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE region = ?", [region]).fetchall()
    return ClaimInputs(
        reports=[r for r in store.load_reports(con) if _in_frame(frame, r.lat_deg, r.lon_deg)],
        artifacts=store.load_artifacts(con),
        events=[row_to_event(r) for r in events],
        notams=notams,
        entries=entries,
        analyst_grades=store.load_grades(con),
        approximate_files=approximate_files(con),
    )


def _build(inputs: ClaimInputs, rules: ClaimRules, sensors: WorkspaceSensors) -> ClaimSet:
    """Build the claims; an entered document that names a claim this region does not hold belongs to another
    region's claim and is left out (it would otherwise become a claim of its own here)."""
    result = build_claims(inputs, rules, sensors)
    known = {c.claim_id for c in result.claims}
    stray = {e.proposal.entry_id for e in inputs.entries if e.proposal.claim_id and e.proposal.claim_id not in known}
    if not stray:
        return result
    kept = [e for e in inputs.entries if e.proposal.entry_id not in stray]
    return build_claims(replace(inputs, entries=kept), rules, sensors)


def watched_regions(workspace: Workspace, settings: Settings) -> list[str]:
    """The configured region and every region the workspace holds claims, events or aggregates of."""
    with workspace.connect(read_only=True) as con:
        found = store.claim_regions(con)
    return sorted({settings.region, *found})


def refresh(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    regions: Sequence[str] | None = None,
    *,
    on_store: Callable[[Any], None] | None = None,
) -> RefreshResult:
    """Rebuild the claims of ``regions`` (default: every watched region, :func:`watched_regions`), each from
    its own inputs; log a verification event for each new claim and each status change. Returns the configured
    region's count (or, when it is not among ``regions``, the first one's) and every change. ``on_store(con)``
    runs inside the transaction that stores the last region's claims (the run's completion record: written only
    when every region is done)."""
    chosen = list(regions) if regions is not None else watched_regions(workspace, settings)
    counts: dict[str, int] = {}
    changes: list[VerificationEvent] = []
    for k, name in enumerate(chosen):
        last = k == len(chosen) - 1
        counts[name], found = _refresh_region(workspace, settings, clock, name, on_store if last else None)
        changes.extend(found)
    count = counts.get(settings.region, next(iter(counts.values()), 0))
    return RefreshResult(count, tuple(changes))


def region_frame_of(settings: Settings, name: str) -> Frame:
    """The frame of region ``name`` as configured (shipped or user region files)."""
    reference = reference_data(settings)
    region = reference.region(name)
    return region_frame(region, reference.country(region.watched_country).bounds)


def _refresh_region(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    region: str,
    on_store: Callable[[Any], None] | None = None,
) -> tuple[int, list[VerificationEvent]]:
    rules = rules_from(settings)
    frame = region_frame_of(settings, region)
    with workspace.connect() as con:
        inputs = gather(con, region, frame)
        before = store.previous_statuses(con, region)
        sensors = WorkspaceSensors(con, workspace.has_partitions("positions"), receiver_keys(con))
        result: ClaimSet = _build(inputs, rules, sensors)
        # to the hour, like report times of receipt: an exact time would date an import (source-protection.md)
        now = clock.now().replace(minute=0, second=0, microsecond=0)
        changes: list[VerificationEvent] = []
        for claim in result.claims:
            previous = before.get(claim.claim_id)
            if previous is claim.status:
                continue
            rule, reason = rule_and_reason(claim, result.appearances, result.sources, rules)
            changes.append(
                VerificationEvent(
                    claim.claim_id, now, rule, previous, claim.status, reason, (*claim.roots, *claim.contradictions)
                )
            )
        with transaction(con):
            store.replace_claim_state(con, region, result.claims, result.appearances, result.sources, changes)
            if on_store is not None:
                on_store(con)
    log.info("claims of %s refreshed: %d claims, %d status changes", region, len(result.claims), len(changes))
    return len(result.claims), changes


def add_notams(workspace: Workspace, notams: Sequence[NotamInput], settings: Settings, clock: Clock) -> RefreshResult:
    """Store NOTAMs for claims (the adapter the NOTAM stage calls) and refresh."""
    with workspace.connect() as con:
        con.executemany(
            "INSERT OR REPLACE INTO claim_notams VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[n.notam_id, n.text, n.valid_from, n.valid_to, n.lat_deg, n.lon_deg, n.published_at] for n in notams],
        )
    return refresh(workspace, settings, clock)


def add_appearances(
    workspace: Workspace, body: dict[str, Any], settings: Settings, clock: Clock, where: str = "appearances"
) -> tuple[str, RefreshResult]:
    """Check and store one entered document (see docs/formats/appearances.md); returns its id and the refresh."""
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True)
    entry_id = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    entry = parse_entry(body, entry_id, where=where)
    if entry.proposal.claim_id:
        with workspace.connect(read_only=True) as con:
            if not con.execute("SELECT 1 FROM claims WHERE claim_id = ?", [entry.proposal.claim_id]).fetchone():
                raise UsageError(
                    "no such claim",
                    where=f"{where}: claim.claim_id",
                    found=entry.proposal.claim_id,
                    expected="an id from 'airpicture claims list'",
                )
    with workspace.connect() as con:
        con.execute("INSERT OR REPLACE INTO appearance_entries VALUES (?, ?, ?)", [entry_id, clock.now(), canonical])
    return entry_id, refresh(workspace, settings, clock)


def grade_source(
    workspace: Workspace,
    source_id: str,
    grade: Reliability | None,
    reason: str,
    actor: str,
    settings: Settings,
    clock: Clock,
) -> tuple[GradeChange, RefreshResult]:
    """Set (or, with ``grade`` None, clear) an analyst grade; logged, then claims refreshed."""
    with workspace.connect() as con:
        sources = store.load_sources(con, settings.region)
        if source_id not in sources:
            raise UsageError(
                "no such source", where="SOURCE_ID", found=source_id, expected="an id from 'airpicture sources list'"
            )
        change = GradeChange(source_id, clock.now(), sources[source_id].reliability, grade, actor, reason)
        store.set_grade(con, change)
    return change, refresh(workspace, settings, clock)


def list_claims(workspace: Workspace, region: str) -> list[Claim]:
    with workspace.connect(read_only=True) as con:
        return store.load_claims(con, region)


def find_claims(
    workspace: Workspace, region: str, status: ClaimStatus | None = None, day: date | None = None
) -> list[Claim]:
    """Claims in time order, optionally only of one status and overlapping one UTC day (``claims list``, the
    web API)."""
    claims = [c for c in list_claims(workspace, region) if status is None or c.status == status]
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        end = start + timedelta(days=1)
        claims = [c for c in claims if c.start < end and c.end >= start]
    return claims


def find_claim(workspace: Workspace, region: str, claim_id: str) -> Claim:
    """One claim by id (``claims show``); ``UsageError`` when there is none."""
    found = [c for c in list_claims(workspace, region) if c.claim_id == claim_id]
    if not found:
        raise UsageError(
            "no such claim", where="CLAIM_ID", found=claim_id, expected="an id from 'airpicture claims list'"
        )
    return found[0]


def list_sources(workspace: Workspace, region: str) -> list[Source]:
    with workspace.connect(read_only=True) as con:
        return list(store.load_sources(con, region).values())


def claim_record(claim: Claim) -> dict[str, Any]:
    """A claim as plain data (for --json and export)."""
    return {
        "claim_id": claim.claim_id,
        "event_type": claim.event_type,
        "subject": claim.subject,
        "place_name": claim.place_name,
        "lat_deg": claim.lat_deg,
        "lon_deg": claim.lon_deg,
        "start": claim.start.isoformat(),
        "end": claim.end.isoformat(),
        "status": claim.status.value,
        "support": claim.support.value,
        "credibility": None if claim.credibility is None else int(claim.credibility),
        "independent_roots": claim.independent_roots,
        "echo_count": claim.echo_count,
        "roots": list(claim.roots),
        "primary_roots": list(claim.primary_roots),
        "echoes": list(claim.echoes),
        "contradictions": list(claim.contradictions),
        "appearances": list(claim.appearances),
        "sensor_check": claim.sensor_check.value,
        "coverage_fraction": claim.coverage_fraction,
        "time_approximate": claim.time_approximate,
    }


def source_record(source: Source) -> dict[str, Any]:
    return {
        "source_id": source.source_id,
        "kind": source.kind.value,
        "name": source.name,
        "reliability": source.reliability.value,
        "suggested": source.suggested.value,
        "analyst_grade": source.analyst_grade.value if source.analyst_grade else None,
        "confirmed": source.confirmed,
        "refuted": source.refuted,
    }


def _query_claims(workspace: Workspace, filters: ExportFilter) -> pa.RecordBatchReader:
    where, params = time_and_address_clause(filters, "start_ts", None)
    named = {f"p{i}": v for i, v in enumerate(params)}
    for i in range(len(params)):
        where = where.replace("?", f"$p{i}", 1)
    with workspace.connect(read_only=True) as con:
        table = con.sql(
            "SELECT region, claim_id, event_type, subject, place_name, lat_deg, lon_deg, start_ts AS ts, end_ts, "
            "status, support, credibility, independent_roots, echo_count, sensor_check, coverage_fraction, "
            f"claim_id AS id FROM claims {where} ORDER BY start_ts, region, claim_id",
            params=named or None,
        ).to_arrow_table()
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())


register_export_kind(
    ExportKind(
        name="claims",
        description="claims with status, credibility, independent roots and echoes (docs/claims.md)",
        formats=("parquet", "csv", "json", "jsonl", "geojson", "kml"),
        query=_query_claims,
    )
)
