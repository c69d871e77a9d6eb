"""Every reader on real files: format detection, row counts, units, provenance, and bad input."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from airpicture.model.errors import SourceError
from airpicture.model.schemas import POSITIONS_SCHEMA, RAW_FRAMES_SCHEMA, PositionFlag
from airpicture.sources.adsb import AdsbFormat, BeastClock, ReadOptions, detect_format, open_input
from tests.ingest.readers_support import ADSB, read_all, reasons

T0 = datetime(2024, 6, 6, 8, 58, 39, 147975, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [
        ("tutorial.jsonl.gz", AdsbFormat.JSONL, 71_939),
        ("sample_dump1090.bin", AdsbFormat.BEAST, 239),
        ("tutorial_head.raw", AdsbFormat.RAW_HEX, 3_000),
        ("trace_full_ac671b.json", AdsbFormat.READSB_TRACE, 2_500),
        ("aircraft_tutorial.json", AdsbFormat.READSB_AIRCRAFT, 2),
        ("state_vectors_RYR2RG_2022-02-02.csv", AdsbFormat.OPENSKY_CSV, 1_200),
        ("state_vectors_EDW24_LSZH_2024-04-06.parquet", AdsbFormat.OPENSKY_PARQUET, 1_396),
        ("noisy_spoofing.json.gz", AdsbFormat.TRAFFIC_JSON, 8_681),
        ("aircraft_carrier.json.gz", AdsbFormat.TRAFFIC_JSON, 9_024),
    ],
)
def test_each_real_file_is_detected_and_read_whole(name: str, fmt: AdsbFormat, rows: int) -> None:
    result = read_all(ADSB / name, options=ReadOptions(start=T0))
    assert result["format"] is fmt
    assert result["read"] == rows
    table = result["frames"] if result["frames"] is not None else result["positions"]
    assert isinstance(table, pa.Table)
    assert table.num_rows == rows
    assert table.schema.equals(RAW_FRAMES_SCHEMA if result["frames"] is not None else POSITIONS_SCHEMA)
    assert result["file_id"] == hashlib.sha256((ADSB / name).read_bytes()).hexdigest()


def test_sbs_lines_become_positions_with_line_numbers() -> None:
    result = read_all(ADSB / "tutorial_head.sbs")
    positions = result["positions"]
    assert isinstance(positions, pa.Table)
    assert result["format"] is AdsbFormat.SBS
    assert positions.num_rows == result["read"] > 1000
    first = positions.slice(0, 1).to_pylist()[0]
    assert first["icao24"] == "3461ce" and first["source_offset"] == 1
    assert first["ts"] == datetime(2024, 6, 6, 8, 58, 39, 147000, tzinfo=UTC)
    assert first["on_ground"] is True and first["lat_deg"] == pytest.approx(43.62951)
    assert "EIN5GV" in positions["callsign"].to_pylist()


def test_opensky_units_are_converted_to_feet_and_knots() -> None:
    row = read_all(ADSB / "state_vectors_RYR2RG_2022-02-02.csv")["positions"].slice(0, 1).to_pylist()[0]  # type: ignore[union-attr]
    assert row["alt_ft"] == pytest.approx(11277.6 / 0.3048, rel=1e-6)
    assert row["gs_kt"] == pytest.approx(215.95192459883742 * 1.943844, rel=1e-6)
    assert row["ts"] == datetime(2022, 2, 2, 15, 45, tzinfo=UTC)
    assert row["callsign"] == "RYR2RG" and row["squawk"] == "6675" and row["on_ground"] is False


def test_csv_and_parquet_state_vectors_agree() -> None:
    from_csv = read_all(ADSB / "state_vectors_RYR2RG_2022-02-02.csv")["positions"]
    assert isinstance(from_csv, pa.Table)
    assert pc.min(from_csv["ts"]).as_py() == datetime(2022, 2, 2, 15, 45, tzinfo=UTC)


def test_trace_ground_points_and_details() -> None:
    positions = read_all(ADSB / "trace_full_ac671b.json")["positions"]
    assert isinstance(positions, pa.Table)
    on_ground = positions.filter(pc.equal(positions["on_ground"], True))
    assert on_ground.num_rows > 0 and on_ground["alt_ft"].null_count == on_ground.num_rows
    assert set(positions["callsign"].drop_null().to_pylist()) == {"DAL1812", "DAL1615", "DAL2418", "DAL2927"}
    assert pc.max(positions["nacp"]).as_py() == 10


def test_raw_hex_lines_carry_the_same_frames_and_times_as_the_jsonl_they_came_from() -> None:
    raw = read_all(ADSB / "tutorial_head.raw", options=ReadOptions(start=T0))["frames"]
    jsonl = read_all(ADSB / "tutorial.jsonl.gz")["frames"]
    assert isinstance(raw, pa.Table) and isinstance(jsonl, pa.Table)
    head = jsonl.slice(0, raw.num_rows)
    assert raw["frame"].to_pylist() == head["frame"].to_pylist()
    delta = pc.subtract(pc.cast(raw["ts"], pa.int64()), pc.cast(head["ts"], pa.int64())).to_numpy()
    assert np.abs(delta).max() <= 1  # microseconds: the 12 MHz counter is finer than the column


def test_beast_without_start_anchors_the_last_frame_on_the_mtime(tmp_path: Path) -> None:
    copy = tmp_path / "sample.bin"
    copy.write_bytes((ADSB / "sample_dump1090.bin").read_bytes())
    mtime = datetime(2023, 5, 1, 12, 0, tzinfo=UTC)
    import os

    os.utime(copy, (mtime.timestamp(), mtime.timestamp()))
    result = read_all(copy)
    frames = result["frames"]
    assert isinstance(frames, pa.Table)
    assert pc.max(frames["ts"]).as_py() == mtime
    assert any("mtime" in note and "approximate" in note for note in result["notes"])  # type: ignore[union-attr]


def _records(data: bytes) -> list[int]:
    """Start offsets of Beast records (an unescaped 0x1A followed by a type byte)."""
    starts, i = [], 0
    while i < len(data) - 1:
        if data[i] == 0x1A:
            if data[i + 1] == 0x1A:
                i += 2
                continue
            starts.append(i)
        i += 1
    return starts


def test_beast_escapes_truncation_and_garbage(tmp_path: Path) -> None:
    data = (ADSB / "sample_dump1090.bin").read_bytes()
    assert b"\x1a\x1a" in data  # the real sample has escaped bytes; they must come out single
    clean = read_all(ADSB / "sample_dump1090.bin", options=ReadOptions(start=T0))["frames"]
    assert isinstance(clean, pa.Table)
    assert set(pc.binary_length(clean["frame"]).to_pylist()) <= {7, 14}
    starts = _records(data)
    broken = data[: starts[100]] + b"garbage!" + data[starts[100] : starts[-1] + 9]
    path = tmp_path / "broken.bin"
    path.write_bytes(broken)
    result = read_all(path, AdsbFormat.BEAST, ReadOptions(start=T0))
    assert reasons(result) == {"framing": 1, "truncated": 1}
    frames = result["frames"]
    assert isinstance(frames, pa.Table)
    assert frames.num_rows == len(starts) - 1
    assert frames["frame"].to_pylist() == clean["frame"].to_pylist()[:-1]
    rejects = result["rejects"].to_pylist()  # type: ignore[union-attr]
    assert rejects[0]["source_offset"] == starts[100] and rejects[0]["frame"] == b"garbage!"


def test_beast_receiver_id_and_gps_clock(tmp_path: Path) -> None:
    data = (ADSB / "sample_dump1090.bin").read_bytes()
    starts = _records(data)
    receiver = b"\x1a\xe3" + bytes.fromhex("0102030405060708")
    # Rewrite the first 10 records' timestamps as GPS time of day (12:00:00 + k ms).
    records = []
    for k, (a, b) in enumerate(itertools.pairwise(starts[:11])):
        body = data[a + 2 : b].replace(b"\x1a\x1a", b"\x1a")
        seconds, nanos = 12 * 3600, k * 1_000_000
        body = ((seconds << 30) | nanos).to_bytes(6, "big") + body[6:]
        records.append(data[a : a + 2] + body.replace(b"\x1a", b"\x1a\x1a"))
    path = tmp_path / "gps.bin"
    path.write_bytes(receiver + b"".join(records))
    start = datetime(2024, 6, 6, tzinfo=UTC)
    frames = read_all(path, options=ReadOptions(start=start, beast_clock=BeastClock.GPS))["frames"]
    assert isinstance(frames, pa.Table)
    assert frames.num_rows == 10
    assert set(frames["receiver"].to_pylist()) == {"0102030405060708"}
    assert frames["ts"][3].as_py() == datetime(2024, 6, 6, 12, 0, 0, 3000, tzinfo=UTC)


def test_jsonl_bad_lines_are_counted_by_reason_and_the_rest_is_read(tmp_path: Path) -> None:
    lines = gzip.decompress((ADSB / "tutorial.jsonl.gz").read_bytes()).splitlines()[:500]
    late = json.loads(lines[400])
    late["timestamp"] -= 3600

    def with_frame(index: int, frame: str) -> bytes:
        return json.dumps({"timestamp": json.loads(lines[index])["timestamp"], "frame": frame}).encode()

    lines[100] = b"{not json"
    lines[200] = with_frame(200, "8d406b902013zz")
    lines[250] = with_frame(250, "8d406b90201374")  # 14 digits: a short frame, read
    lines[300] = with_frame(300, "8d406b9020137")
    lines[400] = json.dumps(late).encode()
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = read_all(path)
    assert reasons(result) == {"bad_json": 1, "non_hex": 1, "bad_length": 1, "out_of_order": 1}
    assert result["read"] == 500
    frames = result["frames"]
    assert isinstance(frames, pa.Table) and frames.num_rows == 496
    bad = {r["reason"]: r["source_offset"] for r in result["rejects"].to_pylist()}  # type: ignore[union-attr]
    assert bad == {"bad_json": 101, "non_hex": 201, "bad_length": 301, "out_of_order": 401}


def test_zstd_and_gzip_are_read_transparently(tmp_path: Path) -> None:
    plain = (ADSB / "sample_dump1090.bin").read_bytes()
    path = tmp_path / "sample.bin.zst"
    with pa.output_stream(str(path), compression="zstd") as out:
        out.write(plain)
    zstd = read_all(path, options=ReadOptions(start=T0))
    raw = read_all(ADSB / "sample_dump1090.bin", options=ReadOptions(start=T0))
    assert zstd["format"] is AdsbFormat.BEAST
    assert zstd["frames"].equals(raw["frames"])  # type: ignore[union-attr]


def test_csv_with_a_renamed_column_is_refused_with_what_was_found(tmp_path: Path) -> None:
    text = (ADSB / "state_vectors_RYR2RG_2022-02-02.csv").read_text().replace(",lat,lon,", ",latitude,lon,", 1)
    path = tmp_path / "renamed.csv"
    path.write_text(text)
    with pytest.raises(SourceError, match=r"missing column\(s\) lat") as info:
        read_all(path, AdsbFormat.OPENSKY_CSV)
    assert "latitude" in str(info.value)


def test_csv_rows_with_wrong_field_counts_are_rejected_by_row(tmp_path: Path) -> None:
    lines = (ADSB / "state_vectors_RYR2RG_2022-02-02.csv").read_text().splitlines()[:50]
    lines[10] = "1643816700,4d2271"
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path)
    assert reasons(result) == {"bad_row": 1}
    assert result["rejects"]["source_offset"].to_pylist() == [10]  # type: ignore[index]
    offsets = result["positions"]["source_offset"].to_pylist()  # type: ignore[index]
    assert offsets == [n for n in range(1, 50) if n != 10]


def test_empty_and_unknown_files_name_what_was_tried(tmp_path: Path) -> None:
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    source, head = open_input(empty)
    with pytest.raises(SourceError, match="empty file"):
        detect_format(source, head)
    unknown = tmp_path / "notes.txt"
    unknown.write_text("nothing to see here\n")
    source, head = open_input(unknown)
    with pytest.raises(SourceError, match="not a known ADS-B format") as info:
        detect_format(source, head)
    for fmt in AdsbFormat:
        assert fmt.value in str(info.value)


def test_positions_without_coordinates_are_flagged_no_position() -> None:
    positions = read_all(ADSB / "aircraft_carrier.json.gz")["positions"]
    assert isinstance(positions, pa.Table)
    flags = positions["flags"].to_numpy()
    no_fix = positions["lat_deg"].is_null().to_numpy(zero_copy_only=False)
    assert no_fix.any()
    assert ((flags & PositionFlag.NO_POSITION) != 0).tolist() == no_fix.tolist()
