"""NOTAM files as they arrive: never glue NOTAMs, detect the encoding, refuse what is not NOTAMs, read stdin
(issues #13 "NOTAM parser" 3 and "Ingest", #19 item 15)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.errors import SourceError
from airpicture.model.settings import NotamSettings, Settings
from airpicture.pipeline import notam as pipeline
from airpicture.sources.notam import decode_text, read_notams
from airpicture.sources.notam_text import split_notam_text
from airpicture.store import Workspace
from tests.conftest import CliRunner
from tests.notam.conftest import DATA

# A real Russian sample (tests/data/notams/eastern_europe_notam_samples.txt [4], Kaliningrad FIR) and
# constructed ones of the same kind around it: header-less NOTAMs, an FAA-numbered one, FAA domestic ones.
MIXED = """ZCZC
GG EUECYIYN
Q0381/25 NOTAMNQ)UMKK/QARLC/IV/NBO/E/045/130/5435N02024E028
A)UMKK B)2508120600 C)2508152200
D)12-15 0600-2200
E)FLW ATS RTE SEGMENTS CLSD:L736 NEDRA-GOMED FL045-FL130.
Q) UMKK/QRTCA/IV/BO/W/000/100/5435N02024E010
A) UMKK B) 2508120600 C) 2508152200
E) HEADLESS ONE: TEMPO RESTRICTED AREA.
A) UMKK B) 2508120600 C) 2508152200
E) HEADLESS TWO.
07/016 NOTAMN
Q) ZDC/QRTCA/IV/BO/W/000/180/3851N07702W030
A) KZDC B) 2508120600 C) 2508152200
E) TFR.
!BNA 08/017 BNA RWY 2R/20L CLSD 2508141300-2508142100
!BNA 08/018 BNA TWY A CLSD 2508141300-2508142100
(A0300/25 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/200/5145N02930E020
A) UMMV B) 2508100000 C) 2508202359
E) TEMPO RESTRICTED AREA (REF AIP ENR 5.1).
F) SFC G) FL200)
NNNN
"""


def test_the_splitter_never_glues_notams() -> None:
    raws = split_notam_text(MIXED, "mixed.txt")
    assert [r.line for r in raws] == [3, 7, 10, 12, 16, 17, 18]
    assert [r.text.split("\n")[0][:16] for r in raws] == [
        "Q0381/25 NOTAMNQ", "Q) UMKK/QRTCA/IV", "A) UMKK B) 25081", "07/016 NOTAMN",
        "!BNA 08/017 BNA ", "!BNA 08/018 BNA ", "(A0300/25 NOTAMN",
    ]  # fmt: skip
    assert "HEADLESS" not in raws[0].text and "HEADLESS TWO" not in raws[1].text


@pytest.mark.parametrize("name", ["notams_uk_2026-08-22_icao.txt", "notams_uk_airspace_warnings_icao.txt"])
def test_real_files_split_as_before(name: str) -> None:
    text = (DATA / name).read_text()
    raws = split_notam_text(text, name)
    assert len(raws) == len(re.findall(r"(?m)^[A-Z]\d{4}/\d{2} NOTAM[NRC]", text))  # one per header, no more
    assert all(r.text.lstrip("(")[:1].isalpha() for r in raws)


def _settings(ws: Workspace) -> Settings:
    return Settings(workspace=ws.root, notam=NotamSettings(borders_file=DATA / "ne_10m_by_ua.geojson",
                                                          watch_borders=("BY-UA",)))  # fmt: skip


def test_headless_blocks_are_quarantined_with_their_line(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "mixed.txt"
    path.write_text(MIXED)
    summary = pipeline.ingest_notams(ws, [path], FixedClock(datetime(2025, 8, 20, tzinfo=UTC)), _settings(ws))
    assert summary.read == 7 and summary.quarantined == 2
    assert summary.stored == 5  # Q0381/25, 07/016, the two FAA domestic ones (failed, kept raw), A0300/25
    assert summary.failed == 4 and summary.parsed + summary.partial == 3
    assert any(p.startswith(f"{path}:line 7:") and "no NOTAM id" in p for p in summary.problems)
    with duckdb.connect(str(ws.db_path), read_only=True) as con:
        rows = con.execute("SELECT location, reason FROM quarantine ORDER BY location").fetchall()
        stored = {r[0] for r in con.execute("SELECT notam_id FROM notams").fetchall()}
    assert [r[0] for r in rows] == ["line 10", "line 7"]
    assert stored == {"Q0381/25", "07/016", "BNA 08/017", "BNA 08/018", "A0300/25"}


C_BEFORE_B = """A0500/22 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/999/5200N02800E030
A) UMMV B) 2207111700 C) 2207110400
E) TEMPO RESTRICTED AREA ACTIVATED.

A0501/22 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/999/5200N02800E030
A) UMMV B) 2207111700 C) 2207120400
E) TEMPO RESTRICTED AREA RADIUS 99999NM CENTRED ON 520000N0280000E.

