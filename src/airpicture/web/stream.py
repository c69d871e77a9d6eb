"""The ``stream`` endpoint's source: an in-process broadcast hub that Server-Sent Events clients subscribe to.

Two things publish to it:

* :class:`WorkspaceTail`, run by the hub about once a second while anyone listens: new positions (the
  picture's rows newer than the last batch, one ``positions`` message per second), new events and claim
  status changes, read from the workspace. It works for any writer of the workspace (``airpicture run``,
  ``ingest``, or the live driver), since it only reads.
* The live driver, in the same process (``airpicture live --serve``): :meth:`Hub.publish` (thread-safe) sends
  a message at once, and :meth:`Hub.set_receiver` records a receiver's live health (frames/s, lag, drops,
  reconnects; pseudonym labels only), which ``/api/v1/receivers`` merges over the stored figures.

Messages are ``(kind, data)``; each client has a bounded queue, and a client that falls behind by more than
``QUEUE_SIZE`` messages loses the oldest (it is told with a ``dropped`` count), so one slow client never
holds up the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from airpicture.model.settings import Settings
from airpicture.pipeline.aircraft import AircraftFilter, current_aircraft, latest_time
from airpicture.store import Workspace

QUEUE_SIZE = 256
HEARTBEAT_S = 15.0


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class WorkspaceTail:
    """What is new in the workspace since the last poll (positions, events, claim status changes)."""

    def __init__(self, workspace: Workspace, settings: Settings) -> None:
        self.workspace, self.settings = workspace, settings
        self.last_ts: datetime | None = latest_time(workspace)
        self.seen_events = self._event_ids()
        self.seen_changes = self._change_count()

    def _event_ids(self) -> set[str]:
        with self.workspace.connect(read_only=True) as con:
            return {r[0] for r in con.execute("SELECT event_id FROM events").fetchall()}

    def _change_count(self) -> int:
        with self.workspace.connect(read_only=True) as con:
            row = con.execute("SELECT count(*) FROM verification_events").fetchone()
        return int(row[0]) if row else 0

    def poll(self) -> list[tuple[str, Any]]:
        from airpicture.pipeline.events import event_record, find_event

        out: list[tuple[str, Any]] = []
        newest = latest_time(self.workspace)
        if newest is not None and (self.last_ts is None or newest > self.last_ts):
            window = (newest - self.last_ts).total_seconds() if self.last_ts else 60.0
            _, table = current_aircraft(self.workspace, self.settings, AircraftFilter(at=newest, window_s=window))
            out.append(("positions", {"at": newest, "aircraft": table.to_pylist()}))
            self.last_ts = newest
        ids = self._event_ids()
        for event_id in sorted(ids - self.seen_events):
            event, region = find_event(self.workspace, event_id)
            out.append(("event", event_record(event_id, event, region)))
        self.seen_events = ids
        changes = self._change_count()
        if changes > self.seen_changes:
            with self.workspace.connect(read_only=True) as con:
                rows = con.execute(
                    "SELECT claim_id, at_ts, from_status, to_status, rule FROM verification_events "
                    "ORDER BY at_ts, claim_id OFFSET ?",
                    [self.seen_changes],
                ).fetchall()
            for claim_id, at, before, after, rule in rows:
                out.append(("status", {"claim_id": claim_id, "at": at, "from": before, "to": after, "rule": rule}))
            self.seen_changes = changes
        return out


class Hub:
    """Fan-out of ``(kind, data)`` messages to every subscribed SSE client."""

    def __init__(self, poll_s: float = 1.0) -> None:
        self.poll_s = poll_s
        self._queues: set[asyncio.Queue[tuple[str, Any]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._receivers: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._tail_task: asyncio.Task[None] | None = None
        self.tail_factory: Callable[[], WorkspaceTail] | None = None

    @property
    def clients(self) -> int:
        return len(self._queues)

    def receivers(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: dict(v) for k, v in self._receivers.items()}

    def set_receiver(self, label: str, **health: Any) -> None:
        """Live health of one receiver (``label`` is its pseudonym label ``receiver-<8 hex>``)."""
        with self._lock:
            self._receivers.setdefault(label, {}).update(health)

    def publish(self, kind: str, data: Any) -> None:
        """Send a message to every client; safe to call from any thread."""
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == getattr(loop, "_thread_id", None):
            self._put(kind, data)
        else:
            loop.call_soon_threadsafe(self._put, kind, data)

    def _put(self, kind: str, data: Any) -> None:
        for queue in list(self._queues):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait((kind, data))

    async def _tail(self) -> None:
        assert self.tail_factory is not None
        tail = await asyncio.to_thread(self.tail_factory)
        while self._queues:
            await asyncio.sleep(self.poll_s)
            for kind, data in await asyncio.to_thread(tail.poll):
                self._put(kind, data)
        self._tail_task = None

    async def subscribe(self) -> AsyncIterator[str]:
        """Server-Sent Events text for one client, until it disconnects."""
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        if self.tail_factory is not None and self._tail_task is None:
            self._tail_task = asyncio.create_task(self._tail())
        try:
            yield ": airpicture stream\nretry: 2000\n\n"
            while True:
                try:
                    kind, data = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                text = json.dumps(_jsonable(data), ensure_ascii=False, separators=(",", ":"))
                yield f"event: {kind}\ndata: {text}\n\n"
        finally:
            self._queues.discard(queue)
