"""Hostile and broken recordings, reader by reader (issue 19 items 4, 10, 11, 12): a receiver id cut at a file's
start never reaches quarantine, dates outside 1990-2100 are record-level rejects, a cut-short compressed file
or a Parquet file of wrong types fails naming the file, damaged CSV rows are rejected one by one, and lines,
columns and fields past their limits are clear rejections."""

from __future__ import annotations

import gzip
import itertools
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airpicture.model.errors import SourceError
from airpicture.simulate.frames import beast_receiver_id
from airpicture.sources.adsb import AdsbFormat, ReadOptions
from airpicture.sources.adsb.streams import Limits
from tests.ingest.readers_support import ADSB, read_all, reasons
from tests.ingest.receivers_support import beast_records, strip_receiver_id

T0 = datetime(2024, 6, 6, 8, 0, tzinfo=UTC)
SAMPLE = ADSB / "sample_dump1090.bin"


def _readsb_stream(receiver_id: bytes, n_frames: int = 40) -> bytes:
    """The real sample as readsb forwards it with a receiver id: an 0xE3 record before every frame."""
    data = strip_receiver_id(SAMPLE.read_bytes())
    offsets, _ = beast_records(data)
    header = beast_receiver_id(receiver_id)
    ends = [*offsets[1:], len(data)]
    return b"".join(header + data[a:b] for a, b in itertools.islice(zip(offsets, ends, strict=True), n_frames))


def _id_pieces(receiver_id: bytes) -> list[bytes]:
    """Every 3-byte run of the id, as sent (escaped) and as read: none may appear in quarantined bytes."""
    forms = (receiver_id, receiver_id.replace(b"\x1a", b"\x1a\x1a"))
    return [form[k : k + 3] for form in forms for k in range(len(form) - 2)]


def _leaked(result: dict[str, object], receiver_id: bytes) -> list[bytes]:
    rejects = result["rejects"]
    assert isinstance(rejects, pa.Table)
    raw = [r for r in rejects["frame"].to_pylist() if r]
    return [piece for piece in _id_pieces(receiver_id) for r in raw if piece in r]


