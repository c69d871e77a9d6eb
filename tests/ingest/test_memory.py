"""Memory stays flat in the file's size for every recording format (issue 19 item 12).

Each case reads a small hostile file (a gzip of one 300 MB line, a 10 MB row of a million fields, a document
past its limit, megabytes of noise) in a child process and compares the child's peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) after reading with its peak before. The bound is a multiple
of what the limits allow a reader to hold (a read block, the longest line, the largest document), never of the
file's size: before the limits, the same files took several times the decompressed size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from airpicture.sources.adsb import AdsbFormat
from airpicture.sources.adsb.streams import READ_BLOCK_BYTES
from tests.conftest import REPO

MIB = 1 << 20
HUGE = 300 * MIB
"""The hostile line or document, decompressed: far above every limit."""
DOCUMENT_LIMIT = 16 * MIB
"""``max_document_bytes`` given to the child for whole-document formats."""
BOUND = 10 * READ_BLOCK_BYTES + 4 * DOCUMENT_LIMIT
"""Peak growth allowed: ten read blocks plus four documents at the limit (144 MiB; the hostile input is 300 MB)."""

SBS = "MSG,3,1,1,4CA2D6,1,2024/06/06,08:58:39.147,2024/06/06,08:58:39.147,,37000,,,48.5,2.1,,,0,0,0,0"
GOOD_LINES = {
    AdsbFormat.SBS: SBS,
    AdsbFormat.JSONL: '{"timestamp": 1717664319.1, "frame": "8d4840d6202cc371c32ce0576098"}',
    AdsbFormat.RAW_HEX: "*8D4840D6202CC371C32CE0576098;",
    AdsbFormat.READSB_NET_JSON: '{"now" : 1717664319.1,"hex":"4ca2d6","lat":48.5,"lon":2.1,"seen_pos":0.1}',
    AdsbFormat.OPENSKY_CSV: "1717664319,4ca2d6,48.5,2.1,200",
}
CSV_HEADER = "time,icao24,lat,lon,velocity"

CHILD = """
import json, resource, sys
from pathlib import Path
from airpicture.model.errors import SourceError
from airpicture.sources.adsb import FORMATS, AdsbFormat, ReadOptions, open_input
from airpicture.sources.adsb.streams import Limits
path, fmt, document_limit = Path(sys.argv[1]), AdsbFormat(sys.argv[2]), int(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
source, _ = open_input(path)
options = ReadOptions(limits=Limits(max_document_bytes=document_limit))
read = rejected = 0
error = None
try:
    for chunk in FORMATS[fmt].read(source, options):
        read += chunk.read
        rejected += chunk.rejects.num_rows
except SourceError as exc:
    error = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"growth": after - before, "read": read, "rejected": rejected, "error": error}))
"""


def _gzip(path: Path, pieces: list[tuple[bytes, int]]) -> Path:
    """Write a gzip of each ``piece`` repeated ``count`` times, compressing a mebibyte at a time."""
    compressor = zlib.compressobj(1, wbits=31)
    with path.open("wb") as out:
        for piece, count in pieces:
            unit = piece * max(1, MIB // len(piece))
            done = 0
            while done < count * len(piece):
                take = unit[: count * len(piece) - done]
                out.write(compressor.compress(take))
                done += len(take)
        out.write(compressor.flush())
    return path


def _peak_growth(path: Path, fmt: AdsbFormat) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), fmt.value, str(DOCUMENT_LIMIT)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(GOOD_LINES))
def test_one_huge_line_in_a_small_gzip_costs_bounded_memory(tmp_path: Path, fmt: AdsbFormat) -> None:
    good = (GOOD_LINES[fmt] + "\n").encode()
    header = [((CSV_HEADER + "\n").encode(), 1)] if fmt is AdsbFormat.OPENSKY_CSV else []
    path = _gzip(tmp_path / "huge.gz", [*header, (good, 1), (b"a", HUGE), (b"\n", 1), (good, 1)])
    assert path.stat().st_size < 2 * MIB
    result = _peak_growth(path, fmt)
    assert result["error"] is None
    assert result["rejected"] == 1  # the huge line: one too_long reject; the lines around it are read
    assert result["read"] == 3
    assert isinstance(result["growth"], int) and result["growth"] < BOUND


@pytest.mark.slow
def test_a_row_of_a_million_fields_costs_bounded_memory(tmp_path: Path) -> None:
    good = (GOOD_LINES[AdsbFormat.OPENSKY_CSV] + "\n").encode()
    path = _gzip(tmp_path / "wide.csv.gz", [((CSV_HEADER + "\n").encode(), 1), (good, 1), (b"1,", 1 << 20), (b"\n", 1)])
    result = _peak_growth(path, AdsbFormat.OPENSKY_CSV)
    assert result["rejected"] == 1 and result["read"] == 2
    assert isinstance(result["growth"], int) and result["growth"] < BOUND
    header = _gzip(
        tmp_path / "wide-header.csv.gz", [(b"time,icao24,lat,lon,velocity", 1), (b",c", 1 << 20), (b"\n", 1)]
    )
    refused = _peak_growth(header, AdsbFormat.OPENSKY_CSV)
    assert "CSV header longer than 65,536 bytes" in str(refused["error"])  # refused before it is held
    assert isinstance(refused["growth"], int) and refused["growth"] < BOUND


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "start"),
    [
        (AdsbFormat.READSB_AIRCRAFT, b'{"now": 1717664319.1, "aircraft": [{"hex": "'),
        (AdsbFormat.READSB_TRACE, b'{"icao": "4ca2d6", "timestamp": 1717664319.1, "trace": [[0, "'),
        (AdsbFormat.TRAFFIC_JSON, b'{"timestamp": {"0": "'),
        (AdsbFormat.TRAFFIC_JSON, b'[{"timestamp": 1717664319100, "icao24": "'),
    ],
)
def test_documents_past_their_limit_are_refused_with_bounded_memory(
    tmp_path: Path, fmt: AdsbFormat, start: bytes
) -> None:
    path = _gzip(tmp_path / "doc.json.gz", [(start, 1), (b"a", HUGE), (b'"}]}', 1)])
    result = _peak_growth(path, fmt)
    assert "limit" in str(result["error"])
    assert isinstance(result["growth"], int) and result["growth"] < BOUND


@pytest.mark.slow
def test_megabytes_of_noise_in_a_beast_file_cost_bounded_memory(tmp_path: Path) -> None:
    path = _gzip(tmp_path / "noise.bin.gz", [(bytes(range(27, 256)) + bytes(range(26)), HUGE // 255)])
    result = _peak_growth(path, AdsbFormat.BEAST)
    assert result["error"] is None and isinstance(result["rejected"], int) and result["rejected"] > 0
    assert isinstance(result["growth"], int) and result["growth"] < BOUND
