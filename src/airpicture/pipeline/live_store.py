"""The live driver's bookkeeping in the workspace (tables of migration 12): streams, flushes, feed counters,
the live status of events and the service's own state.

The flush protocol (docs/live.md, "Flush and crash safety"), per stream and flush:

1. one transaction records the flush as ``writing`` in ``live_flushes`` (part number, and the stream's batch
   count once the part is stored);
2. the part is written (``Workspace.write_partitioned``: all-or-nothing over its days) as
   ``positions/day=D/part-<stream_id[:20]>-<part:05d>.parquet``, ingest's own part name for that file id;
3. one transaction quarantines the flush's rejects, marks the flush ``done``, advances the stream's cursor and
   its ``ingested_files`` counters.

:func:`reconcile` (at start, before any feed is read) deletes the part files of every flush still ``writing``
and its row: a kill between (1) and (3) leaves the stream at its cursor of (3) before, with no row of that
flush stored. A replay then resumes at its cursor: the batches before it are decoded again (so the decoder's
state is that of an uninterrupted read) but not stored, so no row is ever stored twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

import duckdb

from airpicture.model.events import Event
from airpicture.store import Workspace
from airpicture.store.events import event_to_row
from airpicture.store.stages import PART_PREFIX_LEN
from airpicture.store.transaction import transaction


def part_name(stream_id: str, part: int) -> str:
    """The part id of flush ``part`` of a stream: ingest's ``<file_id[:20]>-<n:05d>``."""
    return f"{stream_id[:PART_PREFIX_LEN]}-{part:05d}"


def reconcile(workspace: Workspace) -> int:
    """Undo every flush a kill interrupted (its part files and row); returns how many. Run before reading."""
    with workspace.connect() as con:
        unfinished = con.execute("SELECT stream_id, part FROM live_flushes WHERE state = 'writing'").fetchall()
    for stream_id, part in unfinished:
        for stale in (workspace.root / "positions").glob(f"day=*/part-{part_name(stream_id, part)}.parquet"):
            stale.unlink(missing_ok=True)
    if unfinished:
        with workspace.connect() as con, transaction(con):
            con.execute("DELETE FROM live_flushes WHERE state = 'writing'")
    return len(unfinished)


def stream_cursor(con: duckdb.DuckDBPyConnection, stream_id: str) -> tuple[int, int, bool] | None:
    """``(batches stored, parts written, ended)`` of a stream a previous run began; None for a new one."""
    row = con.execute("SELECT batches, parts, ended FROM live_streams WHERE stream_id = ?", [stream_id]).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), bool(row[2]))


def begin_flush(
    con: duckdb.DuckDBPyConnection, stream_id: str, feed: str, receiver: str | None, part: int, batches_end: int
) -> None:
    """Step 1: the stream (created when new) and the flush as ``writing``."""
    with transaction(con):
        con.execute(
            "INSERT INTO live_streams VALUES (?, ?, ?, 0, 0, false) ON CONFLICT (stream_id) DO NOTHING",
            [stream_id, feed, receiver],
        )
        con.execute("INSERT OR REPLACE INTO live_flushes VALUES (?, ?, ?, 'writing')", [stream_id, part, batches_end])


def finish_flush(
    con: duckdb.DuckDBPyConnection,
    stream_id: str,
    feed: str,
    receiver: str | None,
    *,
    part: int | None,
    parts: int,
    batches: int,
    catalog: Mapping[str, Any],
    rejects: list[Any],
    ended: bool,
) -> None:
    """Step 3: rejects quarantined, the flush ``done``, the stream's cursor and its ``ingested_files`` row."""
    from airpicture.pipeline.ingest_chunk import quarantine_rejects

    with transaction(con):
        for table in rejects:
            quarantine_rejects(con, stream_id, table)
        if part is not None:
            con.execute("UPDATE live_flushes SET state = 'done' WHERE stream_id = ? AND part = ?", [stream_id, part])
        con.execute(
            "INSERT INTO live_streams VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET "
            "batches = excluded.batches, parts = excluded.parts, ended = excluded.ended",
            [stream_id, feed, receiver, batches, parts, ended],
        )
        con.execute("DELETE FROM ingested_files WHERE file_id = ?", [stream_id])
        con.execute(
            "INSERT INTO ingested_files (file_id, path, format, size_bytes, ingested_at, records_read, "
            "records_stored, records_rejected, receiver, receiver_from, time_basis, time_anchor, time_anchor_from) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [stream_id, *(catalog[k] for k in CATALOG_KEYS)],
        )


