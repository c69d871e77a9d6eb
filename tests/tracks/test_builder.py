"""Track building on real positions: gaps, squawk and ground changes, flags, order invariance."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.model.schemas import PositionFlag
from airpicture.tracks import build_tracks
from tests.ingest.readers_support import ADSB, read_all


def _positions(name: str) -> pl.DataFrame:
    table = read_all(ADSB / name)["positions"]
    assert isinstance(table, pa.Table)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


TRACE = _positions("trace_full_ac671b.json")
SPOOF = _positions("noisy_spoofing.json.gz")


def test_the_trace_splits_at_every_silence_longer_than_the_gap() -> None:
    tracks = build_tracks(TRACE, timedelta(minutes=15))
    ts = TRACE.sort("ts")["ts"]
    gaps = (ts.diff().dt.total_seconds() > 15 * 60).sum()
    assert tracks.height == gaps + 1 > 1
    starts = tracks["first_seen"].to_list()
    ends = tracks["last_seen"].to_list()
    for previous_end, start in zip(ends[:-1], starts[1:], strict=True):
        assert start - previous_end > timedelta(minutes=15)
    assert tracks["n_rows"].sum() == TRACE.height
    assert build_tracks(TRACE, timedelta(hours=24)).height == 1


def test_summary_columns_of_one_real_leg() -> None:
    tracks = build_tracks(TRACE, timedelta(minutes=15))
    leg = tracks.filter(pl.col("callsigns").list.contains("DAL1812")).row(0, named=True)
    assert leg["track_id"].startswith("ac671b-20250204T")
    assert leg["squawks"][0] == "4637"
    assert leg["ground_states"][0] is False
    assert leg["nic_min"] == 8 and leg["nacp_max"] == 10
    assert leg["geometry"].startswith('{"type":"LineString","coordinates":[[-88.03687,16.77736]')
    assert leg["lat_min_deg"] <= 16.777359 <= leg["lat_max_deg"]


def test_landing_shows_as_a_ground_transition() -> None:
    tracks = build_tracks(TRACE, timedelta(minutes=15))
    transitions = [states for states in tracks["ground_states"].to_list() if False in states and True in states]
    assert transitions, "a real leg ends on the ground"


def test_flagged_rows_are_counted_and_kept_out_of_the_geometry() -> None:
    flags = np.zeros(SPOOF.height, dtype=np.uint16)
    flags[100:110] = PositionFlag.POSITION_JUMP
    flags[200:205] = PositionFlag.INTEGRITY_LOW
    flagged = SPOOF.with_columns(pl.Series("flags", flags, dtype=pl.UInt16))
    plain = build_tracks(SPOOF).row(0, named=True)
    track = build_tracks(flagged).row(0, named=True)
    assert track["n_position_jump"] == 10 and track["n_integrity_low"] == 5 and track["n_flagged"] == 15
    assert track["n_fixes"] == plain["n_fixes"] - 10  # integrity-low fixes stay usable, jumps do not
    assert track["n_rows"] == plain["n_rows"]


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=120))
def test_tracks_do_not_depend_on_input_order(rng: object, gap_min: int) -> None:
    sample = pl.concat([TRACE.head(400), SPOOF.slice(3000, 400)])
    order = list(range(sample.height))
    rng.shuffle(order)  # type: ignore[attr-defined]
    shuffled = sample[order]
    expected = build_tracks(sample, timedelta(minutes=gap_min))
    assert build_tracks(shuffled, timedelta(minutes=gap_min)).equals(expected)


def test_a_non_positive_gap_is_refused() -> None:
    with pytest.raises(ValueError, match="gap"):
        build_tracks(TRACE, timedelta(0))