@pytest.mark.parametrize("receiver_id", [bytes.fromhex("0123456789abcdef"), bytes.fromhex("1a33e31a1a31321a")])
@pytest.mark.parametrize("cut", range(1, 19))
def test_a_file_starting_inside_a_receiver_id_record_quarantines_none_of_its_bytes(
    tmp_path: Path, receiver_id: bytes, cut: int
) -> None:
    # A rotation or split cut the stream `cut` bytes into its first record (an 0xE3 id, escaped 0x1A bytes
    # and type bytes in the id included): what is left of the id is the start of the file.
    stream = _readsb_stream(receiver_id)
    path = tmp_path / "rotated.bin"
    path.write_bytes(stream[cut:])
    result = read_all(path, AdsbFormat.BEAST, ReadOptions(start=T0))
    assert _leaked(result, receiver_id) == []
    frames = result["frames"]
    assert isinstance(frames, pa.Table)
    assert frames.num_rows >= 39  # every whole frame after the cut is read
    rejects = result["rejects"].to_pylist()  # type: ignore[union-attr]
    if cut < len(beast_receiver_id(receiver_id)):  # else the cut fell between records: nothing to reject
        assert rejects[0]["source_offset"] == 0 and "file starts inside a record" in rejects[0]["detail"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(receiver_id=st.binary(min_size=8, max_size=8), cut=st.integers(1, 400), garbage=st.binary(max_size=30))
def test_no_receiver_id_bytes_reach_quarantine_wherever_the_stream_is_cut_or_damaged(
    tmp_path: Path, receiver_id: bytes, cut: int, garbage: bytes
) -> None:
    stream = _readsb_stream(receiver_id, 20)
    middle = len(stream) // 2
    damaged = stream[cut:middle] + garbage + stream[middle:-5]  # cut at the start, noise inside, cut at the end
    path = tmp_path / "damaged.bin"
    path.write_bytes(damaged)
    result = read_all(path, AdsbFormat.BEAST, ReadOptions(start=T0))
    assert _leaked(result, receiver_id) == []


def test_bytes_between_records_of_a_stream_without_ids_are_still_kept(tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    offsets, _ = beast_records(data)
    path = tmp_path / "noisy.bin"
    path.write_bytes(data[: offsets[10]] + b"garbage!" + data[offsets[10] :])
    result = read_all(path, AdsbFormat.BEAST, ReadOptions(start=T0))
    rows = result["rejects"].to_pylist()  # type: ignore[union-attr]
    assert [(r["reason"], r["frame"]) for r in rows] == [("framing", b"garbage!")]


# -- dates outside the supported range ------------------------------------------------------------------

SBS_LINE = "MSG,3,1,1,4CA2D6,1,{date},08:58:39.147,2024/06/06,08:58:39.147,,37000,,,48.5,2.1,,,0,0,0,0"


@pytest.mark.parametrize("date", ["9999/12/31", "1969/07/20", "2100/01/01", "0001/01/01"])
def test_sbs_dates_outside_1990_2100_are_rejected_by_line(tmp_path: Path, date: str) -> None:
    path = tmp_path / "feed.sbs"
    lines = [SBS_LINE.format(date="2024/06/06"), SBS_LINE.format(date=date), SBS_LINE.format(date="2099/12/31")]
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path, AdsbFormat.SBS)
    assert reasons(result) == {"bad_timestamp": 1}
    assert result["rejects"]["source_offset"].to_pylist() == [2]  # type: ignore[index]
    positions = result["positions"]
    assert isinstance(positions, pa.Table) and positions["source_offset"].to_pylist() == [1, 3]


def test_opensky_times_past_2100_are_rejected_in_csv_and_parquet(tmp_path: Path) -> None:
    lines = (ADSB / "state_vectors_RYR2RG_2022-02-02.csv").read_text().splitlines()[:6]
    lines[2] = "253402300799" + lines[2][lines[2].index(",") :]  # 9999-12-31T23:59:59Z
    csv = tmp_path / "late.csv"
    csv.write_text("\n".join(lines) + "\n")
    result = read_all(csv, AdsbFormat.OPENSKY_CSV)
    assert reasons(result) == {"bad_timestamp": 1} and result["rejects"]["source_offset"].to_pylist() == [2]  # type: ignore[index]
    table = pq.read_table(ADSB / "state_vectors_EDW24_LSZH_2024-04-06.parquet").slice(0, 5)
    times = table["time"].cast(pa.timestamp("us", tz="UTC")).to_pylist()
    times[1] = datetime(9999, 1, 1, tzinfo=UTC)
    index = table.schema.get_field_index("time")
    table = table.set_column(index, "time", pa.array(times, pa.timestamp("us", tz="UTC")))
    parquet = tmp_path / "late.parquet"
    pq.write_table(table, parquet)
    result = read_all(parquet, AdsbFormat.OPENSKY_PARQUET)
    assert reasons(result) == {"bad_timestamp": 1} and result["rejects"]["source_offset"].to_pylist() == [2]  # type: ignore[index]


def test_a_start_that_puts_frames_past_2100_rejects_them(tmp_path: Path) -> None:
    result = read_all(SAMPLE, AdsbFormat.BEAST, ReadOptions(start=datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)))
    frames = result["frames"]
    assert isinstance(frames, pa.Table)
    assert reasons(result).get("bad_timestamp", 0) > 0
    assert frames.num_rows + reasons(result)["bad_timestamp"] == 239


# -- compressed files cut short, Parquet of the wrong types -------------------------------------------


def test_a_truncated_gzip_fails_naming_the_file_and_how_far_it_got(tmp_path: Path) -> None:
    whole = (ADSB / "tutorial.jsonl.gz").read_bytes()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SourceError) as caught:
        read_all(path, AdsbFormat.JSONL)
    assert str(path) in str(caught.value) and "cut short" in str(caught.value)