CATALOG_KEYS = (
    "path",
    "format",
    "size_bytes",
    "ingested_at",
    "records_read",
    "records_stored",
    "records_rejected",
    "receiver",
    "receiver_from",
    "time_basis",
    "time_anchor",
    "time_anchor_from",
)
"""The ``ingested_files`` columns a live stream fills (as ingest does for a file), after ``file_id``."""


def store_counters(con: duckdb.DuckDBPyConnection, counters: list[Any], at: datetime) -> None:
    """The feeds' :class:`~airpicture.sources.live.FeedCounters` snapshots (label and pseudonym only)."""
    with transaction(con):
        for c in counters:
            con.execute(
                "INSERT OR REPLACE INTO live_feeds VALUES (?, ?, ?, ?)",
                [c.feed, c.receiver, json.dumps(asdict(c), default=str), at],
            )


def set_service(con: duckdb.DuckDBPyConnection, values: Mapping[str, str | None]) -> None:
    with transaction(con):
        for key, value in values.items():
            con.execute("INSERT OR REPLACE INTO live_service VALUES (?, ?)", [key, value])


def known_events(con: duckdb.DuckDBPyConnection, region: str) -> dict[str, tuple[str, str]]:
    """``event_key → (event_id, status)`` of the events live has emitted in ``region``."""
    rows = con.execute("SELECT event_key, event_id, status FROM live_events WHERE region = ?", [region]).fetchall()
    return {str(k): (str(i), str(s)) for k, i, s in rows}


def event_keys_between(con: duckdb.DuckDBPyConnection, region: str, start: datetime, end: datetime) -> list[str]:
    """Keys of the events live emitted in ``region`` that start in ``[start, end)`` (a pass's scope)."""
    rows = con.execute(
        "SELECT event_key FROM live_events WHERE region = ? AND CAST(json_extract_string(event, '$.start') "
        "AS TIMESTAMPTZ) >= ? AND CAST(json_extract_string(event, '$.start') AS TIMESTAMPTZ) < ?",
        [region, start, end],
    ).fetchall()
    return [str(r[0]) for r in rows]


def stored_event(con: duckdb.DuckDBPyConnection, region: str, key: str) -> dict[str, Any]:
    """The event as live last emitted it (JSON), e.g. for a retracted one."""
    row = con.execute("SELECT event FROM live_events WHERE region = ? AND event_key = ?", [region, key]).fetchone()
    return dict(json.loads(row[0])) if row else {}


def store_event_status(
    con: duckdb.DuckDBPyConnection, region: str, key: str, event: Event | None, status: str, at: datetime
) -> None:
    """Record the live status of one event (``event`` None: retracted, only its status changes)."""
    if event is None:
        con.execute(
            "UPDATE live_events SET status = ?, updated_at = ?, "
            "event = json_merge_patch(event, json_object('status', ?)) WHERE region = ? AND event_key = ?",
            [status, at, status, region, key],
        )
        return
    row = event_to_row(event, region)
    shown = {
        "event_id": row[0],
        "type": event.type,
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "icao24": row[8],
        "role": row[9],
        "detector": event.detector,
        "status": status,
    }
    con.execute(
        "INSERT INTO live_events VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (region, event_key) DO UPDATE SET "
        "event_id = excluded.event_id, status = excluded.status, updated_at = excluded.updated_at, "
        "event = excluded.event",
        [region, key, row[0], status, at, at, json.dumps(shown)],
    )


def read_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What ``airpicture live status`` shows: the service state, every feed's counters, the provisional events."""
    service = dict(con.execute("SELECT key, value FROM live_service").fetchall())
    feeds = [
        {"feed": f, "receiver": r, "counters": json.loads(c), "updated_at": u.isoformat() if u else None}
        for f, r, c, u in con.execute(
            "SELECT feed, receiver, counters, updated_at FROM live_feeds ORDER BY feed"
        ).fetchall()
    ]
    counts = dict(con.execute("SELECT status, count(*) FROM live_events GROUP BY status").fetchall())
    provisional = [
        json.loads(e)
        for (e,) in con.execute(
            "SELECT event FROM live_events WHERE status = 'provisional' ORDER BY updated_at DESC LIMIT 20"
        ).fetchall()
    ]
    last = service.get("last_event")
    return {
        "state": service.get("state", "never run"),
        "started_at": service.get("started_at"),
        "stopped_at": service.get("stopped_at"),
        "feeds": feeds,
        "events": {k: int(v) for k, v in counts.items()},
        "provisional": provisional,
        "last_event": json.loads(last) if last else None,
    }
