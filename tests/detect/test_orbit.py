"""Orbit detection on generated racetracks, circles, straight legs and S-turns, and on a simulated night of
patrols flown from Beast frames (tests/detect/scenarios/orbits.toml)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from airpicture.detect.framework import DetectionContext, detect_partition
from airpicture.detect.orbit import OrbitDetector
from airpicture.geo import destination, haversine_km
from airpicture.model.region import Region
from airpicture.model.settings import Settings
from airpicture.pipeline.ingest import ingest_paths
from airpicture.pipeline.simulate import run_simulation
from airpicture.reference import ReferenceData
from airpicture.store import Workspace
from airpicture.testing import FixedClock, make_track

REGION = Region("t", "T", "BY", ("UA",), "Europe/Minsk", time(21), time(6), (), ())
START = datetime(2022, 7, 11, 20, 0, tzinfo=UTC)
CTX = DetectionContext(clock=FixedClock(), region=REGION, day=date(2022, 7, 11))


def racetrack(
    lat0: float,
    lon0: float,
    heading: float,
    leg_km: float,
    turn_radius_km: float,
    laps: float,
    speed_kmh: float = 700.0,
    step_s: float = 5.0,
    clockwise: bool = True,
) -> list[tuple[float, float]]:
    """Points along a racetrack: straight legs joined by half circles, starting at the first leg's start."""
    points: list[tuple[float, float]] = []
    lat, lon, brg = lat0, lon0, heading
    step_km = speed_kmh * step_s / 3600.0
    turn_step_deg = np.degrees(step_km / turn_radius_km) * (1 if clockwise else -1)
    for _ in range(int(np.ceil(laps * 2))):
        for _ in range(int(leg_km / step_km)):
            lat, lon = (float(v) for v in destination(lat, lon, brg, step_km))
            points.append((lat, lon))
        turned = 0.0
        while turned < 180.0:
            brg = (brg + turn_step_deg) % 360.0
            turned += abs(turn_step_deg)
            lat, lon = (float(v) for v in destination(lat, lon, brg, step_km))
            points.append((lat, lon))
    return points[: int(len(points) * laps / np.ceil(laps * 2) * 2)]


def as_track(icao24: str, points: list[tuple[float, float]], step_s: float = 5.0) -> pa.Table:
    return make_track(
        icao24, [(START + timedelta(seconds=i * step_s), lat, lon, 30000.0) for i, (lat, lon) in enumerate(points)]
    )


def test_racetrack_is_found_with_its_shape() -> None:
    transit = [
        (float(a), float(b)) for a, b in zip(np.linspace(53.5, 52.3, 200), np.linspace(30.0, 29.3, 200), strict=True)
    ]
    track = as_track("14c5a9", transit + racetrack(52.3, 29.3, 120.0, 80.0, 12.0, laps=3.0))
    events = OrbitDetector().detect(track, CTX).events
    assert len(events) == 1
    orbit = events[0]
    assert orbit.attributes["shape"] == "racetrack"
    assert 1.8 <= orbit.attributes["laps"] <= 3.1
    assert (
        abs(orbit.attributes["leg_heading_deg"] - 120.0) < 10 or abs(orbit.attributes["leg_heading_deg"] - 300.0) < 10
    )
    assert orbit.attributes["direction"] == "clockwise"
    assert orbit.subjects[0].icao24 == "14c5a9"
    # the racetrack begins where the transit ends (200 fixes, 5 s apart); the transit is not part of it
    assert abs((orbit.start - (START + timedelta(seconds=200 * 5))).total_seconds()) <= 60


def test_circles_counter_clockwise() -> None:
    track = as_track("ae1234", racetrack(52.0, 28.0, 0.0, 0.5, 10.0, laps=4.0, speed_kmh=400.0, clockwise=False))
    events = OrbitDetector().detect(track, CTX).events
    assert len(events) == 1
    assert events[0].attributes["shape"] == "circle"
    assert events[0].attributes["direction"] == "counter-clockwise"


def test_straight_legs_and_s_turns_are_not_orbits() -> None:
    straight = [(float(a), 28.0) for a in np.linspace(50.0, 54.0, 2000)]
    weave = [(float(a), 28.0 + 0.05 * float(np.sin(i / 20))) for i, a in enumerate(np.linspace(50.0, 54.0, 2000))]
    assert OrbitDetector().detect(as_track("000001", straight), CTX).events == ()
    assert OrbitDetector().detect(as_track("000002", weave), CTX).events == ()


def test_short_orbits_are_ignored() -> None:
    track = as_track("ae1235", racetrack(52.0, 28.0, 0.0, 0.5, 3.0, laps=2.5, speed_kmh=400.0))
    assert OrbitDetector(min_duration_min=20.0).detect(track, CTX).events == ()


def test_simulated_patrols_start_and_end_with_the_pattern(tmp_path: Path) -> None:
    # Before orbit v3 the approach leg counted toward the pattern: the reference night's A-50 racetrack
    # started 9 minutes early (the transit's turn onto the approach lies within max_radius_km of the centre).
    reference = ReferenceData()
    run_simulation(str(Path(__file__).parent / "scenarios" / "orbits.toml"), tmp_path / "sim", reference=reference)
    ws = Workspace.init(tmp_path / "ws")
    ingest_paths(
        ws, sorted((tmp_path / "sim").glob("*.beast")), Settings(), FixedClock(datetime(2022, 7, 13, tzinfo=UTC))
    )
    with ws.connect(read_only=True) as con:
        positions = con.sql("SELECT * EXCLUDE (day) FROM positions").to_arrow_table()
    ctx = DetectionContext(
        clock=FixedClock(), region=reference.region("belarus"), day=date(2022, 7, 11), reference=reference
    )
    events = detect_partition(positions, ctx, [OrbitDetector()]).events
    truth = [e for e in json.loads((tmp_path / "sim" / "truth.json").read_text())["events"] if e["type"] == "orbit"]
    assert len(truth) == 3 and len(events) == 3
    for expected in truth:
        (found,) = [e for e in events if e.subjects[0].icao24 == expected["icao24"]]
        start = datetime.fromisoformat(expected["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(expected["end"].replace("Z", "+00:00"))
        assert abs((found.start - start).total_seconds()) <= 90, expected["flight"]
        assert abs((found.end - end).total_seconds()) <= 90, expected["flight"]
        centre = (found.attributes["centre_lat_deg"], found.attributes["centre_lon_deg"])
        assert haversine_km(*centre, expected["lat"], expected["lon"]) < 5.0, expected["flight"]
