"""The console script runs as a user runs it: a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airpicture import __version__
from airpicture.store import Workspace
from airpicture.store.exporters import neutralise_formulas
from airpicture.testing import make_track
from tests.conftest import REPO, CliRunner

START = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)
MARKUP = "[/evil]"
"""Planted in a callsign and in NOTAM text: Rich would raise MarkupError if it read data as markup."""
NOTAM = f"""(A0812/22 NOTAMN
Q) UMMV/QRTCA/IV/BO/W/000/660/5210N02830E050
A) UMMV B) 2207110600 C) 2207121800
E) TEMPORARY RESTRICTED AREA {MARKUP} [bold red]BOOM[/bold red] ACT.
F) SFC G) FL660 {MARKUP})
"""


def test_version_prints_the_package_version(cli: CliRunner) -> None:
    result = cli("version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"airpicture {__version__}"


def test_version_option(cli: CliRunner) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"airpicture {__version__}"


HEAVY = ("polars", "duckdb", "pyarrow", "shapely", "scipy", "pyproj", "numpy", "pyModeS", "PIL", "astral", "orjson")
"""What a fast start must not load: the pipeline's libraries (each costs 50-400 ms to import)."""

_LOADED = """
import sys
from airpicture.cli.app import main
from airpicture.cli.docgen import render
sys.argv = ["airpicture", *sys.argv[1:]]
if sys.argv[1:] == ["every-help"]:
    render()  # the --help of every command and group
else:
    try:
        main()
    except SystemExit:
        pass
print("LOADED", " ".join(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})))
"""


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("version",), ("every-help",), ("tracks", "--help")])
def test_help_and_version_do_not_import_the_pipeline(args: tuple[str, ...], tmp_path: Path) -> None:
    """``airpicture --help`` took 2.2 s importing polars, duckdb, pyarrow, shapely, scipy… it needs none."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env["PYTHONPATH"] = str(REPO / "src")
    code = _LOADED.replace("{heavy}", repr(set(HEAVY)))
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env, cwd=tmp_path
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("LOADED")]
    assert line, done.stdout + done.stderr
    assert line[0].split() == ["LOADED"], f"{args} loaded: {line[0].removeprefix('LOADED ')}"


def test_workspace_init_creates_the_inbox_folders(cli: CliRunner, tmp_path: Path) -> None:
    done = cli("-w", str(tmp_path / "ws"), "workspace", "init")
    assert done.returncode == 0, done.stderr
    for kind in ("adsb", "notams", "reports", "appearances"):
        assert (tmp_path / "ws" / "inbox" / kind).is_dir()
    assert "inbox" in done.stderr


def test_gitignore_covers_the_demo_output() -> None:
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "/airpicture-demo/" in ignored


def test_reference_aircraft_answers_for_every_address(cli: CliRunner) -> None:
    unlisted = cli("reference", "aircraft", "510123")
    assert unlisted.returncode == 0, unlisted.stderr
    assert unlisted.stdout.strip() == "510123: not on the watch-list; Belarus, block 510000–5103FF"
    record = json.loads(cli("reference", "aircraft", "510123", "--json").stdout)
    assert record["on_watchlist"] is False and record["country"] == "BY"
    assert record["block"]["start"] == "510000" and record["block"]["end"] == "5103ff"
    listed = cli("reference", "aircraft", "510001")
    assert listed.returncode == 0, listed.stderr
    assert "Belarus, block 510000–5103FF" in listed.stdout and "EW-85815" in listed.stdout
    # plane-alert-db's tongue-in-cheek labels are its own, not descriptions: in --json, under its name only
    assert "Free And Fair Elections" not in listed.stdout and "Dictator Alert" not in listed.stdout
    tagged = json.loads(cli("reference", "aircraft", "510001", "--json").stdout)
    assert "Free And Fair Elections" in tagged["plane_alert_db"]["tags"]
    assert "tags" not in tagged and "category" not in tagged


def _run(ws: Path, *args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env.update(PYTHONPATH=str(REPO / "src"), COLUMNS=str(columns))
    return subprocess.run(
        [sys.executable, "-m", "airpicture", "-w", str(ws), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
        cwd=ws.parent,
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A workspace whose data carries Rich markup and spreadsheet formulas: an A-50 (on the watch-list) with
    the callsign ``[/evil]``, a second aircraft with the callsign ``=HYPERLINK(…)``, and a NOTAM whose text
    holds markup; tracks built, detected, claimed and assessed. Returns the folder and some ids."""
    base = tmp_path_factory.mktemp("planted")
    ws = base / "ws"
    workspace = Workspace.init(ws)
    a50 = make_track(
        "14c5a9",
        [(START, 52.0, 30.5, 30000.0), (START + timedelta(minutes=10), 51.9, 29.5, 30000.0)],
        callsign=MARKUP,
        step_s=60,
    )
    formula = make_track(
        "510123", [(START, 53.9, 27.5, 5000.0), (START + timedelta(minutes=5), 53.8, 27.4, 5000.0)],
        callsign='=HYPERLINK("http://x","y")', step_s=60,
    )  # fmt: skip
    workspace.write_partitioned("positions", a50, "a50")
    workspace.write_partitioned("positions", formula, "formula")
    (base / "evil.txt").write_text(NOTAM, encoding="utf-8")
    ids: dict[str, str] = {}
    for args in (
        ("tracks", "build"),
        ("notam", "ingest", str(base / "evil.txt")),
        ("detect", "--day", "2022-07-11"),
        ("claims", "refresh"),
        ("assess", "--day", "2022-07-11"),
    ):
        done = _run(ws, *args)
        assert done.returncode == 0, (args, done.stderr)
        ids[args[0]] = done.stdout + done.stderr
    events = json.loads(_run(ws, "events", "list", "--json").stdout)
    ids["event"] = next(e["event_id"] for e in events if e["type"] == "watchlist_presence")
    ids["claim"] = json.loads(_run(ws, "claims", "list", "--json").stdout)[0]["claim_id"]
    ids["judgment"] = json.loads(_run(ws, "judgments", "list", "--json").stdout)[0]["judgment_id"]
    return ws, ids


