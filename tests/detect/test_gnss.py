"""GNSS spoofing signatures on a simulated night (tests/detect/scenarios/spoofing.toml), end to end from
Beast frames: a frozen position, a position beyond the receiver's radio horizon, and a clean airliner."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airpicture.detect.framework import DetectionContext, detect_partition
from airpicture.detect.gnss import GnssInterferenceDetector, ReceiverSite, carry_forward, horizon_km
from airpicture.geo import haversine_km
from airpicture.model.events import Event
from airpicture.model.settings import Settings
from airpicture.pipeline.ingest import ingest_paths
from airpicture.pipeline.simulate import run_simulation
from airpicture.reference import ReferenceData
from airpicture.store import Workspace
from airpicture.testing import FixedClock

SCENARIO = Path(__file__).parent / "scenarios" / "spoofing.toml"
DAY = date(2022, 7, 5)
FROZEN, OFFSET, CLEAN = "510099", "510199", "510299"
MINSK_EAST = (53.93, 27.68, 40.0)


@dataclass(frozen=True, slots=True)
class Night:
    positions: pa.Table
    truth_tracks: pa.Table
    file_id: str


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    root = tmp_path_factory.mktemp("spoofing")
    reference = ReferenceData()
    run_simulation(str(SCENARIO), root / "sim", reference=reference)
    beast = sorted((root / "sim").glob("*.beast"))
    assert len(beast) == 1
    ws = Workspace.init(root / "ws")
    ingest_paths(ws, beast, Settings(), FixedClock(datetime(2022, 7, 6, tzinfo=UTC)))
    with ws.connect(read_only=True) as con:
        positions = con.sql("SELECT * EXCLUDE (day) FROM positions").to_arrow_table()
    return Night(
        positions,
        pq.read_table(root / "sim" / "simulated-truth-tracks.parquet"),
        hashlib.sha256(beast[0].read_bytes()).hexdigest(),
    )


def _detect(night: Night, detector: GnssInterferenceDetector) -> list[Event]:
    reference = ReferenceData()
    ctx = DetectionContext(clock=FixedClock(), region=reference.region("belarus"), day=DAY, reference=reference)
    return list(detect_partition(night.positions, ctx, [detector]).events)


def _spoofing(events: list[Event], icao24: str) -> list[Event]:
    return [e for e in events if e.type == "position_spoofing" and e.subjects[0].icao24 == icao24]


def _true_position(night: Night, icao24: str, at: datetime) -> tuple[float, float]:
    tracks = night.truth_tracks.filter(pa.compute.equal(night.truth_tracks["icao24"], icao24))
    ts = tracks["ts"].cast(pa.int64()).to_numpy() / 1e6
    t = at.timestamp()
    return float(np.interp(t, ts, tracks["lat_deg"].to_numpy())), float(np.interp(t, ts, tracks["lon_deg"].to_numpy()))


def test_a_frozen_position_from_raw_frames_is_spoofing_from_the_moment_it_froze(night: Night) -> None:
    # Raw frames carry speed (DF17 TC 19) and position (TC 11) in different messages: the position rows have
    # no ground speed of their own. Before detector version 2 the frozen signature never fired on them.
    events = _detect(night, GnssInterferenceDetector())
    found = _spoofing(events, FROZEN)
    assert len(found) == 1
    burst = found[0]
    froze = datetime(2022, 7, 5, 19, 25, tzinfo=UTC)
    assert abs((burst.start - froze).total_seconds()) <= 10
    # until the last frame the receiver heard (the aircraft flies out of its range before 19:45)
    assert froze + timedelta(minutes=14) <= burst.end <= datetime(2022, 7, 5, 19, 45, 30, tzinfo=UTC)
    assert burst.attributes["signatures"]["frozen"] > 100
    # the onset is where the aircraft really was when its position froze
    lat, lon = _true_position(night, FROZEN, froze)
    assert haversine_km(burst.attributes["onset_lat_deg"], burst.attributes["onset_lon_deg"], lat, lon) < 2.0


def test_a_frozen_position_paints_no_interference_area(night: Night) -> None:
    # the frozen spot is where the aircraft was minutes ago, not where any interference is
    events = _detect(night, GnssInterferenceDetector())
    assert [e for e in events if e.type == "gnss_interference"] == []


def test_positions_beyond_the_receivers_horizon_are_spoofing_when_the_receiver_is_known(night: Night) -> None:
    unknown = _detect(night, GnssInterferenceDetector())
    assert _spoofing(unknown, OFFSET) == []  # 180 km in 0.5 s is one jump, not a burst
    lat, lon, antenna = MINSK_EAST
    known = _detect(night, GnssInterferenceDetector(receivers=(ReceiverSite(night.file_id, lat, lon, antenna),)))
    found = _spoofing(known, OFFSET)
    assert len(found) == 1
    burst = found[0]
    assert abs((burst.start - datetime(2022, 7, 5, 19, 20, tzinfo=UTC)).total_seconds()) <= 10
    assert burst.end <= datetime(2022, 7, 5, 19, 35, 30, tzinfo=UTC)
    assert burst.attributes["signatures"]["out_of_range"] > 100
    # the interference area is where the spoofed positions were placed, south of the aircraft's real track
    areas = [e for e in known if e.type == "gnss_interference"]
    assert len(areas) == 1 and areas[0].attributes["kinds"] == ["spoofing"]
    assert areas[0].attributes["centre_lat_deg"] < 50.6
    # another file's rows never take a receiver's range
    other = GnssInterferenceDetector(receivers=(ReceiverSite("0" * 64, lat, lon, antenna),))
    assert _spoofing(_detect(night, other), OFFSET) == []


def test_the_clean_airliner_stays_clean(night: Night) -> None:
    lat, lon, antenna = MINSK_EAST
    for detector in (
        GnssInterferenceDetector(),
        GnssInterferenceDetector(receivers=(ReceiverSite(night.file_id, lat, lon, antenna),)),
    ):
        assert _spoofing(_detect(night, detector), CLEAN) == []


def test_the_horizon_grows_with_altitude() -> None:
    # 4/3 earth: 10 m antenna, 35,000 ft ≈ 4.12·(3.16 + 103.3) km
    assert horizon_km(np.array([35000.0]), 10.0)[0] == pytest.approx(438.6, abs=1.0)
    assert horizon_km(np.array([0.0]), 0.0)[0] == 0.0
    assert horizon_km(np.array([np.nan]), 0.0)[0] > horizon_km(np.array([45000.0]), 0.0)[0]  # unknown: lenient


@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 300), st.one_of(st.none(), st.floats(0, 600))),
        max_size=40,
    ),
    st.floats(0, 120),
)
def test_carry_forward_is_the_newest_value_of_the_same_address(
    rows: list[tuple[int, int, float | None]], max_age_s: float
) -> None:
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    code = np.array([r[0] for r in rows], dtype=np.int64)
    ts_us = np.array([r[1] * 1_000_000 for r in rows], dtype=np.int64)
    values = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=np.float64)
    got = carry_forward(code, ts_us, values, max_age_s)
    for i, (c, t, _) in enumerate(rows):
        earlier = [j for j in range(i + 1) if rows[j][0] == c and rows[j][2] is not None]
        if earlier and t - rows[earlier[-1]][1] <= max_age_s:
            assert got[i] == rows[earlier[-1]][2]
        else:
            assert np.isnan(got[i])
