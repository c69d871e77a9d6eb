"""Reports, artifacts, sources, appearances, claims and verification events in the workspace database.

Claims, appearances and sources are derived state, one set per region (each region's claims come from its
own events): :func:`replace_claim_state` swaps one region's set whole in one transaction and appends the
verification events of that change; the other regions' rows are not touched. Reports, artifacts, NOTAM inputs,
entered appearance documents and analyst grades are the inputs they are derived from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import duckdb

from airpicture.model.claims import (
    Appearance,
    Claim,
    ClaimStatus,
    Credibility,
    GradeChange,
    Modality,
    Reliability,
    SensorCheck,
    Source,
    SourceKind,
    VerificationEvent,
)
from airpicture.model.events import Evidence, EvidenceKind
from airpicture.model.reports import Artifact, HowKnown, ObserverReport, ReportCategory
from airpicture.store.transaction import transaction

REPORT_COLUMNS = (
    "report_id, observed_at, time_precision_min, lat_deg, lon_deg, place_precision_km, place_name, category, "
    "count, direction_deg, text, reporter_hash, how_known, media, received_at, source_file, source_row"
)


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def insert_reports(
    con: duckdb.DuckDBPyConnection, reports: Sequence[ObserverReport], artifacts: Iterable[tuple[Artifact, str]]
) -> None:
    """Insert (or replace) reports and their artifacts (``(artifact, relative path)``), in the caller's transaction."""
    rows = [
        [
            r.report_id,
            r.observed_at,
            r.time_precision_min,
            r.lat_deg,
            r.lon_deg,
            r.place_precision_km,
            r.place_name,
            r.category.value,
            r.count,
            r.direction_deg,
            r.text,
            r.reporter_hash,
            r.how_known.value,
            json.dumps(list(r.media)),
            r.received_at,
            r.source_file,
            r.source_row,
        ]
        for r in reports
    ]
    if rows:
        con.executemany(f"INSERT OR REPLACE INTO reports ({REPORT_COLUMNS}) VALUES ({', '.join('?' * 17)})", rows)
    art_rows = [
        [
            a.sha256,
            a.phash,
            a.media_type,
            a.width_px,
            a.height_px,
            a.size_bytes,
            a.retrieved_at,
            a.geolocated,
            a.chronolocated,
            path,
        ]
        for a, path in artifacts
    ]
    if art_rows:
        con.executemany("INSERT OR IGNORE INTO artifacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", art_rows)


def load_reports(con: duckdb.DuckDBPyConnection, report_ids: Sequence[str] | None = None) -> list[ObserverReport]:
    sql = f"SELECT {REPORT_COLUMNS} FROM reports"
    params: list[Any] = []
    if report_ids is not None:
        if not report_ids:
            return []
        sql += f" WHERE report_id IN ({', '.join('?' * len(report_ids))})"
        params = list(report_ids)
    out = []
    for row in con.execute(sql + " ORDER BY report_id", params).fetchall():
        (
            rid,
            observed,
            precision,
            lat,
            lon,
            pkm,
            pname,
            category,
            count,
            direction,
            text,
            rhash,
            how,
            media,
            received,
            sfile,
            srow,
        ) = row
        out.append(
            ObserverReport(
                report_id=rid,
                observed_at=_utc(observed),
                time_precision_min=precision,
                lat_deg=lat,
                lon_deg=lon,
                place_precision_km=pkm,
                category=ReportCategory(category),
                received_at=_utc(received),
                place_name=pname,
                count=count,
                direction_deg=direction,
                text=text,
                reporter_hash=rhash,
                how_known=HowKnown(how),
                media=tuple(json.loads(media)),
                source_file=sfile,
                source_row=srow,
            )
        )
    return out


def load_artifacts(con: duckdb.DuckDBPyConnection) -> dict[str, Artifact]:
    rows = con.execute(
        "SELECT sha256, phash, media_type, width_px, height_px, size_bytes, retrieved_at, geolocated, chronolocated "
        "FROM artifacts"
    ).fetchall()
    return {r[0]: Artifact(r[0], r[1], r[2], r[3], r[4], r[5], _utc(r[6]), True, bool(r[7]), bool(r[8])) for r in rows}


# -- derived claim state --------------------------------------------------------------------------


