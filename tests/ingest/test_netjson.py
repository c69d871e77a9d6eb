"""readsb ``--net-json-port`` lines (issue 13, "Ingest"): the points of a real readsb trace, written as the lines
readsb sends for them, read back to the same rows as the trace reader gives, with line numbers as provenance."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings
from airpicture.pipeline.ingest import FileStatus, ingest_paths
from airpicture.sources.adsb import AdsbFormat
from airpicture.store import Workspace
from tests.ingest.readers_support import ADSB, read_all, reasons

TRACE = ADSB / "trace_full_ac671b.json"
COMPARED = ["ts", "icao24", "lat_deg", "lon_deg", "alt_ft", "gs_kt", "track_deg", "on_ground", "source_offset"]


def _net_json_lines(limit: int = 400) -> list[str]:
    """One line per trace point, as readsb's jsonPositionOutput writes it (``"now" : …`` first, compact)."""
    doc = json.loads(TRACE.read_text())
    lines = []
    for point in doc["trace"][:limit]:
        dt, lat, lon, alt, gs, track, flags = point[:7]
        if flags & 8:  # a geometric altitude: readsb would send it as alt_geom, not compared here
            continue
        obj = {"hex": doc["icao"], "type": "adsb_icao", "alt_baro": alt, "gs": gs, "track": track}
        obj.update(lat=lat, lon=lon, seen_pos=0.0, seen=0.0)
        body = json.dumps({k: v for k, v in obj.items() if v is not None}, separators=(",", ":"))
        lines.append('{"now" : %.3f,' % (doc["timestamp"] + dt) + body[1:])
    return lines


def test_net_json_lines_read_to_the_rows_of_the_trace_they_came_from(tmp_path: Path) -> None:
    lines = _net_json_lines()
    path = tmp_path / "feed.ndjson"
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path)
    assert result["format"] is AdsbFormat.READSB_NET_JSON
    positions = result["positions"]
    assert isinstance(positions, pa.Table) and positions.num_rows == len(lines) and reasons(result) == {}
    assert positions["source_offset"].to_pylist() == list(range(1, len(lines) + 1))
    trace = read_all(TRACE)["positions"]
    assert isinstance(trace, pa.Table)
    doc = json.loads(TRACE.read_text())
    barometric = [k for k, p in enumerate(doc["trace"][:400]) if not p[6] & 8]
    expected = trace.take(pa.array(barometric)).select(COMPARED[:-1]).to_pylist()
    got = positions.select(COMPARED[:-1]).to_pylist()
    assert got == expected
    assert any(row["on_ground"] for row in got) or all(p[3] != "ground" for p in doc["trace"][:400])


def test_bad_lines_cost_one_line_each_and_tisb_addresses_are_rejected(tmp_path: Path) -> None:
    lines = _net_json_lines(50)
    lines[10] = lines[10][:40]  # cut short
    lines[20] = lines[20].replace('"hex":"ac671b"', '"hex":"~ac671b"')  # a non-ICAO (TIS-B) address
    lines[30] = lines[30].replace('{"now" : ', '{"now" : 99', 1)  # a time far past 2100
    path = tmp_path / "feed.ndjson"
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path, AdsbFormat.READSB_NET_JSON)
    rows = sorted((r["source_offset"], r["reason"]) for r in result["rejects"].to_pylist())  # type: ignore[union-attr]
    assert rows == [(11, "bad_json"), (21, "bad_address"), (31, "bad_timestamp")]
    assert result["read"] == len(lines)


def test_net_json_is_ingested_with_line_provenance(tmp_path: Path) -> None:
    path = tmp_path / "feed.ndjson"
    path.write_text("\n".join(_net_json_lines(100)) + "\n")
    ws = Workspace.init(tmp_path / "ws")
    (outcome,) = ingest_paths(ws, [path], Settings(), FixedClock(datetime(2025, 1, 1, tzinfo=UTC))).files
    assert outcome.status is FileStatus.INGESTED and outcome.format == "readsb-net-json"
    with ws.connect(read_only=True) as con:
        row = con.execute("SELECT min(source_offset), max(source_offset), count(*) FROM positions").fetchone()
    assert row == (1, outcome.stored, outcome.stored)
