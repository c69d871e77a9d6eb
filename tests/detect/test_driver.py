"""The local detection driver: per-day aggregates survive partial re-runs; "since monitoring began" is the
region's, not the oldest file's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa

from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings
from airpicture.pipeline.detect import run_detection
from airpicture.store import Workspace
from airpicture.testing import make_track

CLOCK = FixedClock(datetime(2022, 7, 20, tzinfo=UTC))
PARIS_DAY, MINSK_DAY, LATER_DAY = date(2021, 10, 7), date(2022, 7, 9), date(2022, 7, 11)


def _night(day: date, lat: float, lon: float, icao24: str) -> pa.Table:
    start = datetime(day.year, day.month, day.day, 20, tzinfo=UTC)
    end = datetime(day.year, day.month, day.day, 21, tzinfo=UTC)
    return make_track(icao24, [(start, lat, lon, 30_000.0), (end, lat + 0.5, lon + 1.0, 30_000.0)], step_s=10)


def _aggregates(workspace: Workspace) -> dict[tuple[date, str], int]:
    with workspace.connect(read_only=True) as con:
        rows = con.sql("SELECT day, detector, count(*) FROM day_aggregates GROUP BY ALL").fetchall()
    return {(d, detector): n for d, detector, n in rows}


def test_coverage_is_recorded_per_day_and_a_partial_rerun_keeps_other_detectors_aggregates(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    for k, (day, lat, lon, icao) in enumerate(
        [(PARIS_DAY, 48.8, 2.3, "3c6444"), (MINSK_DAY, 53.9, 27.5, "510081"), (LATER_DAY, 53.9, 27.5, "510081")]
    ):
        workspace.write_partitioned("positions", _night(day, lat, lon, icao), f"test-{k}")
    settings = Settings()
    run_detection(workspace, settings, CLOCK, days=[PARIS_DAY, MINSK_DAY, LATER_DAY])
    with workspace.connect(read_only=True) as con:
        coverage = dict(
            con.sql("SELECT day, value FROM day_aggregates WHERE detector = 'coverage' ORDER BY day").fetchall()
        )
    assert coverage[PARIS_DAY] == 0 and coverage[MINSK_DAY] > 0 and coverage[LATER_DAY] > 0
    before = _aggregates(workspace)
    assert before.get((MINSK_DAY, "activity_surge"), 0) > 0

    # re-running one detector on a day replaces that detector's aggregates only
    run_detection(workspace, settings, CLOCK, days=[MINSK_DAY], detectors=["airspace"])
    assert _aggregates(workspace) == before


def test_monitoring_began_with_the_first_day_inside_the_region(tmp_path: Path) -> None:
    from airpicture.pipeline.detect import _monitoring_since

    workspace = Workspace.init(tmp_path / "ws")
    for k, (day, lat, lon, icao) in enumerate(
        [(PARIS_DAY, 48.8, 2.3, "3c6444"), (MINSK_DAY, 53.9, 27.5, "510081"), (LATER_DAY, 53.9, 27.5, "510081")]
    ):
        workspace.write_partitioned("positions", _night(day, lat, lon, icao), f"test-{k}")
    # a workspace detected before coverage was recorded: the first stored day, as before
    assert _monitoring_since(workspace, "belarus", LATER_DAY) == PARIS_DAY
    run_detection(workspace, Settings(), CLOCK, days=[PARIS_DAY, MINSK_DAY])
    assert _monitoring_since(workspace, "belarus", LATER_DAY) == MINSK_DAY
    # the assessment (and so the report's "since monitoring began (date)") reads the same
    from airpicture.pipeline.detect import region_monitoring_since

    with workspace.connect(read_only=True) as con:
        assert region_monitoring_since(con, "belarus") == MINSK_DAY
        assert region_monitoring_since(con, "kaliningrad") is None


def _events(workspace: Workspace, region: str) -> list[tuple[object, ...]]:
    with workspace.connect(read_only=True) as con:
        return con.execute("SELECT * FROM events WHERE region = ? ORDER BY event_id", [region]).fetchall()


def test_each_region_detects_only_inside_its_frame_and_keeps_its_own_events(tmp_path: Path) -> None:
    """Issue 12 item 2: a Kaliningrad run found the Belarus A-50 orbit (51.9 N 28.4 E, far outside its frame)
    and relabelled Belarus's events, whose ids carried no region."""
    from datetime import timedelta

    from tests.detect.test_orbit import racetrack

    def orbit(icao24: str, lat: float, lon: float, heading: float) -> pa.Table:
        start = datetime(2022, 7, 11, 19, tzinfo=UTC)
        points = racetrack(lat, lon, heading, 60.0, 11.0, laps=3.0)
        return make_track(
            icao24, [(start + timedelta(seconds=5 * i), a, b, 29000.0) for i, (a, b) in enumerate(points)]
        )

    workspace = Workspace.init(tmp_path / "ws")
    workspace.write_partitioned("positions", orbit("14c5a9", 51.9, 28.4, 95.0), "belarus-orbit")
    workspace.write_partitioned("positions", orbit("15289b", 55.4, 19.0, 20.0), "baltic-orbit")
    run_detection(workspace, Settings(region="belarus"), CLOCK, days=[LATER_DAY])
    belarus = _events(workspace, "belarus")
    assert any(row[1] == "orbit" and row[8] == "14c5a9" for row in belarus)
    assert not any(row[8] == "15289b" for row in belarus)  # 19.0 E is west of Belarus's frame

    summary = run_detection(workspace, Settings(region="kaliningrad"), CLOCK, days=[LATER_DAY])
    kaliningrad = _events(workspace, "kaliningrad")
    assert summary.region == "kaliningrad" and kaliningrad
    assert {row[8] for row in kaliningrad} == {"15289b"}  # never the orbit over southern Belarus
    assert _events(workspace, "belarus") == belarus  # Belarus's rows untouched
    assert not {row[0] for row in belarus} & {row[0] for row in kaliningrad}
    # re-running Belarus replaces only its own events
    run_detection(workspace, Settings(region="belarus"), CLOCK, days=[LATER_DAY])
    assert _events(workspace, "belarus") == belarus and _events(workspace, "kaliningrad") == kaliningrad


def test_an_event_id_includes_its_region() -> None:
    from airpicture.model.events import Event

    start = datetime(2022, 7, 11, 19, tzinfo=UTC)
    plain = Event("orbit", start, start, "orbit", 3)
    ids = {plain.event_id, *(Event("orbit", start, start, "orbit", 3, region=r).event_id for r in ("a", "b"))}
    assert len(ids) == 3