def appearance_to_json(a: Appearance) -> str:
    body = asdict(a)
    body["published_at"] = a.published_at.isoformat()
    body["modality"] = a.modality.value
    body["evidence"] = [{**asdict(e), "kind": e.kind.value} for e in a.evidence]
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def appearance_from_json(text: str) -> Appearance:
    body = json.loads(text)
    return Appearance(
        appearance_id=body["appearance_id"],
        source_id=body["source_id"],
        published_at=datetime.fromisoformat(body["published_at"]),
        modality=Modality(body["modality"]),
        quote=body["quote"],
        attribution=body["attribution"],
        url=body["url"],
        cites=tuple(body["cites"]),
        observer=body["observer"],
        sensor=body["sensor"],
        notam_id=body["notam_id"],
        document=body["document"],
        artifact_sha256=tuple(body["artifact_sha256"]),
        artifact_phash=tuple(body["artifact_phash"]),
        primary=body["primary"],
        evidence=tuple(
            Evidence(EvidenceKind(e["kind"]), e["source_file"], e["source_offset"], e["note"]) for e in body["evidence"]
        ),
    )


CLAIM_COLUMNS = (
    "claim_id, event_type, subject, place_name, lat_deg, lon_deg, start_ts, end_ts, status, support, credibility, "
    "independent_roots, echo_count, sensor_check, coverage_fraction, body"
)


def _claim_row(c: Claim) -> list[Any]:
    body = {
        "appearances": list(c.appearances),
        "roots": list(c.roots),
        "primary_roots": list(c.primary_roots),
        "echoes": list(c.echoes),
        "contradictions": list(c.contradictions),
        "time_approximate": c.time_approximate,
    }
    return [
        c.claim_id,
        c.event_type,
        c.subject,
        c.place_name,
        c.lat_deg,
        c.lon_deg,
        c.start,
        c.end,
        c.status.value,
        c.support.value,
        None if c.credibility is None else int(c.credibility),
        len(c.roots),
        len(c.echoes),
        c.sensor_check.value,
        c.coverage_fraction,
        json.dumps(body),
    ]


def _claim_from_row(row: Sequence[Any]) -> Claim:
    (cid, etype, subject, pname, lat, lon, start, end, status, support, cred, _, _, check, coverage, body) = row
    parts = json.loads(body)
    return Claim(
        claim_id=cid,
        event_type=etype,
        start=_utc(start),
        end=_utc(end),
        status=ClaimStatus(status),
        support=ClaimStatus(support),
        credibility=None if cred is None else Credibility(cred),
        appearances=tuple(parts["appearances"]),
        roots=tuple(parts["roots"]),
        primary_roots=tuple(parts["primary_roots"]),
        echoes=tuple(parts["echoes"]),
        contradictions=tuple(parts["contradictions"]),
        subject=subject,
        place_name=pname,
        lat_deg=lat,
        lon_deg=lon,
        sensor_check=SensorCheck(check),
        coverage_fraction=coverage,
        time_approximate=bool(parts.get("time_approximate", False)),
    )


def load_claims(con: duckdb.DuckDBPyConnection, region: str, claim_id: str | None = None) -> list[Claim]:
    """The claims of ``region`` (one of them: ``claim_id``)."""
    sql = f"SELECT {CLAIM_COLUMNS} FROM claims WHERE region = ?"
    params: list[Any] = [region]
    if claim_id is not None:
        sql += " AND claim_id = ?"
        params.append(claim_id)
    return [_claim_from_row(r) for r in con.execute(sql + " ORDER BY start_ts, claim_id", params).fetchall()]


def load_appearances(
    con: duckdb.DuckDBPyConnection, region: str, ids: Sequence[str] | None = None
) -> dict[str, Appearance]:
    sql, params = "SELECT body FROM appearances WHERE region = ?", [region]
    if ids is not None:
        if not ids:
            return {}
        sql += f" AND appearance_id IN ({', '.join('?' * len(ids))})"
        params += list(ids)
    found = [appearance_from_json(r[0]) for r in con.execute(sql, params).fetchall()]
    return {a.appearance_id: a for a in found}


SOURCE_COLUMNS = "source_id, kind, name, reliability, suggested, analyst_grade, confirmed, refuted"


def load_sources(con: duckdb.DuckDBPyConnection, region: str) -> dict[str, Source]:
    rows = con.execute(f"SELECT {SOURCE_COLUMNS} FROM sources WHERE region = ? ORDER BY source_id", [region]).fetchall()
    return {
        r[0]: Source(
            r[0],
            SourceKind(r[1]),
            r[2],
            Reliability(r[3]),
            Reliability(r[4]),
            Reliability(r[5]) if r[5] else None,
            r[6],
            r[7],
        )
        for r in rows
    }