def test_notam_ingest_prints_problems_with_markup_as_text(planted: tuple[Path, dict[str, str]]) -> None:
    _, ids = planted
    assert f"FL660 {MARKUP}" in ids["notam"]  # the problem line echoes item G literally


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (("tracks", "list"), True),
        (("tracks", "show", "14c5a9"), True),
        (("events", "list"), False),
        (("events", "show", "{event}"), True),
        (("claims", "list"), False),
        (("claims", "show", "{claim}"), False),
        (("claims", "explain", "{claim}"), False),
        (("notam", "active", "--at", "2022-07-11T12:00Z"), False),
        (("notam", "show", "A0812/22"), True),
        (("notam", "events", "--from", "2022-07-10T00:00Z", "--to", "2022-07-13T00:00Z"), False),
        (("judgments", "list"), False),
        (("judgments", "show", "{judgment}"), False),
        (("judgments", "explain", "{judgment}"), True),
        (("sources", "list"), False),
        (("workspace", "info"), False),
    ],
)
def test_every_listing_prints_planted_markup_as_text(
    planted: tuple[Path, dict[str, str]], args: tuple[str, ...], shows: bool
) -> None:
    ws, ids = planted
    done = _run(ws, *(a.format(**ids) for a in args))
    assert done.returncode == 0, done.stderr
    assert "MarkupError" not in done.stderr
    if shows:
        assert MARKUP in done.stdout


