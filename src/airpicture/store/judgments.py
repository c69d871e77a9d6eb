"""Judgments in the workspace database: one current judgment per region, question and report day.

Re-assessing a day with the same evidence gives the same judgment id (nothing changes); with different
evidence the earlier version is kept with ``current = false`` and the new one is current.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb

from airpicture.model.judgments import Judgment, judgment_from_dict, judgment_to_dict
from airpicture.store.transaction import transaction


def save_judgment(con: duckdb.DuckDBPyConnection, judgment: Judgment, region: str) -> bool:
    """Store ``judgment`` as ``region``'s current one of its question and day; False when it was already
    current. Judgments of other regions are not touched."""
    row = con.execute("SELECT current FROM judgments WHERE judgment_id = ?", [judgment.judgment_id]).fetchone()
    if row is not None and row[0]:
        return False
    with transaction(con):
        con.execute(
            "UPDATE judgments SET current = false WHERE question_id = ? AND day = ? AND coalesce(region, ?) = ?",
            [judgment.question_id, judgment.day, region, region],
        )
        con.execute("DELETE FROM judgments WHERE judgment_id = ?", [judgment.judgment_id])
        con.execute(
            "INSERT INTO judgments (judgment_id, question_id, day, created_at, top, band, runner_up, runner_up_band, "
            "confidence, supersedes, current, body, region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?, ?)",
            [
                judgment.judgment_id,
                judgment.question_id,
                judgment.day,
                judgment.created_at,
                judgment.top,
                judgment.band,
                judgment.runner_up,
                judgment.runner_up_band,
                judgment.confidence.value,
                judgment.supersedes,
                json.dumps(judgment_to_dict(judgment), ensure_ascii=False, sort_keys=True),
                region,
            ],
        )
    return True


def load_judgment(con: duckdb.DuckDBPyConnection, judgment_id: str) -> Judgment | None:
    row = con.execute("SELECT body FROM judgments WHERE judgment_id = ?", [judgment_id]).fetchone()
    return judgment_from_dict(json.loads(row[0])) if row else None


def current_judgment(con: duckdb.DuckDBPyConnection, question_id: str, day: date, region: str) -> Judgment | None:
    row = con.execute(
        "SELECT body FROM judgments WHERE question_id = ? AND day = ? AND current AND coalesce(region, ?) = ?",
        [question_id, day, region, region],
    ).fetchone()
    return judgment_from_dict(json.loads(row[0])) if row else None


def previous_judgment(con: duckdb.DuckDBPyConnection, question_id: str, day: date, region: str) -> Judgment | None:
    """``region``'s current judgment of the latest day before ``day`` (a judgment stored before regions were
    kept apart has no region and counts for its question's)."""
    row = con.execute(
        "SELECT body FROM judgments WHERE question_id = ? AND day < ? AND current AND coalesce(region, ?) = ? "
        "ORDER BY day DESC LIMIT 1",
        [question_id, day, region, region],
    ).fetchone()
    return judgment_from_dict(json.loads(row[0])) if row else None


def judged_days(con: duckdb.DuckDBPyConnection, question_id: str, region: str) -> set[date]:
    """Days with a current judgment of ``question_id`` for ``region``."""
    rows = con.execute(
        "SELECT day FROM judgments WHERE current AND question_id = ? AND coalesce(region, ?) = ?",
        [question_id, region, region],
    ).fetchall()
    return {r[0] for r in rows}


def judgment_region(con: duckdb.DuckDBPyConnection, judgment_id: str) -> str | None:
    row = con.execute("SELECT region FROM judgments WHERE judgment_id = ?", [judgment_id]).fetchone()
    return str(row[0]) if row and row[0] else None


def list_judgments(con: duckdb.DuckDBPyConnection, *, all_versions: bool = False) -> list[tuple[object, ...]]:
    """Rows (id, question, day, top, band, runner-up, its band, confidence, supersedes, current), by day."""
    where = "" if all_versions else "WHERE current"
    return con.execute(
        "SELECT judgment_id, question_id, day, top, band, runner_up, runner_up_band, confidence, supersedes, current "
        f"FROM judgments {where} ORDER BY day, created_at"
    ).fetchall()