A0502/22 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/999/5200N02800E030
A) UMMV B) 2207111700 C) 2207120400
E) TEMPO RESTRICTED AREA RADIUS 30NM CENTRED ON 520000N0280000E.
"""


def test_impossible_values_are_quarantined_with_their_reason(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "bad.txt"
    path.write_text(C_BEFORE_B)
    settings = _settings(ws)
    summary = pipeline.ingest_notams(ws, [path], FixedClock(datetime(2022, 7, 20, tzinfo=UTC)), settings)
    assert (summary.stored, summary.quarantined, summary.failed) == (1, 2, 2)
    with duckdb.connect(str(ws.db_path), read_only=True) as con:
        rows = con.execute("SELECT location, reason, detail FROM quarantine ORDER BY location").fetchall()
    assert rows[0][:2] == ("line 1", "notam-rejected") and "A0500/22" in rows[0][2] and "not after item B" in rows[0][2]
    assert rows[1][:2] == ("line 6", "notam-rejected") and "99,999 NM is beyond 999 NM" in rows[1][2]
    # Neither is in force, so neither is evidence of a new restriction.
    at = datetime(2022, 7, 11, 20, tzinfo=UTC)
    assert [r.id for r in pipeline.active_restrictions(ws, settings, at)] == ["A0502/22"]
    events = pipeline.restriction_events(
        ws, settings, datetime(2022, 7, 11, tzinfo=UTC), datetime(2022, 7, 13, tzinfo=UTC)
    )
    assert {e.attributes["notam_id"] for e in events} <= {"A0502/22"}


RUSSIAN = "A0600/22 NOTAMN\nQ) UUWV/QRTCA/IV/BO/W/000/100/5535N03716E010\nA) UUWV B) 2207100000 C) 2207202359\n" \
          "E) ВРЕМЕННАЯ ЗОНА ОГРАНИЧЕНИЯ ПОЛЕТОВ АКТИВИРОВАНА.\n"  # fmt: skip


@pytest.mark.parametrize(("encoding", "expected"), [("utf-8", "utf-8"), ("cp1251", "cp1251")])
def test_cyrillic_text_is_decoded_in_its_encoding(encoding: str, expected: str) -> None:
    text, used = decode_text(RUSSIAN.encode(encoding), "ru.txt")
    assert (text, used) == (RUSSIAN, expected)
    _, raws, _ = read_notams(RUSSIAN.encode(encoding), "ru.txt")
    assert "ЗОНА ОГРАНИЧЕНИЯ" in raws[0].text


def test_accented_latin_text_is_latin_1_and_a_mixture_is_refused() -> None:
    latin = RUSSIAN.replace("ВРЕМЕННАЯ ЗОНА ОГРАНИЧЕНИЯ ПОЛЕТОВ АКТИВИРОВАНА", "ZÜRICH GENÈVE TRÈS FERMÉ")
    assert decode_text(latin.encode("latin-1"), "ch.txt") == (latin, "latin-1")
    mixed = "ЗОНА ОГРАНИЧЕНИЯ".encode("cp1251") + " ZÜRICH GENÈVE".encode("latin-1")
    with pytest.raises(SourceError, match=r"not UTF-8.*convert the file to UTF-8") as exc:
        decode_text(mixed, "mixed.txt")
    assert "mixed.txt:byte 0" in str(exc.value)


def test_a_geojson_file_is_an_error_not_zero_notams(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    cli("-w", ws, "workspace", "init")
    geojson = tmp_path / "areas.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    other = tmp_path / "readme.txt"
    other.write_text("This folder holds NOTAMs.\n")
    good = tmp_path / "one.txt"
    good.write_text(RUSSIAN)
    result = cli("-w", ws, "notam", "ingest", str(geojson), str(other), str(good))
    assert result.returncode == 2
    assert "a GeoJSON file, not NOTAMs" in result.stderr and "readme.txt: no NOTAM in the file" in result.stderr
    assert "1 NOTAMs read from 1 file(s), 2 file(s) failed" in result.stdout


def test_notam_ingest_reads_standard_input(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    cli("-w", ws, "workspace", "init")
    result = cli("-w", ws, "notam", "ingest", "-", "--json", input=RUSSIAN + "\n" + C_BEFORE_B)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["stored"], summary["quarantined"]) == (4, 2, 2)
    shown = json.loads(cli("-w", ws, "notam", "show", "A0600/22", "--json").stdout)
    assert "ЗОНА ОГРАНИЧЕНИЯ" in shown["text"]


def test_problem_lines_are_not_read_as_markup(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    cli("-w", ws, "workspace", "init")
    bad = tmp_path / "markup.txt"
    bad.write_text(
        "A0700/22 NOTAMN\nQ) UUWV/QRTCA/IV/BO/W/000/100/5535N03716E010\nA) UUWV B) [/evil] C) 2207202359\nE) X\n"
    )
    result = cli("-w", ws, "notam", "ingest", str(bad))
    assert result.returncode == 0, result.stderr
    assert "[/evil]" in result.stderr
