"""The command line as a user meets it: exit codes, one-line errors, --json, export to every format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from airpicture.store import Workspace
from airpicture.testing import make_track
from tests.conftest import CliRunner

START = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)


def filled_workspace(root: Path) -> Workspace:
    workspace = Workspace.init(root)
    a50 = make_track(
        "14c5a9",
        [(START, 52.0, 30.5, 30000.0), (START + timedelta(minutes=10), 51.9, 29.5, 30000.0)],
        callsign="RFF6666",
        step_s=60,
    )
    other = make_track("510123", [(START + timedelta(days=1), 53.9, 27.5, 5000.0)])
    workspace.write_partitioned("positions", a50, "a50")
    workspace.write_partitioned("positions", other, "other")
    return workspace


def test_help_lists_the_commands(cli: CliRunner) -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("workspace", "export", "version", "settings"):
        assert command in result.stdout


def test_no_command_is_a_usage_error(cli: CliRunner) -> None:
    assert cli("no-such-command").returncode == 2


def test_workspace_init_and_info_json(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("--workspace", str(ws), "workspace", "init").returncode == 0
    filled_workspace(ws)
    result = cli("--workspace", str(ws), "workspace", "info", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["row_counts"]["positions"] == 12
    assert (info["first_day"], info["last_day"]) == ("2022-07-11", "2022-07-12")
    assert info["size_bytes"] > 0
    table = cli("--workspace", str(ws), "workspace", "info")
    assert "positions" in table.stdout and "2022-07-11" in table.stdout


def test_workspace_from_environment(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "envws"
    assert cli("workspace", "init", env={"AIRPICTURE_WORKSPACE": str(ws)}).returncode == 0
    assert (ws / "airpicture.duckdb").is_file()


def test_missing_workspace_is_one_line_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    result = cli("--workspace", str(tmp_path / "none"), "workspace", "info")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "no workspace here" in result.stderr and "workspace init" in result.stderr


def test_bad_config_is_one_line_exit_2_and_debug_shows_traceback(cli: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[tracks]\ngap_min = [1, 2\n")
    result = cli("--config", str(config), "version")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(config) in result.stderr and "not valid TOML" in result.stderr
    debug = cli("--debug", "--config", str(config), "version")
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_settings_file_inside_the_workspace_is_read(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    Workspace.init(ws)
    (ws / "airpicture.toml").write_text("[tracks]\ngap_min = 42\n")
    result = cli("--workspace", str(ws), "settings", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tracks.gap_min"] == 42.0


def test_export_unknown_kind_or_format_is_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    filled_workspace(ws)
    kind = cli("-w", str(ws), "export", "planes", "--format", "csv")
    assert kind.returncode == 2 and "positions" in kind.stderr
    fmt = cli("-w", str(ws), "export", "positions", "--format", "xlsx")
    assert fmt.returncode == 2 and "geojson" in fmt.stderr


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "geojson", "kml", "parquet"])
def test_export_positions_in_every_format(cli: CliRunner, tmp_path: Path, fmt: str) -> None:
    ws = tmp_path / "ws"
    filled_workspace(ws)
    out = tmp_path / f"positions.{fmt}"
    result = cli("-w", str(ws), "export", "positions", "--format", fmt, "--out", str(out), "--day", "2022-07-11")
    assert result.returncode == 0, result.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert len(rows) == 11 and rows[0]["icao24"] == "14c5a9"
    elif fmt == "json":
        assert len(json.loads(out.read_text())) == 11
    elif fmt == "jsonl":
        assert len(out.read_text().splitlines()) == 11
    elif fmt == "geojson":
        features = json.loads(out.read_text())["features"]
        assert len(features) == 11
        assert features[0]["geometry"] == {"type": "Point", "coordinates": [30.5, 52.0]}
        assert features[0]["properties"]["ts"] == "2022-07-11T21:00:00Z"
    elif fmt == "kml":
        ns = {"k": "http://www.opengis.net/kml/2.2"}
        placemarks = ET.parse(out).getroot().findall(".//k:Placemark", ns)
        assert len(placemarks) == 11
        assert placemarks[0].findtext("k:name", namespaces=ns) == "RFF6666"
    else:
        assert pq.read_table(out).num_rows == 11


def test_export_to_standard_output_with_filters(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    filled_workspace(ws)
    result = cli("-w", str(ws), "export", "positions", "--format", "jsonl", "--icao24", "510123")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["icao24"] for row in lines] == ["510123"]
    since = cli(
        "-w",
        str(ws),
        "export",
        "positions",
        "--format",
        "jsonl",
        "--since",
        "2022-07-11T21:05:00Z",
        "--until",
        "2022-07-11T21:08:00Z",
    )
    assert len(since.stdout.splitlines()) == 3
    bad = cli("-w", str(ws), "export", "positions", "--format", "csv", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr
