"""The incremental event diff (detect/incremental.py): new, updated as an event grows, closed, retracted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from airpicture.detect.incremental import Change, LiveStatus, diff_events, event_key
from airpicture.model.events import Event, Subject

T0 = datetime(2022, 7, 11, 20, 0, tzinfo=UTC)
SETTLE = timedelta(minutes=15)


def _orbit(end_min: float) -> Event:
    return Event(
        type="orbit",
        start=T0,
        end=T0 + timedelta(minutes=end_min),
        detector="orbit",
        detector_version=1,
        subjects=(Subject(icao24="14c5a9"),),
        region="belarus",
    )


def test_an_orbit_is_provisional_grows_then_closes_and_a_lost_one_is_retracted() -> None:
    first = _orbit(40)
    (new,) = diff_events({}, [first], T0 + timedelta(minutes=45), SETTLE, final=False)
    assert (new.change, new.status) == (Change.NEW, LiveStatus.PROVISIONAL)
    known = {new.key: (first.event_id, new.status.value)}
    grown = _orbit(70)
    assert event_key(grown) == new.key and grown.event_id != first.event_id  # same event, one lap more
    (update,) = diff_events(known, [grown], T0 + timedelta(minutes=75), SETTLE, final=False)
    assert (update.change, update.status) == (Change.UPDATED, LiveStatus.PROVISIONAL)
    known = {new.key: (grown.event_id, update.status.value)}
    assert diff_events(known, [grown], T0 + timedelta(minutes=76), SETTLE, final=False) == []  # nothing new
    (closed,) = diff_events(known, [grown], T0 + timedelta(minutes=120), SETTLE, final=False)
    assert (closed.change, closed.status) == (Change.CLOSED, LiveStatus.CLOSED)
    (final,) = diff_events(known, [grown], T0 + timedelta(minutes=71), SETTLE, final=True)
    assert final.status is LiveStatus.CLOSED  # the feeds ended: nothing is provisional any more
    (gone,) = diff_events(known, [], None, SETTLE, final=True, scope=[new.key])
    assert (gone.change, gone.status, gone.event) == (Change.RETRACTED, LiveStatus.RETRACTED, None)
    other = replace(grown, subjects=(Subject(icao24="14c5b0"),))
    assert event_key(other) != new.key
