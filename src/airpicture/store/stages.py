"""Stage completion records: what each derived stage finished, and from which inputs.

A derived stage (tracks, detection, claims) stores its output and one ``stage_done`` row per unit of work
it finished in the same transaction: ``(stage, scope, inputs)``, where ``scope`` is ``''`` (the whole
workspace) or ``'<region>/<YYYY-MM-DD>'`` (one detection day) and ``inputs`` a SHA-256 fingerprint of what
the output was computed from. A unit is up to date when its record's fingerprint equals the fingerprint of
its inputs now; anything else (no record, other inputs) is redone. So a run killed at any point, or inputs
changed by another command, are caught up by the next run: exactly the units whose inputs changed since
they were last finished, and no others.

Fingerprints are cheap: positions by the names and sizes of their Parquet part files (a part file's
content is fixed by its input file's hash and number, ``pipeline.ingest``), small tables by a hash of
their rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

TRACKS = "tracks"
DETECT = "detect"
"""Every detector over one day's positions (and the previous day's lead-in)."""
DETECT_NOTAMS = "detect_notams"
"""The NOTAM detectors of one day, against the stored NOTAMs."""
CLAIMS = "claims"

PART_PREFIX_LEN = 20
"""Part files are named ``part-<first 20 hex of the input file's hash>-<n>.parquet`` (pipeline.ingest)."""


def fingerprint(parts: Iterable[str]) -> str:
    """SHA-256 of the sorted parts, one a line: independent of the order they were listed in."""
    digest = hashlib.sha256()
    for part in sorted(parts):
        digest.update(part.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def pending_prefixes(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Part-name prefixes of files whose ingest has not completed (their parts are not yet positions)."""
    rows = con.execute("SELECT file_id FROM ingest_pending").fetchall()
    return frozenset(str(r[0])[:PART_PREFIX_LEN] for r in rows)


def day_parts(root: Path, pending: frozenset[str], table: str = "positions") -> dict[date, list[str]]:
    """The complete part files of each UTC day, as ``name:size`` (files of pending ingests left out)."""
    found: dict[date, list[str]] = {}
    for path in (root / table).glob("day=*/*.parquet"):
        prefix = path.name.removeprefix("part-")[:PART_PREFIX_LEN]
        if prefix in pending:
            continue
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # replaced under us: the next listing sees it
            continue
        day = date.fromisoformat(path.parent.name.removeprefix("day="))
        found.setdefault(day, []).append(f"{path.name}:{size}")
    return found


def positions_fingerprint(parts: Mapping[date, list[str]]) -> str:
    """Every complete position, by its part files (the tracks' input)."""
    return fingerprint(f"{d.isoformat()}/{p}" for d, names in parts.items() for p in names)


def detect_fingerprints(parts: Mapping[date, list[str]]) -> dict[date, str]:
    """The positions input of each stored day's detection: the day's part files and the previous day's (the
    lead-in), so a change to day D also redoes D + 1 — as a run over D's new file always has."""
    out = {}
    for day in parts:
        before = day - timedelta(days=1)
        names = [f"{day.isoformat()}/{p}" for p in parts[day]]
        names += [f"{before.isoformat()}/{p}" for p in parts.get(before, [])]
        out[day] = fingerprint(names)
    return out


_CLAIM_INPUTS = (
    "SELECT 'events', count(*), bit_xor(hash(t)) FROM events t",
    "SELECT 'reports', count(*), bit_xor(hash(report_id, observed_at, category, text, media)) FROM reports",
    "SELECT 'artifacts', count(*), bit_xor(hash(sha256, phash, geolocated, chronolocated)) FROM artifacts",
    "SELECT 'claim_notams', count(*), bit_xor(hash(t)) FROM claim_notams t",
    "SELECT 'entries', count(*), bit_xor(hash(entry_id, body)) FROM appearance_entries",
    "SELECT 'grades', count(*), bit_xor(hash(t)) FROM source_grades t",
    "SELECT 'files', count(*), bit_xor(hash(file_id, receiver)) FROM ingested_files",
)


def notams_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The stored NOTAMs (id and text): the NOTAM detectors' input."""
    row = con.execute("SELECT count(*), bit_xor(hash(notam_id, text_sha256)) FROM notams").fetchone()
    return fingerprint([f"notams {row[0] if row else 0} {row[1] if row else 0}"])


def claims_fingerprint(con: duckdb.DuckDBPyConnection, positions: str) -> str:
    """Everything claims are built from: events, reports and media, NOTAMs, appearance entries, analyst
    grades, the receiver files and (``positions``) the positions the sensor checks read."""
    lines = [f"positions {positions}", notams_fingerprint(con)]
    for sql in _CLAIM_INPUTS:
        row = con.execute(sql).fetchone()
        lines.append(" ".join(str(v) for v in row or ()))
    return fingerprint(lines)


def done(con: duckdb.DuckDBPyConnection, stage: str) -> dict[str, str]:
    """Scope → inputs fingerprint of every finished unit of ``stage``."""
    rows = con.execute("SELECT scope, inputs FROM stage_done WHERE stage = ?", [stage]).fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def record(con: duckdb.DuckDBPyConnection, stage: str, finished: Mapping[str, str], at: datetime | None) -> None:
    """Record units of ``stage`` as finished from the given inputs: call inside the transaction that stores
    their output (``store.transaction`` blocks nest)."""
    if finished:
        con.executemany(
            "INSERT OR REPLACE INTO stage_done VALUES (?, ?, ?, ?)",
            [[stage, scope, inputs, at] for scope, inputs in sorted(finished.items())],
        )


def day_scope(region: str, day: date) -> str:
    return f"{region}/{day.isoformat()}"