def test_a_truncated_zstd_fails_naming_the_file(tmp_path: Path) -> None:
    plain = tmp_path / "feed.jsonl"
    plain.write_bytes(gzip.decompress((ADSB / "tutorial.jsonl.gz").read_bytes()))
    subprocess.run(["zstd", "-q", str(plain), "-o", str(tmp_path / "feed.jsonl.zst")], check=True)
    whole = (tmp_path / "feed.jsonl.zst").read_bytes()
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SourceError) as caught:
        read_all(path, AdsbFormat.JSONL)
    assert str(path) in str(caught.value) and "zstd" in str(caught.value)


def test_gzip_of_several_members_is_read_whole(tmp_path: Path) -> None:
    lines = gzip.decompress((ADSB / "tutorial.jsonl.gz").read_bytes()).splitlines(keepends=True)
    path = tmp_path / "two.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(lines[:300])) + gzip.compress(b"".join(lines[300:600])))
    assert read_all(path, AdsbFormat.JSONL)["read"] == 600


@pytest.mark.parametrize(("column", "values"), [("lat", ["north"] * 5), ("time", ["yesterday"] * 5)])
def test_a_parquet_column_of_the_wrong_type_fails_naming_file_and_column(
    tmp_path: Path, column: str, values: list[str]
) -> None:
    table = pq.read_table(ADSB / "state_vectors_EDW24_LSZH_2024-04-06.parquet").slice(0, 5)
    table = table.set_column(table.schema.get_field_index(column), column, pa.array(values, pa.string()))
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    with pytest.raises(SourceError) as caught:
        read_all(path, AdsbFormat.OPENSKY_PARQUET)
    assert str(path) in str(caught.value) and f"column {column}" in str(caught.value)


# -- damaged CSV rows -----------------------------------------------------------------------------------


def test_an_unterminated_quote_costs_its_row_only(tmp_path: Path) -> None:
    lines = (ADSB / "state_vectors_RYR2RG_2022-02-02.csv").read_text().splitlines()[:101]
    lines[10] = lines[10].replace("RYR2RG", '"RYR2RG')  # data row 10: the quote never closes
    lines[20] = lines[20] + ',"extra'  # data row 20: a quoted field opened at the end
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path, AdsbFormat.OPENSKY_CSV)
    assert reasons(result) == {"bad_row": 2}
    assert result["rejects"]["source_offset"].to_pylist() == [10, 20]  # type: ignore[index]
    positions = result["positions"]
    assert isinstance(positions, pa.Table) and positions.num_rows == 98
    assert set(positions["callsign"].to_pylist()) == {"RYR2RG"}  # no field swallowed the rows after it


def test_csv_fields_that_are_not_numbers_or_too_long_cost_their_row(tmp_path: Path) -> None:
    lines = (ADSB / "state_vectors_RYR2RG_2022-02-02.csv").read_text().splitlines()[:11]
    fields = lines[3].split(",")
    fields[2] = "forty-five"
    lines[3] = ",".join(fields)
    lines[5] = lines[5].replace("RYR2RG", "R" * 5000)
    path = tmp_path / "fields.csv"
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path, AdsbFormat.OPENSKY_CSV)
    rows = sorted((r["source_offset"], r["detail"]) for r in result["rejects"].to_pylist())  # type: ignore[union-attr]
    assert rows == [(3, "field lat is not a number"), (5, "field callsign longer than 4,096 bytes (the limit)")]


def test_bytes_that_are_not_utf8_cost_a_field_not_the_file(tmp_path: Path) -> None:
    lines = (ADSB / "state_vectors_RYR2RG_2022-02-02.csv").read_bytes().splitlines()[:11]
    lines[4] = lines[4].replace(b"RYR2RG", b"RYR\xff\xfe")
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    positions = read_all(path, AdsbFormat.OPENSKY_CSV)["positions"]
    assert isinstance(positions, pa.Table) and positions.num_rows == 10
    assert positions["callsign"][3].as_py() == "RYR\ufffd\ufffd"


