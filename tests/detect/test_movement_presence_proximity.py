"""Airfield movements, watch-list presence and border proximity on real reference data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from airpicture.detect.framework import DetectionContext
from airpicture.detect.movement import AirfieldMovementDetector
from airpicture.detect.presence import WatchlistPresenceDetector
from airpicture.detect.proximity import BorderProximityDetector
from airpicture.geo import destination
from airpicture.model.schemas import PositionFlag
from airpicture.reference import ReferenceData
from airpicture.testing import make_track

START = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)


def with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    field = table.schema.field(name)
    return table.set_column(table.schema.get_field_index(name), field, values.cast(field.type))


def departure(lat: float, lon: float, heading: float, elevation_ft: float, seconds: int, ground_s: int) -> pa.Table:
    """Roll ``ground_s`` seconds along ``heading`` accelerating, then climb at 2,000 ft/min."""
    t = np.arange(seconds, dtype=np.float64)
    speed_ms = np.minimum(2.5 * t, 80.0) + np.maximum(t - ground_s, 0) * 0.5
    dist_km = np.cumsum(speed_ms) / 1000.0
    lats, lons = destination(lat, lon, heading, dist_km)
    alt = elevation_ft + np.maximum(t - ground_s, 0) * 2000.0 / 60.0
    points = [
        (START + timedelta(seconds=float(s)), float(a), float(b), float(h))
        for s, a, b, h in zip(t, lats, lons, alt, strict=True)
    ]
    track = make_track("510101", points, callsign="BYAF101")
    return with_column(track, "on_ground", pa.array(t < ground_s))


def test_takeoff_with_ground_flags_names_the_runway(
    belarus_context: DetectionContext, reference: ReferenceData
) -> None:
    minsk = reference.airfield("UMMS")
    runway = minsk.runways[0]
    assert runway.le_lat is not None and runway.le_lon is not None and runway.le_heading_deg is not None
    track = departure(runway.le_lat, runway.le_lon, runway.le_heading_deg, minsk.elevation_ft or 0.0, 600, 40)
    events = AirfieldMovementDetector().detect(track, belarus_context).events
    assert [e.type for e in events] == ["takeoff"]
    takeoff = events[0]
    assert takeoff.attributes["airfield"] == "UMMS"
    assert takeoff.attributes["runway"] == runway.le_ident
    assert takeoff.attributes["evidence_kind"] == "ground_flag"
    assert takeoff.start == START + timedelta(seconds=39)


def test_takeoff_and_landing_without_ground_flags(belarus_context: DetectionContext, reference: ReferenceData) -> None:
    base = reference.airfield("Machulishchy")
    climb = departure(base.lat, base.lon, 300.0, base.elevation_ft or 0.0, 600, 40)
    climb = with_column(climb, "on_ground", pa.nulls(climb.num_rows, pa.bool_()))  # military: never says
    events = AirfieldMovementDetector().detect(climb, belarus_context).events
    assert [(e.type, e.attributes["airfield"], e.attributes["watched_airfield"]) for e in events] == [
        ("takeoff", "UMLI", True)
    ]
    assert events[0].flags == ("inferred_from_profile",)

    target = reference.airfield("Baranavichy")
    approach_lats, approach_lons = destination(target.lat, target.lon, 45.0, np.linspace(40.0, 0.5, 500))
    alts = np.linspace(8000.0, (target.elevation_ft or 0.0) + 200.0, 500)
    points = [
        (START + timedelta(seconds=2 * i), float(a), float(b), float(h))
        for i, (a, b, h) in enumerate(zip(approach_lats, approach_lons, alts, strict=True))
    ]
    arrival = make_track("510102", points)
    arrival = with_column(arrival, "on_ground", pa.nulls(arrival.num_rows, pa.bool_()))
    landed = AirfieldMovementDetector().detect(arrival, belarus_context).events
    assert [(e.type, e.attributes["airfield"]) for e in landed] == [("landing", "UMMA")]


def test_overflight_is_no_movement(belarus_context: DetectionContext, reference: ReferenceData) -> None:
    base = reference.airfield("Machulishchy")
    lats, lons = destination(base.lat - 0.5, base.lon, 0.0, np.linspace(0, 110, 600))
    points = [
        (START + timedelta(seconds=i), float(a), float(b), 31000.0)
        for i, (a, b) in enumerate(zip(lats, lons, strict=True))
    ]
    assert AirfieldMovementDetector().detect(make_track("510103", points), belarus_context).events == ()


def test_presence_counts_mode_s_only_aircraft(belarus_context: DetectionContext) -> None:
    a50 = make_track(
        "14c5a9", [(START, 52.2, 29.5, 30000.0), (START + timedelta(minutes=20), 52.0, 29.0, 30000.0)], step_s=10
    )
    # A Mode-S-only reply stream: heard, altitude, squawk, no position.
    silent = make_track("14c5a9", [(START + timedelta(hours=2), 0.0, 0.0, 29000.0)])
    silent = with_column(silent, "lat_deg", pa.nulls(1, pa.float64()))
    silent = with_column(silent, "lon_deg", pa.nulls(1, pa.float64()))
    silent = with_column(silent, "squawk", pa.array(["2000"]))
    silent = with_column(silent, "flags", pa.array([int(PositionFlag.NO_POSITION)], pa.uint16()))
    airliner = make_track("4b1901", [(START, 53.0, 28.0, 35000.0), (START + timedelta(minutes=5), 53.1, 28.3, 35000.0)])
    table = pa.concat_tables([a50, silent, airliner])
    events = WatchlistPresenceDetector().detect(table, belarus_context).events
    assert [(e.subjects[0].icao24, e.flags) for e in events] == [("14c5a9", ()), ("14c5a9", ("mode_s_only",))]
    assert events[0].attributes["in_watched_country"] is True
    assert events[1].attributes["squawks"] == ["2000"]


def test_border_proximity_of_an_a50_patrol(belarus_context: DetectionContext) -> None:
    # Along the Belarus-Ukraine border near Mazyr, 1-40 km from it, for 40 minutes.
    lats, lons = destination(51.85, 28.2, 90.0, np.linspace(0, 250, 2400))
    points = [
        (START + timedelta(seconds=i), float(a), float(b), 30000.0)
        for i, (a, b) in enumerate(zip(lats, lons, strict=True))
    ]
    events = BorderProximityDetector().detect(make_track("14c5a9", points), belarus_context).events
    by_ua = [e for e in events if e.attributes["border"] == "BY-UA"]
    assert len(by_ua) == 1
    assert by_ua[0].attributes["min_dist_km"] < 5.0 and by_ua[0].attributes["duration_min"] == 40.0
    assert by_ua[0].subjects[0].role == "AEW&C"
    # An airliner on the same path is not an aircraft of interest.
    assert BorderProximityDetector().detect(make_track("4b1901", points), belarus_context).events == ()
