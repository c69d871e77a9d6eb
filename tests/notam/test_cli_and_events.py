"""The NOTAM commands as a user runs them, and the restriction events over real data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from airpicture.model.clock import FixedClock
from airpicture.model.schemas import POSITIONS_SCHEMA
from airpicture.model.settings import NotamSettings, Settings
from airpicture.pipeline import notam as pipeline
from airpicture.store import Workspace
from tests.conftest import CliRunner
from tests.notam.conftest import DATA

CHAIN = """A0300/22 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/200/5145N02930E020
A) UMMV B) 2207100000 C) 2207202359
E) TEMPO RESTRICTED AREA 514000N0292000E - 514000N0294000E - 515000N0294000E - 514000N0292000E.
F) SFC G) FL200

A0301/22 NOTAMR A0300/22
Q) UMMV/QRTCA/IV/BO/W/000/250/5145N02930E020
A) UMMV B) 2207150000 C) 2207252359
E) TEMPO RESTRICTED AREA 514000N0292000E - 514000N0295000E - 515000N0295000E - 514000N0292000E.
F) SFC G) FL250

A0302/22 NOTAMN
Q) UMMV/QRDCA/IV/BO/W/000/100/5400N02800E010
A) UMMV B) 2207100000 C) 2207302359
E) DANGER AREA ACTIVE WI 5NM RADIUS OF 540000N0280000E.
F) SFC G) FL100

