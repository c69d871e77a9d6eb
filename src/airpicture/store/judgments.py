"""Judgments in the workspace database: one current judgment per question and report day.

Re-assessing a day with the same evidence gives the same judgment id (nothing changes); with different
evidence the earlier version is kept with ``current = false`` and the new one is current.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb

from airpicture.model.judgments import Judgment, judgment_from_dict, judgment_to_dict
from airpicture.store.transaction import transaction


def save_judgment(con: duckdb.DuckDBPyConnection, judgment: Judgment) -> bool:
    """Store ``judgment`` as the current one of its question and day; False when it was already current."""
    row = con.execute("SELECT current FROM judgments WHERE judgment_id = ?", [judgment.judgment_id]).fetchone()
    if row is not None and row[0]:
        return False
    with transaction(con):
        con.execute(
            "UPDATE judgments SET current = false WHERE question_id = ? AND day = ?",
            [judgment.question_id, judgment.day],
        )
        con.execute("DELETE FROM judgments WHERE judgment_id = ?", [judgment.judgment_id])
        con.execute(
            "INSERT INTO judgments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?)",
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
            ],
        )
    return True


def load_judgment(con: duckdb.DuckDBPyConnection, judgment_id: str) -> Judgment | None:
    row = con.execute("SELECT body FROM judgments WHERE judgment_id = ?", [judgment_id]).fetchone()
    return judgment_from_dict(json.loads(row[0])) if row else None


def current_judgment(con: duckdb.DuckDBPyConnection, question_id: str, day: date) -> Judgment | None:
    row = con.execute(
        "SELECT body FROM judgments WHERE question_id = ? AND day = ? AND current", [question_id, day]
    ).fetchone()
    return judgment_from_dict(json.loads(row[0])) if row else None


def previous_judgment(con: duckdb.DuckDBPyConnection, question_id: str, day: date) -> Judgment | None:
    """The current judgment of the latest day before ``day``."""
    row = con.execute(
        "SELECT body FROM judgments WHERE question_id = ? AND day < ? AND current ORDER BY day DESC LIMIT 1",
        [question_id, day],
    ).fetchone()
    return judgment_from_dict(json.loads(row[0])) if row else None


def list_judgments(con: duckdb.DuckDBPyConnection, *, all_versions: bool = False) -> list[tuple[object, ...]]:
    """Rows (id, question, day, top, band, runner-up, its band, confidence, supersedes, current), by day."""
    where = "" if all_versions else "WHERE current"
    return con.execute(
        "SELECT judgment_id, question_id, day, top, band, runner_up, runner_up_band, confidence, supersedes, current "
        f"FROM judgments {where} ORDER BY day, created_at"
    ).fetchall()
