"""A small real workspace for the run tests, and a canonical dump of everything a run stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb

from airpicture.pipeline.simulate import run_simulation
from airpicture.reference import ReferenceData
from airpicture.store import Workspace

SCENARIO = Path(__file__).with_name("scenario.toml")

TABLES = (
    "ingested_files",
    "quarantine",
    "ingest_notes",
    "ingest_pending",
    "pending_renames",
    "tracks",
    "events",
    "day_aggregates",
    "notams",
    "restrictions",
    "reports",
    "artifacts",
    "claims",
    "sources",
    "appearances",
    "verification_events",
    "judgments",
    "inbox_files",
)
CLOCK_FIELDS = frozenset(
    {
        "ingested_at",
        "taken_at",
        "created_at",
        "at_ts",
        "received_at",
        "retrieved_at",
        "generated_at",
        "done_at",
        "retrieved",
        "published",
    }
)
"""Columns and JSON keys that hold when a run ran (the wall clock), not what it found."""


def simulate_inbox(out: Path) -> Path:
    """The test scenario's files (a Beast recording, an OpenSky export, NOTAMs, reports), simulated."""
    run_simulation(str(SCENARIO), out, reference=ReferenceData())
    return out


def new_workspace(root: Path, simulated: Path) -> Path:
    """A fresh workspace whose inbox holds the simulated files."""
    Workspace.init(root)
    inbox = root / "inbox"
    for kind, pattern in (
        ("adsb", "simulated-*.beast"),
        ("adsb", "simulated-opensky-*.csv.gz"),
        ("notams", "simulated-notams*.txt"),
        ("reports", "simulated-reports*.csv"),
    ):
        (inbox / kind).mkdir(parents=True, exist_ok=True)
        for path in sorted(simulated.glob(pattern)):
            shutil.copy2(path, inbox / kind / path.name)
    return root


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in sorted(value.items()) if k not in CLOCK_FIELDS}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _clean(json.loads(value))
        except ValueError:
            return value
    return value


def dump(root: Path) -> dict[str, Any]:
    """Every stored table (clock columns left out, rows sorted), the positions and the report JSON files."""
    out: dict[str, Any] = {}
    con = duckdb.connect(str(root / "airpicture.duckdb"), read_only=True)
    try:
        for table in TABLES:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if r[0] not in CLOCK_FIELDS
            ]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            out[table] = sorted(
                json.dumps([_clean(v) for v in row], default=str, sort_keys=True).replace(str(root), "<ws>")
                for row in rows
            )
        parts = list((root / "positions").glob("day=*/*.parquet"))
        if parts:
            rows = con.execute(
                f"SELECT * FROM read_parquet({[str(p) for p in parts]!r}, hive_partitioning = false) ORDER BY ALL"
            ).fetchall()
            out["positions"] = [json.dumps(row, default=str) for row in rows]
        out["position_files"] = sorted(str(p.relative_to(root)) for p in parts)
    finally:
        con.close()
    for report in sorted((root / "reports").glob("*.json")):
        out[f"report {report.name}"] = _clean(json.loads(report.read_text(encoding="utf-8")))
    return out


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Names of the parts that differ, with a count of rows, for a readable assertion message."""
    found = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            left, right = a.get(key), b.get(key)
            sizes = (
                f"{len(left) if isinstance(left, list) else '-'} vs {len(right) if isinstance(right, list) else '-'}"
            )
            found.append(f"{key} ({sizes})")
    return found