def test_csv_export_neutralises_formulas(planted: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    ws, _ = planted
    for kind in ("positions", "tracks", "events", "restrictions"):
        out = tmp_path / f"{kind}.csv"
        done = _run(ws, "export", kind, "--format", "csv", "--out", str(out))
        assert done.returncode == 0, done.stderr
        cells = [cell for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8"))) for cell in row]
        assert cells
        for cell in cells:
            if cell[:1] in ("=", "+", "@", "\t", "\r"):
                raise AssertionError(f"{kind}: a cell starts like a formula: {cell!r}")
            if cell.startswith("-"):
                float(cell)  # only numbers may start with a minus sign
    positions = (tmp_path / "positions.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in positions


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=20))
def test_neutralised_cells_never_start_like_a_formula_and_keep_their_text(values: list[str | None]) -> None:
    batch = pa.RecordBatch.from_pydict({"text": pa.array(values, pa.string()), "n": list(range(len(values)))})
    out = neutralise_formulas(batch).to_pydict()
    assert out["n"] == list(range(len(values)))
    for before, after in zip(values, out["text"], strict=True):
        if before is None:
            assert after is None
        elif before[:1] in "=+-@\t\r\n＝＋－＠" and before:
            assert after == "'" + before
        else:
            assert after == before


@pytest.mark.parametrize(
    ("args", "whole"),
    [
        (("tracks", "list"), ("14c5a9-20220711T210000Z", MARKUP, "2022-07-11 21:00:00Z")),
        (("claims", "list"), ("aircraft_in_restricted_area", "2022-07-11 21:08")),
        (("events", "list"), ("watchlist_presence", "aircraft_in_restricted_area")),
        (("notam", "active", "--at", "2022-07-11T12:00Z"), ("A0812/22", "QRTCA")),
        (("judgments", "list"), ("belarus",)),
    ],
)
def test_tables_at_80_columns_keep_whole_cells_and_wide_shows_all(
    planted: tuple[Path, dict[str, str]], args: tuple[str, ...], whole: tuple[str, ...]
) -> None:
    """Piped at 80 columns every cell was cut ("watchlist_…"): now the columns that fit, whole."""
    ws, _ = planted
    narrow = _run(ws, *args, columns=80)
    assert narrow.returncode == 0, narrow.stderr
    table = [line for line in narrow.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and all(len(line) <= 80 for line in table), narrow.stdout
    assert "…" not in narrow.stdout, narrow.stdout
    for text in whole:
        assert text in narrow.stdout, (text, narrow.stdout)
    if args[0] == "notam":
        return  # notam active has no --wide (yet): its table keeps the columns that fit
    wide = _run(ws, *args, "--wide", columns=80)
    assert wide.returncode == 0, wide.stderr
    assert "…" not in wide.stdout and "left out" not in wide.stdout
    if "left out" in narrow.stdout:
        hidden = narrow.stdout.split("left out to fit 80 columns: ")[1].split(" (--wide")[0].split(", ")
        assert all(name in wide.stdout for name in hidden), (hidden, wide.stdout)


def test_claims_list_day_limit_and_status(planted: tuple[Path, dict[str, str]]) -> None:
    ws, _ = planted
    every = json.loads(_run(ws, "claims", "list", "--json").stdout)
    assert len(every) >= 3
    assert len(json.loads(_run(ws, "claims", "list", "--json", "--limit", "2").stdout)) == 2
    assert json.loads(_run(ws, "claims", "list", "--json", "--day", "2022-07-01").stdout) == []
    assert len(json.loads(_run(ws, "claims", "list", "--json", "--day", "2022-07-11").stdout)) >= 3
    bogus = _run(ws, "claims", "list", "--status", "bogus")
    assert bogus.returncode == 2 and "reported" in bogus.stderr  # names the statuses it accepts
    reported = json.loads(_run(ws, "claims", "list", "--json", "--status", "reported").stdout)
    assert reported and all(c["status"] == "reported" for c in reported)


def test_cli_reference_usage_lines_name_the_program_once() -> None:
    from airpicture.cli.docgen import render

    text = render()
    assert "airpicture airpicture" not in text
    assert "Usage: airpicture claims explain [OPTIONS]" in text
    explain = text.split("#### `airpicture judgments explain`")[1].split("####")[0]
    assert "JUDGMENT_ID" in explain and "Judgment id from 'airpicture judgments list'" in explain


KML = {"k": "http://www.opengis.net/kml/2.2"}


def test_kml_export_has_time_styles_and_altitude(planted: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    ws, _ = planted
    for kind in ("events", "positions", "restrictions", "claims", "tracks"):
        out = tmp_path / f"{kind}.kml"
        assert _run(ws, "export", kind, "--format", "kml", "--out", str(out)).returncode == 0
        listed = json.loads(_run(ws, "export", kind, "--format", "json").stdout)
        root = ET.parse(out).getroot()
        placemarks = root.findall(".//k:Placemark", KML)
        assert len(placemarks) == len(listed) > 0, kind  # every row
        styles = {s.get("id") for s in root.findall(".//k:Style", KML)}
        for placemark in placemarks:
            assert placemark.find("k:TimeSpan", KML) is not None or placemark.find("k:TimeStamp", KML) is not None
            assert (placemark.findtext("k:styleUrl", namespaces=KML) or "").removeprefix("#") in styles
        if kind == "events":
            types = {e["type"] for e in listed}
            assert len(styles) == len(types) > 1  # one style per event type
            spans = root.findall(".//k:Placemark/k:TimeSpan", KML)
            assert spans and all(
                s.findtext("k:begin", namespaces=KML) < s.findtext("k:end", namespaces=KML) for s in spans
            )
        if kind == "positions":
            point = placemarks[0].find("k:Point", KML)
            assert point is not None and point.findtext("k:altitudeMode", namespaces=KML) == "absolute"
            _, _, alt_m = (float(v) for v in point.findtext("k:coordinates", namespaces=KML).split(","))
            assert alt_m == pytest.approx(listed[0]["alt_ft"] * 0.3048, abs=0.1)


def test_kml_lists_rows_without_a_position_and_counts_them() -> None:
    from xml.etree import ElementTree as ET

    from airpicture.store.exporters import write_kml

    table = pa.table(
        {"id": ["a", "b"], "lon_deg": [27.5, None], "lat_deg": [53.9, None], "ts": ["2022-07-11T21:00:00Z"] * 2}
    )
    out = io.BytesIO()
    assert write_kml(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()), out) == 2
    root = ET.fromstring(out.getvalue())
    placemarks = root.findall(".//k:Placemark", KML)
    assert [p.findtext("k:name", namespaces=KML) for p in placemarks] == ["a", "b"]
    assert placemarks[1].find("k:Point", KML) is None
    assert "1 without a position" in root.findtext(".//k:Folder/k:description", namespaces=KML)


def test_parquet_is_not_written_to_a_terminal(planted: tuple[Path, dict[str, str]]) -> None:
    import pty

    ws, _ = planted
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
    env["PYTHONPATH"] = str(REPO / "src")
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "airpicture", "-w", str(ws), "export", "positions", "--format", "parquet"],
            stdout=follower, stderr=subprocess.PIPE, text=True, check=False, env=env, timeout=120,
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2, done.stderr
    assert "not written to a terminal" in done.stderr and "--out" in done.stderr
    piped = subprocess.run(  # a pipe is fine
        [sys.executable, "-m", "airpicture", "-w", str(ws), "export", "positions", "--format", "parquet"],
        capture_output=True, check=False, env=env, timeout=120,
    )  # fmt: skip
    assert piped.returncode == 0 and piped.stdout.startswith(b"PAR1")
