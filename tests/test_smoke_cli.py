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