def previous_statuses(con: duckdb.DuckDBPyConnection, region: str) -> dict[str, ClaimStatus]:
    rows = con.execute("SELECT claim_id, status FROM claims WHERE region = ?", [region]).fetchall()
    return {r[0]: ClaimStatus(r[1]) for r in rows}


def claim_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The regions the workspace holds claims, events or per-day aggregates of (the regions it watches)."""
    rows = con.execute(
        "SELECT region FROM claims UNION SELECT region FROM events UNION SELECT region FROM day_aggregates ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows if r[0]]


def replace_claim_state(
    con: duckdb.DuckDBPyConnection,
    region: str,
    claims: Sequence[Claim],
    appearances: Mapping[str, Appearance],
    sources: Mapping[str, Source],
    events: Sequence[VerificationEvent],
) -> None:
    """Swap ``region``'s claims, appearances and sources whole and append ``events``, in one transaction."""
    with transaction(con):
        for table in ("claims", "appearances", "sources"):
            con.execute(f"DELETE FROM {table} WHERE region = ?", [region])
        if claims:
            con.executemany(
                f"INSERT INTO claims (region, {CLAIM_COLUMNS}) VALUES ({', '.join('?' * 17)})",
                [[region, *_claim_row(c)] for c in claims],
            )
        if appearances:
            con.executemany(
                "INSERT INTO appearances (region, appearance_id, body) VALUES (?, ?, ?)",
                [[region, a.appearance_id, appearance_to_json(a)] for a in appearances.values()],
            )
        if sources:
            con.executemany(
                f"INSERT INTO sources (region, {SOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        region,
                        s.source_id,
                        s.kind.value,
                        s.name,
                        s.reliability.value,
                        s.suggested.value,
                        s.analyst_grade.value if s.analyst_grade else None,
                        s.confirmed,
                        s.refuted,
                    ]
                    for s in sources.values()
                ],
            )
        if events:
            con.executemany(
                "INSERT INTO verification_events (claim_id, at_ts, rule, from_status, to_status, reason, "
                "evidence_ids, actor, region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        e.claim_id,
                        e.at,
                        e.rule,
                        e.from_status.value if e.from_status else None,
                        e.to_status.value,
                        e.reason,
                        json.dumps(list(e.evidence_ids)),
                        e.actor,
                        region,
                    ]
                    for e in events
                ],
            )


def load_verification_events(con: duckdb.DuckDBPyConnection, region: str, claim_id: str) -> list[VerificationEvent]:
    """The status history of ``region``'s claim ``claim_id`` (entries logged before regions were kept apart
    have no region and are shown for every region)."""
    rows = con.execute(
        "SELECT claim_id, at_ts, rule, from_status, to_status, reason, evidence_ids, actor FROM verification_events "
        "WHERE claim_id = ? AND (region = ? OR region IS NULL) ORDER BY at_ts, rowid",
        [claim_id, region],
    ).fetchall()
    return [
        VerificationEvent(
            r[0],
            _utc(r[1]),
            r[2],
            ClaimStatus(r[3]) if r[3] else None,
            ClaimStatus(r[4]),
            r[5],
            tuple(json.loads(r[6])),
            r[7],
        )
        for r in rows
    ]


def load_grades(con: duckdb.DuckDBPyConnection) -> dict[str, Reliability]:
    return {r[0]: Reliability(r[1]) for r in con.execute("SELECT source_id, grade FROM source_grades").fetchall()}


def set_grade(con: duckdb.DuckDBPyConnection, change: GradeChange) -> None:
    """Record an analyst grade (``to_grade`` None clears it) and its log line, in one transaction."""
    with transaction(con):
        con.execute("DELETE FROM source_grades WHERE source_id = ?", [change.source_id])
        if change.to_grade is not None:
            con.execute("INSERT INTO source_grades VALUES (?, ?)", [change.source_id, change.to_grade.value])
        con.execute(
            "INSERT INTO source_grade_events VALUES (?, ?, ?, ?, ?, ?)",
            [
                change.source_id,
                change.at,
                change.from_grade.value,
                change.to_grade.value if change.to_grade else None,
                change.actor,
                change.reason,
            ],
        )


def load_grade_events(con: duckdb.DuckDBPyConnection, source_id: str) -> list[GradeChange]:
    rows = con.execute(
        "SELECT source_id, at_ts, from_grade, to_grade, actor, reason FROM source_grade_events WHERE source_id = ? "
        "ORDER BY at_ts, rowid",
        [source_id],
    ).fetchall()
    return [
        GradeChange(r[0], _utc(r[1]), Reliability(r[2]), Reliability(r[3]) if r[3] else None, r[4], r[5]) for r in rows
    ]