def test_a_header_of_a_million_columns_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("time,icao24,lat,lon,velocity," + ",".join(f"c{k}" for k in range(300)) + "\n1,abc123,1,2,3\n")
    with pytest.raises(SourceError, match="more than the limit of 256"):
        read_all(path, AdsbFormat.OPENSKY_CSV)


@pytest.mark.parametrize(
    ("fmt", "good"),
    [
        (AdsbFormat.SBS, SBS_LINE.format(date="2024/06/06")),
        (AdsbFormat.JSONL, '{"timestamp": 1717664319.1, "frame": "8d4840d6202cc371c32ce0576098"}'),
        (AdsbFormat.RAW_HEX, "*8D4840D6202CC371C32CE0576098;"),
    ],
)
def test_an_over_long_line_is_one_too_long_reject_and_the_lines_around_it_are_read(
    tmp_path: Path, fmt: AdsbFormat, good: str
) -> None:
    limits = Limits(max_line_bytes=1000)
    path = tmp_path / "long.txt"
    path.write_text("\n".join([good, good, "x" * 5000, good, "y" * 50_000]) + "\n" + good + "\n")
    result = read_all(path, fmt, ReadOptions(start=T0, limits=limits))
    too_long = [r for r in result["rejects"].to_pylist() if r["reason"] == "too_long"]  # type: ignore[union-attr]
    assert [r["source_offset"] for r in too_long] == [3, 5]
    assert all(len(r["frame"]) <= 200 for r in too_long)
    kept = result["frames"] if result["frames"] is not None else result["positions"]
    assert isinstance(kept, pa.Table) and kept["source_offset"].to_pylist() == [1, 2, 4, 6]


def test_whole_document_formats_are_refused_past_their_limit(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="the limit for a format read whole"):
        read_all(
            ADSB / "trace_full_ac671b.json",
            AdsbFormat.READSB_TRACE,
            ReadOptions(limits=Limits(max_document_bytes=100_000)),
        )
    assert read_all(ADSB / "trace_full_ac671b.json", AdsbFormat.READSB_TRACE)["read"] > 0


def test_a_decompression_bomb_fails_past_the_decompressed_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.sbs.gz"
    path.write_bytes(gzip.compress((SBS_LINE.format(date="2024/06/06") + "\n").encode() * 20_000))
    limits = Limits(max_decompressed_bytes=100_000)
    with pytest.raises(SourceError, match="decompresses to more than 100,000 bytes"):
        read_all(path, AdsbFormat.SBS, ReadOptions(limits=limits))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    members=st.lists(st.binary(max_size=3000), min_size=1, max_size=4),
    padding=st.integers(0, 40),
    read_size=st.integers(1, 5000),
)
def test_gzip_members_and_padding_read_back_exactly_and_any_cut_is_noticed(
    tmp_path: Path, members: list[bytes], padding: int, read_size: int
) -> None:
    from airpicture.sources.adsb.streams import DecompressedStream

    blob = b"".join(gzip.compress(m) for m in members) + bytes(padding)
    path = tmp_path / "m.gz"
    path.write_bytes(blob)
    with DecompressedStream(path, "gzip") as stream:
        assert b"".join(iter(lambda: stream.read(read_size), b"")) == b"".join(members)
    last = len(blob) - padding
    path.write_bytes(blob[: last - 1])  # the last member loses its final byte
    with pytest.raises(SourceError, match="cut short"), DecompressedStream(path, "gzip") as stream:
        while stream.read(read_size):
            pass


def test_the_documented_limits_are_the_limits() -> None:
    from tests.conftest import REPO

    text = (REPO / "docs" / "ingest.md").read_text()
    table = text[text.index("## Limits") :]
    limits = Limits()

    def size(n: int) -> str:
        for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if n % unit == 0:
                return f"{n // unit} {name}"
        return str(n)

    for shown in (size(limits.max_line_bytes), str(limits.max_columns), size(limits.max_field_bytes)):
        assert f"| {shown} |" in table
    assert f"| {size(limits.max_document_bytes)} decompressed |" in table
    assert f"| {size(limits.max_decompressed_bytes)} |" in table