A0303/22 NOTAMC A0302/22
Q) UMMV/QRDCN/IV/BO/W/000/100/5400N02800E010
A) UMMV B) 2207160000
E) DANGER AREA CANCELLED.
"""


def _workspace(tmp_path: Path) -> tuple[Workspace, Settings]:
    ws = Workspace.init(tmp_path / "ws")
    settings = Settings(workspace=ws.root, notam=NotamSettings(borders_file=DATA / "ne_10m_by_ua.geojson",
                                                              watch_borders=("BY-UA",)))  # fmt: skip
    return ws, settings


def test_ingest_is_idempotent_and_counts(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert cli("-w", ws, "workspace", "init").returncode == 0
    pib = str(DATA / "PIB_2026-08-22.xml")
    first = cli("-w", ws, "notam", "ingest", pib, "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["read"] == 1487 and summary["parsed"] == 1487 and summary["failed"] == 0
    assert summary["stored"] == 1154  # distinct NOTAMs: the PIB lists some under several aerodromes
    again = json.loads(cli("-w", ws, "notam", "ingest", pib, str(DATA / "notams_uk_2026-08-22.jsonl"), "--json").stdout)
    assert again["stored"] == 0 and again["already stored"] == 1487 * 2
    # the catalog keeps what the file gave the first time (an ingest again stores only duplicates)
    con = duckdb.connect(str(tmp_path / "ws" / "airpicture.duckdb"), read_only=True)
    stored = dict(con.execute("SELECT format, records_stored FROM ingested_files").fetchall())
    con.close()
    assert len(stored) == 2 and 1154 in stored.values()
    active = cli("-w", ws, "notam", "active", "--at", "2026-08-23T12:00Z", "--restrictions-only", "--format", "geojson")
    collection = json.loads(active.stdout)
    assert collection["features"]
    props = collection["features"][0]["properties"]
    assert {"notam_id", "valid_from", "valid_to", "lower_ft", "upper_ft", "source", "raw_fragment"} <= set(props)
    show = cli("-w", ws, "notam", "show", "J0786/26", "--json")
    shown = json.loads(show.stdout)
    assert shown["meaning"] == "Temporary restricted area: activated" and shown["chain"] == ["J0786/26"]
    missing = cli("-w", ws, "notam", "show", "Z9999/26")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "Z9999/26" in missing.stderr
    kml = cli("-w", ws, "export", "restrictions", "--at", "2026-08-23T12:00Z", "--format", "kml")
    assert kml.returncode == 0 and "<Polygon>" in kml.stdout


def test_bad_file_and_bad_notam_do_not_stop_the_batch(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    cli("-w", ws, "workspace", "init")
    bad_xml = tmp_path / "bad.xml"
    bad_xml.write_text("<Pib><Notam>")
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(
        CHAIN + "\nA0400/22 NOTAMN\nQ) UMMV/QRTCA/IV/BO/W/000/100/5145N02930E020\nA) UMMV B) 22ZZ C) 2207202359\nE) X\n"
    )
    result = cli("-w", ws, "notam", "ingest", str(bad_xml), str(mixed))
    assert result.returncode == 2, result.stderr  # a file that could not be read fails the command ...
    assert "bad.xml:1:" in result.stderr and "not well-formed" in result.stderr
    assert "A0400/22:item B" in result.stderr
    # ... after every other file was read
    assert "5 NOTAMs read from 1 file(s), 1 file(s) failed: 4 parsed, 0 partly parsed, 1 failed" in result.stdout


def test_chain_active_and_diff(tmp_path: Path) -> None:
    ws, settings = _workspace(tmp_path)
    path = tmp_path / "chain.txt"
    path.write_text(CHAIN)
    clock = FixedClock(datetime(2022, 7, 20, tzinfo=UTC))
    summary = pipeline.ingest_notams(ws, [path], clock, settings)
    assert (summary.parsed, summary.stored) == (4, 4)
    at = datetime(2022, 7, 12, tzinfo=UTC)
    assert {r.id for r in pipeline.active_restrictions(ws, settings, at)} == {"A0300/22", "A0302/22"}
    later = datetime(2022, 7, 17, tzinfo=UTC)
    assert {r.id for r in pipeline.active_restrictions(ws, settings, later)} == {"A0301/22"}
    near = pipeline.active_restrictions(ws, settings, later, near="BY-UA", within_km=50)
    assert [r.id for r in near] == ["A0301/22"]
    assert pipeline.active_restrictions(ws, settings, at, near="BY-UA", within_km=50)[0].id == "A0300/22"
    d = pipeline.diff_restrictions(ws, settings, at, later)
    assert [(old.id, new.id) for old, new in d.changed] == [("A0300/22", "A0301/22")]
    assert [r.id for r in d.cancelled] == ["A0302/22"] and not d.new and not d.expired
    end = pipeline.diff_restrictions(ws, settings, later, datetime(2022, 7, 26, tzinfo=UTC))
    assert [r.id for r in end.expired] == ["A0301/22"]
    _, chain = pipeline.find_notam(ws, settings, "A0300/22")
    assert [r.id for r in chain] == ["A0300/22", "A0301/22"]

    events = pipeline.restriction_events(
        ws, settings, datetime(2022, 7, 1, tzinfo=UTC), datetime(2022, 8, 1, tzinfo=UTC)
    )
    kinds = sorted((e.type, e.attributes["notam_id"]) for e in events)
    assert kinds == [
        ("restriction_appeared", "A0300/22"),
        ("restriction_changed", "A0301/22"),
        ("restriction_ended", "A0301/22"),
    ]
    assert all(e.evidence[0].source_file == e.attributes["notam_id"] and e.evidence[0].note for e in events)

    # an aircraft track through the danger area (while active) and one outside, as positions columns
    restrictions = pipeline.load_restrictions(ws, settings)
    ts = [datetime(2022, 7, 12, 10, m, tzinfo=UTC) for m in range(6)] + [datetime(2022, 7, 17, 10, 0, tzinfo=UTC)]
    lat = [53.80, 53.90, 54.00, 54.01, 54.10, 54.30, 54.0]
    lon = [28.0, 28.0, 28.0, 28.01, 28.0, 28.0, 28.0]
    rows = {
        "ts": ts, "icao24": ["4b0001"] * 6 + ["4b0001"], "lat_deg": lat, "lon_deg": lon,
        "alt_ft": [9000.0, 9000.0, 9000.0, 9000.0, 9000.0, 9000.0, 9000.0],
        "flags": [0] * 7, "source_file": ["f" * 64] * 7, "source_offset": list(range(7)),
    }  # fmt: skip
    table = pa.table(
        {f.name: pa.array(rows.get(f.name, [None] * 7), f.type) for f in POSITIONS_SCHEMA}, POSITIONS_SCHEMA
    )
    inside = pipeline.aircraft_in_areas(restrictions, table)
    assert len(inside) == 1  # the 17 July fix is after the cancellation
    event = inside[0]
    assert event.attributes["notam_id"] == "A0302/22" and event.subjects[0].icao24 == "4b0001"
    assert event.start == ts[2] and event.end == ts[3] and event.evidence[1].source_offset == 2
