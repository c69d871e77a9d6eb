"""Detectors on the bundled real recordings (tests/data/adsb), with golden files that record detector versions.

Regenerate on purpose with ``AIRPICTURE_UPDATE_GOLDEN=1 pytest tests/detect/test_real_recordings.py`` (the
diff is reviewed like code; a changed output needs a detector version bump).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from airpicture.decode.modes import FrameDecoder
from airpicture.detect.framework import DetectionContext, Detector, detect_partition
from airpicture.detect.gnss import GnssInterferenceDetector
from airpicture.detect.movement import AirfieldMovementDetector
from airpicture.detect.orbit import OrbitDetector
from airpicture.geo import haversine_km
from airpicture.model.events import Event
from airpicture.reference import ReferenceData
from airpicture.testing import FixedClock
from tests.ingest.readers_support import ADSB, read_all

GOLDEN = Path(__file__).parent / "golden"


def _positions(name: str) -> pa.Table:
    got = read_all(ADSB / name)
    positions = got["positions"]
    if positions is None:  # raw frames: decode them (receiver near Toulouse for the tutorial recording)
        frames = got["frames"]
        assert isinstance(frames, pa.Table)
        decoder = FrameDecoder(receiver_lat_deg=43.6, receiver_lon_deg=1.4)
        positions = decoder.decode(frames, str(got["file_id"])).positions
    assert isinstance(positions, pa.Table)
    return positions


def _run(name: str, detector: Detector, reference: ReferenceData) -> list[Event]:
    positions = _positions(name)
    days = sorted({ts.date() for ts in positions["ts"].to_pylist()})
    events: list[Event] = []
    for day in days:
        # a region is required by the context; these detectors use only reference data (not the watched country)
        ctx = DetectionContext(clock=FixedClock(), region=reference.region("belarus"), day=day, reference=reference)
        events.extend(detect_partition(positions, ctx, [detector]).events)
    return events


def _summary(events: list[Event], detector: Detector, keys: tuple[str, ...]) -> dict[str, Any]:
    return {
        "detector": detector.name,
        "version": detector.version,
        "events": [
            {
                "type": e.type,
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "icao24": e.subjects[0].icao24 if e.subjects else None,
                **{k: e.attributes.get(k) for k in keys if k in e.attributes},
            }
            for e in events
        ],
    }


def _golden(name: str, got: dict[str, Any]) -> None:
    path = GOLDEN / name
    if os.environ.get("AIRPICTURE_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8")), f"{name} changed: bump the detector version"


@pytest.fixture(scope="module")
def reference() -> ReferenceData:
    return ReferenceData()


def test_gnss_spoofing_on_the_black_sea_flight_is_found_in_its_window_and_area(reference: ReferenceData) -> None:
    detector = GnssInterferenceDetector()
    events = _run("noisy_spoofing.json.gz", detector, reference)
    spoofing = [e for e in events if e.type == "position_spoofing"]
    assert len(spoofing) == 1
    burst = spoofing[0]
    # positions freeze over north-west Romania from 09:01, jump to a fake spot near Lviv at 09:24 and come
    # back over Poland at 09:58 (the receivers' view of THY9BP on 2024-09-17)
    assert datetime(2024, 9, 17, 9, 20, tzinfo=UTC) <= burst.start <= datetime(2024, 9, 17, 9, 30, tzinfo=UTC)
    assert datetime(2024, 9, 17, 9, 55, tzinfo=UTC) <= burst.end <= datetime(2024, 9, 17, 10, 5, tzinfo=UTC)
    assert haversine_km(burst.attributes["onset_lat_deg"], burst.attributes["onset_lon_deg"], 47.44, 22.92) < 20
    areas = [e for e in events if e.type == "gnss_interference"]
    assert len(areas) == 1 and "spoofing" in areas[0].attributes["kinds"]
    assert haversine_km(areas[0].attributes["centre_lat_deg"], areas[0].attributes["centre_lon_deg"], 49.67, 23.9) < 30
    _golden(
        "gnss_noisy_spoofing.json",
        _summary(events, detector, ("cells", "kinds", "peak_share", "signatures", "onset_lat_deg", "onset_lon_deg")),
    )


def test_us_navy_carrier_pattern_is_an_orbit(reference: ReferenceData) -> None:
    detector = OrbitDetector()
    events = _run("aircraft_carrier.json.gz", detector, reference)
    assert len(events) == 1
    orbit = events[0]
    assert orbit.subjects[0].icao24 == "ae0455"
    assert orbit.attributes["laps"] >= 2 and orbit.attributes["duration_min"] >= 50
    # the circuits flown from the deck after the first landing (22:24), not the transit south from San Diego
    # (21:48-22:21), which orbit v2 counted toward the pattern
    assert orbit.start >= datetime(2020, 9, 14, 22, 24, tzinfo=UTC)
    # off Baja California, where the carrier was working
    assert haversine_km(orbit.attributes["centre_lat_deg"], orbit.attributes["centre_lon_deg"], 31.6, -117.9) < 40
    keys = ("centre_lat_deg", "centre_lon_deg", "laps", "duration_min", "shape", "direction")
    _golden("orbit_aircraft_carrier.json", _summary(events, detector, keys))


def test_tutorial_airliner_takes_off_from_toulouse_and_lands_at_heathrow(reference: ReferenceData) -> None:
    detector = AirfieldMovementDetector()
    events = _run("tutorial.jsonl.gz", detector, reference)
    kinds = {(e.type, e.attributes["airfield"]) for e in events}
    assert ("takeoff", "LFBO") in kinds
    assert ("landing", "EGLL") in kinds
    assert all(e.start.date() == date(2024, 6, 6) for e in events)
    keys = ("airfield", "runway", "evidence_kind", "extrapolated_s")
    _golden("movement_tutorial.json", _summary(events, detector, keys))
