"""Behaviour of FrameDecoder on encoded and corrupted real frames: rejects, flags, state, round trips."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyModeS
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.decode.modes import REJECTED_SCHEMA, FrameDecoder
from airpicture.decode.modes import encode as enc
from airpicture.geo import haversine_km
from airpicture.model.errors import DecodeError
from airpicture.model.schemas import POSITIONS_SCHEMA, PositionFlag
from tests.decode.frames import TOULOUSE, raw_table, tutorial_lines

GOLDEN = Path(__file__).parent / "golden" / "tutorial_slice.json"
ICAO = "4ca216"


def _decode(frames: list[bytes], ts: list[float] | None = None, **kw: float) -> tuple[list[dict], dict[str, int]]:
    result = FrameDecoder(**kw).decode(raw_table(ts or [1.7e9 + i for i in range(len(frames))], frames), "f")
    assert result.positions.schema.equals(POSITIONS_SCHEMA, check_metadata=True)
    assert result.rejected.schema.equals(REJECTED_SCHEMA)
    return result.positions.to_pylist() + [{"rejected": r} for r in result.rejected.to_pylist()], dict(result.counts)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_km(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))[0])


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-86.9, 86.9),
    lon=st.floats(-179.9, 179.9),
    alt=st.integers(-1000, 50_000),
    odd_first=st.booleans(),
)
def test_cpr_encode_decode_round_trip(lat: float, lon: float, alt: int, odd_first: bool) -> None:
    frames = [
        enc.encode_airborne_position(ICAO, lat, lon, alt, odd_first),
        enc.encode_airborne_position(ICAO, lat, lon, alt, not odd_first),
    ]
    rows, counts = _decode(frames, [1.7e9, 1.7e9 + 0.5])
    assert counts["decoded"] == 2
    for row in rows:  # look-ahead pairs the first frame too; CPR quantisation is ≈ 5 m
        assert row["lat_deg"] is not None, row
        assert _km((row["lat_deg"], row["lon_deg"]), (lat, lon)) < 0.010
        assert row["alt_ft"] == pytest.approx(alt, abs=12.5)
    d = pyModeS.decode(frames[1].hex(), reference=(lat, lon))
    assert _km((d["latitude"], d["longitude"]), (rows[1]["lat_deg"], rows[1]["lon_deg"])) < 0.001


@settings(max_examples=100, deadline=None)
@given(
    callsign=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8),
    squawk=st.text(alphabet="01234567", min_size=4, max_size=4),
    gs=st.integers(0, 1000),
    track=st.floats(0, 359.9),
    vrate=st.integers(-30_000, 30_000),
    alt=st.integers(-1000, 50_000),
)
def test_encoders_agree_with_pymodes_and_decoder(
    callsign: str, squawk: str, gs: int, track: float, vrate: int, alt: int
) -> None:
    frames = [
        enc.encode_all_call(ICAO),
        enc.encode_identification(ICAO, callsign),
        enc.encode_velocity(ICAO, gs, track, vrate),
        enc.encode_operational_status(ICAO, nacp=9, sil=3),
        enc.encode_surveillance_altitude(ICAO, alt),
        enc.encode_surveillance_identity(ICAO, squawk),
        enc.encode_commb_identity(ICAO, squawk, callsign),
    ]
    ref = [pyModeS.decode(f.hex()) for f in frames]
    assert all(d["icao"].lower() == ICAO for d in ref)
    assert ref[1]["callsign"] == callsign and ref[6]["callsign"] == callsign
    assert ref[5]["squawk"] == squawk and ref[6]["squawk"] == squawk
    assert ref[4]["altitude"] == pytest.approx(alt, abs=12.5)
    assert ref[3]["nac_p"] == 9
    rows, counts = _decode(frames)
    assert counts["decoded"] == 7
    assert [r["callsign"] for r in rows if r["callsign"]] == [callsign, callsign]
    assert [r["squawk"] for r in rows if r["squawk"]] == [squawk, squawk]
    assert rows[2]["vrate_fpm"] == ref[2]["vertical_rate"]
    assert rows[4]["alt_ft"] == ref[4]["altitude"]
    assert rows[4]["flags"] & PositionFlag.ADDRESS_RECOVERED and rows[4]["flags"] & PositionFlag.NO_POSITION


def test_bad_frames_are_counted_and_quarantined_without_aborting() -> None:
    good = enc.encode_airborne_position(ICAO, 52.0, 4.0, 30000, False)
    flipped = bytes([good[0], good[1] ^ 0x10]) + good[2:]
    frames = [good, flipped, good[:9], bytes.fromhex("0aaa"), bytes.fromhex("38000000000000"),
              enc.encode_surveillance_altitude("abcdef", 5000), enc.encode_all_call(ICAO)]  # fmt: skip
    rows, counts = _decode(frames)
    assert counts == {"read": 7, "decoded": 2, "mode_ac": 1, "length": 1, "unknown_df": 1, "crc": 1,
                      "unverified_address": 1}  # fmt: skip
    rejected = {r["rejected"]["source_offset"]: r["rejected"] for r in rows if "rejected" in r}
    assert rejected[1]["reason"] == "crc" and "expected 000000" in rejected[1]["detail"]
    assert rejected[2]["detail"] == "DF17: 9 bytes, expected 14"
    assert rejected[3]["reason"] == "mode_ac"
    assert rejected[4]["reason"] == "unknown_df" and rejected[4]["detail"].startswith("DF7:")
    assert rejected[5]["detail"].startswith("DF4: address abcdef not heard in clear")
    assert rejected[1]["frame"] == flipped


def test_missing_column_is_a_clear_error() -> None:
    with pytest.raises(DecodeError, match="lacks a column") as exc:
        FrameDecoder().decode(pa.table({"ts": pa.array([1])}), "file.bin")
    assert "file.bin" in str(exc.value) and "'frame'" in str(exc.value)


def _track(points: list[tuple[float, float, float]]) -> tuple[list[bytes], list[float]]:
    """Alternating even/odd airborne positions at (t, lat, lon)."""
    frames = [enc.encode_airborne_position(ICAO, la, lo, 30000, i % 2 == 1) for i, (_, la, lo) in enumerate(points)]
    return frames, [1.7e9 + t for t, _, _ in points]


def test_impossible_motion_is_flagged_not_dropped() -> None:
    # Cruising east at ~800 km/h; frames 12-15 spoofed 600 km north; back on track afterwards.
    pts = [(t, 55.4 if 12 <= t <= 15 else 50.0, 10.0 + t * 0.0031) for t in range(0, 24)]
    frames, ts = _track(pts)
    rows, _ = _decode(frames, ts)
    bad = PositionFlag.IMPOSSIBLE_SPEED | PositionFlag.POSITION_JUMP
    flagged = [i for i, r in enumerate(rows) if r["flags"] & bad]
    # 12 and 16 pair a spoofed with a genuine frame (garbage CPR), 13-15 decode to the spoofed place.
    assert flagged == [12, 13, 14, 15, 16]
    for i in (13, 14, 15):  # kept, with their coordinates, flagged both ways
        assert rows[i]["lat_deg"] == pytest.approx(55.4, abs=1e-3)
        assert rows[i]["flags"] & PositionFlag.POSITION_JUMP and rows[i]["flags"] & PositionFlag.IMPOSSIBLE_SPEED
    # Validated against the last *accepted* fix, so the return to the true track is clean.
    assert rows[17]["lat_deg"] == pytest.approx(50.0, abs=1e-3)


def test_state_carries_across_batches_and_snapshots() -> None:
    lines = tutorial_lines()[:20_000]
    table = raw_table([t for t, _ in lines], [bytes.fromhex(h) for _, h in lines])
    whole = FrameDecoder(receiver_lat_deg=TOULOUSE[0], receiver_lon_deg=TOULOUSE[1]).decode(table, "f").positions
    first = FrameDecoder(receiver_lat_deg=TOULOUSE[0], receiver_lon_deg=TOULOUSE[1])
    parts = [first.decode(table.slice(0, 10_000), "f").positions]
    second = FrameDecoder.restore(first.snapshot())
    parts.append(second.decode(table.slice(10_000), "f").positions)
    split = pa.concat_tables(parts)
    assert split.num_rows == whole.num_rows
    # Identical except frames whose CPR partner lay across the batch boundary (look-ahead is per batch).
    diff = np.flatnonzero(
        ~np.isclose(
            split["lat_deg"].to_numpy(zero_copy_only=False),
            whole["lat_deg"].to_numpy(zero_copy_only=False),
            equal_nan=True,
        )
    )
    assert diff.size <= 2
    for name in ("icao24", "alt_ft", "callsign", "squawk", "nic", "nacp"):
        assert split[name].equals(whole[name]), name


def test_integrity_low_from_operational_status() -> None:
    frames = [enc.encode_operational_status(ICAO, nacp=4, sil=1)]
    more, ts = _track([(t, 50.0, 10.0 + t * 0.003) for t in range(1, 5)])
    rows, _ = _decode(frames + more, [1700000000.0, *ts])
    assert rows[0]["nacp"] == 4 and rows[0]["flags"] & PositionFlag.NO_POSITION
    assert all(r["nacp"] == 4 and r["flags"] & PositionFlag.INTEGRITY_LOW for r in rows[1:])


def test_golden_tutorial_slice() -> None:
    """A slice of the real recording decoded field by field; regenerate on purpose with
    AIRPICTURE_UPDATE_GOLDEN=1 (the diff is reviewed like code)."""
    lines = tutorial_lines()[:300]
    table = raw_table([t for t, _ in lines], [bytes.fromhex(h) for _, h in lines])
    result = FrameDecoder(receiver_lat_deg=TOULOUSE[0], receiver_lon_deg=TOULOUSE[1]).decode(table, "tutorial")
    rows = result.positions.to_pylist()
    for row in rows:
        row["ts"] = row["ts"].isoformat()
        for key in ("lat_deg", "lon_deg"):
            row[key] = None if row[key] is None else round(row[key], 7)
    got = {"counts": dict(result.counts), "rows": rows}
    if os.environ.get("AIRPICTURE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n")
    assert got == json.loads(GOLDEN.read_text())
