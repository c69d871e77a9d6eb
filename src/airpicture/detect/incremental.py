"""The incremental form of detection: what changed between two passes of the SAME detectors over a growing day.

The live driver (pipeline/live.py) re-runs the batch detection of every UTC day that received positions
(``detect_partition`` through ``pipeline.detect.run_detection``: no second copy of any detector) and hands
the events before and after to :func:`diff_events`. An event is followed across passes by its
:func:`event_key` (detector, type, subjects and start: an orbit keeps its key while its laps add up and its
end moves; its ``event_id``, which includes the end, changes). Its status:

* ``provisional`` while more data may still change it: it ends within ``settle`` of the data's horizon (the
  latest position time) and the feeds have not ended;
* ``closed`` once it ends earlier than that, or when the feeds have ended (the final pass);
* ``retracted`` when a later pass no longer finds it (e.g. a crossing that more positions showed to be noise).

Once the feeds end, the closed events are exactly the events of the final pass, which is batch detection over
the same positions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from airpicture.model.events import Event


class LiveStatus(StrEnum):
    PROVISIONAL = "provisional"
    CLOSED = "closed"
    RETRACTED = "retracted"


class Change(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    CLOSED = "closed"
    RETRACTED = "retracted"


@dataclass(frozen=True, slots=True)
class EventChange:
    """One event emitted by a pass: what happened to it and its status now."""

    key: str
    change: Change
    status: LiveStatus
    event: Event | None
    """None for a retracted event (the pass no longer finds it)."""


def event_key(event: Event) -> str:
    """Stable across passes while the event grows: detector, type, region, subjects and start (not the end)."""
    parts = [event.detector, event.type, event.region, [s.icao24 or s.name for s in event.subjects]]
    parts.append(event.start.isoformat())
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def status_of(event: Event, horizon: datetime | None, settle: timedelta, *, final: bool) -> LiveStatus:
    """``provisional`` when ``event`` ends within ``settle`` of ``horizon`` and the pass is not ``final``."""
    if final or horizon is None:
        return LiveStatus.CLOSED
    return LiveStatus.PROVISIONAL if event.end >= horizon - settle else LiveStatus.CLOSED


def diff_events(
    known: Mapping[str, tuple[str, str]],
    current: Iterable[Event],
    horizon: datetime | None,
    settle: timedelta,
    *,
    final: bool,
    scope: Iterable[str] | None = None,
) -> list[EventChange]:
    """The changes from ``known`` (``key → (event_id, status)`` emitted before) to ``current`` (the events of a
    pass). ``scope``: the keys of ``known`` the pass covered (its days); a key in scope and not found again
    is retracted. Events of equal id and status are no change."""
    changes: list[EventChange] = []
    seen: set[str] = set()
    for event in sorted(current, key=lambda e: (e.start, e.type, e.event_id)):
        key = event_key(event)
        seen.add(key)
        status = status_of(event, horizon, settle, final=final)
        before = known.get(key)
        if before is None:
            changes.append(EventChange(key, Change.NEW, status, event))
        elif before[0] != event.event_id or before[1] != status.value:
            closing = status is LiveStatus.CLOSED and before[1] != LiveStatus.CLOSED.value
            changes.append(EventChange(key, Change.CLOSED if closing else Change.UPDATED, status, event))
    for key in scope if scope is not None else ():
        if key not in seen and known.get(key, ("", LiveStatus.RETRACTED.value))[1] != LiveStatus.RETRACTED.value:
            changes.append(EventChange(key, Change.RETRACTED, LiveStatus.RETRACTED, None))
    return changes
