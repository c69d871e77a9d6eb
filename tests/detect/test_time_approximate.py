"""Issue 12, item 1: events resting on positions whose times are approximate carry the flag time_approximate."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from airpicture.detect.framework import TIME_APPROXIMATE, approximate_files, mark_time_approximate
from airpicture.model.events import Event, Evidence, EvidenceKind
from airpicture.model.schemas import PositionFlag

AT = datetime(2026, 12, 1, 20, tzinfo=UTC)


def _event(kind: str, *files: str) -> Event:
    return Event(
        type=kind,
        start=AT,
        end=AT,
        detector="test",
        detector_version=1,
        evidence=tuple(Evidence(EvidenceKind.POSITION, f, 0) for f in files),
    )


def test_events_on_flagged_positions_and_aggregates_on_a_flagged_day_are_marked() -> None:
    approximate = int(PositionFlag.TIME_APPROXIMATE | PositionFlag.SIMULATED)
    positions = pa.table(
        {
            "source_file": ["copied", "copied", "anchored"],
            "flags": pa.array([approximate, int(PositionFlag.NO_POSITION), 0], pa.uint16()),
        }
    )
    files = approximate_files(positions)
    assert files == frozenset({"copied"})
    marked = mark_time_approximate(
        [_event("entry", "copied"), _event("entry", "anchored"), _event("both", "anchored", "copied"), _event("surge")],
        files,
    )
    assert [TIME_APPROXIMATE in e.flags for e in marked] == [True, False, True, True]
    # nothing approximate that day: nothing is marked, aggregates included
    assert not any(
        TIME_APPROXIMATE in e.flags for e in mark_time_approximate([*marked[1:2], _event("surge")], frozenset())
    )
    assert approximate_files(positions.select(["source_file"])) == frozenset()
