"""The alert outbox: one row per (alert, channel) with its delivery state (migration 11 -> 12).

States: ``pending`` (to send at ``next_try``), ``sent``, ``error`` (gave up after the attempt cap, or a permanent
refusal), ``stale`` (too old when its turn came: never sent), ``suppressed`` (rejected by an analyst),
``awaiting_approval`` (a draft for a public channel). Inserting an existing (alert, channel) does nothing, so a
rerun never sends twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

STATES = ("pending", "sent", "error", "stale", "suppressed", "awaiting_approval")


@dataclass(frozen=True, slots=True)
class OutboxRow:
    alert_id: str
    channel: str
    rule: str
    subject: str
    window_start: datetime
    created_at: datetime
    state: str
    attempts: int
    next_try: datetime
    last_error: str | None
    sent_at: datetime | None
    remote_id: str | None
    body: Mapping[str, Any]


COLUMNS = (
    "alert_id, channel, rule, subject, window_start, created_at, state, attempts, next_try, last_error, "
    "sent_at, remote_id, body"
)


def _row(r: Sequence[Any]) -> OutboxRow:
    return OutboxRow(
        alert_id=r[0], channel=r[1], rule=r[2], subject=r[3], window_start=r[4], created_at=r[5], state=r[6],
        attempts=int(r[7]), next_try=r[8], last_error=r[9], sent_at=r[10], remote_id=r[11], body=json.loads(r[12]),
    )  # fmt: skip


def insert_new(con: duckdb.DuckDBPyConnection, rows: Iterable[OutboxRow]) -> int:
    """Insert the rows whose (alert, channel) is not in the outbox yet; returns how many were new. A pending or
    awaiting row that exists gets the new body (a digest that grew), never a new state."""
    new = 0
    for r in rows:
        found = con.execute(
            "SELECT state, body FROM alert_outbox WHERE alert_id = ? AND channel = ?", [r.alert_id, r.channel]
        ).fetchone()
        body = json.dumps(r.body, sort_keys=True, ensure_ascii=False)
        if found is None:
            con.execute(
                f"INSERT INTO alert_outbox ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [r.alert_id, r.channel, r.rule, r.subject, r.window_start, r.created_at, r.state, r.attempts,
                 r.next_try, r.last_error, r.sent_at, r.remote_id, body],
            )  # fmt: skip
            new += 1
        elif found[0] in ("pending", "awaiting_approval") and not json.loads(found[1]).get("edited"):
            kept = {k: v for k, v in json.loads(found[1]).items() if k in ("approved", "edited")}
            merged = json.dumps({**r.body, **kept}, sort_keys=True, ensure_ascii=False)
            con.execute(
                "UPDATE alert_outbox SET body = ? WHERE alert_id = ? AND channel = ?", [merged, r.alert_id, r.channel]
            )
    return new


def windows(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[datetime]]:
    """Window starts already in the outbox per (rule, subject)."""
    out: dict[tuple[str, str], list[datetime]] = {}
    for rule, subject, start in con.execute(
        "SELECT DISTINCT rule, subject, window_start FROM alert_outbox ORDER BY window_start"
    ).fetchall():
        out.setdefault((rule, subject), []).append(start)
    return out


def rows(con: duckdb.DuckDBPyConnection, *, states: Sequence[str] = (), alert_id: str | None = None) -> list[OutboxRow]:
    clauses: list[str] = []
    params: list[Any] = []
    if states:
        clauses.append(f"state IN ({', '.join('?' * len(states))})")
        params.extend(states)
    if alert_id is not None:
        clauses.append("alert_id LIKE ?")
        params.append(alert_id + "%")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = f"SELECT {COLUMNS} FROM alert_outbox {where} ORDER BY window_start, alert_id, channel"
    return [_row(r) for r in con.execute(sql, params).fetchall()]


def due(con: duckdb.DuckDBPyConnection, now: datetime) -> list[OutboxRow]:
    """Pending rows whose time has come, oldest first."""
    sql = f"SELECT {COLUMNS} FROM alert_outbox WHERE state = 'pending' AND next_try <= ? ORDER BY next_try, alert_id"
    return [_row(r) for r in con.execute(sql, [now]).fetchall()]


def update(con: duckdb.DuckDBPyConnection, alert_id: str, channel: str, **fields: Any) -> None:
    if "body" in fields:
        fields["body"] = json.dumps(fields["body"], sort_keys=True, ensure_ascii=False)
    sets = ", ".join(f"{k} = ?" for k in fields)
    con.execute(
        f"UPDATE alert_outbox SET {sets} WHERE alert_id = ? AND channel = ?", [*fields.values(), alert_id, channel]
    )
