"""``airpicture reference …`` run as a user runs it (subprocess, real shipped data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CliRunner

HEADER = "$ICAO,$Registration,$Operator,$Type,$ICAO Type,#CMPG,$Tag 1,$#Tag 2,$#Tag 3,Category,$#Link\n"
A50 = "14C5A9,RF-50601,Russian Air Force,Beriev A-50U,A50,Mil,Airborne Early Warning,,,Oxcart,\n"


def test_aircraft_json(cli: CliRunner) -> None:
    done = cli("reference", "aircraft", "14C5A9", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["operator"] == "Russian Air Force"
    assert record["type"] == "Beriev A-50"
    assert record["role"] == "AEW&C"


def test_aircraft_table(cli: CliRunner) -> None:
    done = cli("reference", "aircraft", "14c5a9")
    assert done.returncode == 0
    assert "RF-50601" in done.stdout and "AEW&C" in done.stdout


def test_aircraft_errors(cli: CliRunner) -> None:
    missing = cli("reference", "aircraft", "000001")  # not listed is an answer, not an error (exit 0)
    assert missing.returncode == 0 and "not on the watch-list" in missing.stdout
    bad = cli("reference", "aircraft", "14C5")
    assert bad.returncode == 2 and "6 hexadecimal digits" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_airfield(cli: CliRunner) -> None:
    done = cli("reference", "airfield", "zyabrovka", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["ident"] == "BY-4247" and record["name"] == "Pribytki Air Base"
    assert "Зябровка" in record["aliases"]
    table = cli("reference", "airfield", "UMKK")
    assert table.returncode == 0 and "06/24" in table.stdout


def test_unknown_airfield(cli: CliRunner) -> None:
    done = cli("reference", "airfield", "Zyabrovska")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "unknown airfield" in done.stderr and "Pribytki Air Base (BY-4247)" in done.stderr


def test_country_of(cli: CliRunner) -> None:
    done = cli("reference", "country-of", "510123", "--json")
    assert done.returncode == 0
    record = json.loads(done.stdout)
    assert record["country"] == "BY" and record["block"]["start"] == 0x510000
    assert "Belarus" in cli("reference", "country-of", "510123").stdout


def test_border_geojson(cli: CliRunner) -> None:
    done = cli("reference", "border", "BY", "UA", "--format", "geojson")
    assert done.returncode == 0, done.stderr
    feature = json.loads(done.stdout)
    assert feature["geometry"]["type"] in ("LineString", "MultiLineString")
    assert 800 < feature["properties"]["length_km"] < 1200
    summary = json.loads(cli("reference", "border", "by", "ua", "--json").stdout)
    assert summary["a"] == "BY" and summary["b"] == "UA"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("BY", "XX"), "unknown country code"),
        (("BY", "FR"), "share no land border"),
        (("BY", "UA", "--format", "kml"), "unknown format"),
    ],
)
def test_border_errors(cli: CliRunner, args: tuple[str, ...], fragment: str) -> None:
    done = cli("reference", "border", *args)
    assert done.returncode == 2 and fragment in done.stderr


def test_regions(cli: CliRunner) -> None:
    listing = json.loads(cli("reference", "region", "--json").stdout)
    assert [r["name"] for r in listing] == ["belarus", "kaliningrad"]
    belarus = json.loads(cli("reference", "region", "belarus", "--json").stdout)
    assert belarus["night_start"] == "21:00" and belarus["watched_country"] == "BY"
    assert ["BY", "UA"] in belarus["border_segments"]
    unknown = cli("reference", "region", "nowhere")
    assert unknown.returncode == 2 and "belarus, kaliningrad" in unknown.stderr


def test_user_region_dir_from_environment(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "regions"
    folder.mkdir()
    (folder / "mine.toml").write_text(
        'title = "Mine"\nwatched_country = "LT"\nneighbours = ["BY"]\ntimezone = "Europe/Vilnius"\n'
        'night_start = "21:00"\nnight_end = "06:00"\nairfields = ["EYVI"]\n'
    )
    done = cli("reference", "region", "mine", "--json", env={"AIRPICTURE_REGION_DIRS": str(folder)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["watched_country"] == "LT"


def test_update_plane_alert(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    good = tmp_path / "good.csv"
    good.write_text(HEADER + A50)
    done = cli("--workspace", str(ws), "reference", "update", "--plane-alert-db", str(good))
    assert done.returncode == 0, done.stderr
    installed = ws / "reference" / "plane-alert-db.csv"
    assert installed.read_text() == good.read_text()
    after = json.loads(cli("--workspace", str(ws), "reference", "aircraft", "14C5A9", "--json").stdout)
    assert after["type"] == "Beriev A-50U"  # the user copy is preferred

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + A50 + A50.replace("14C5A9", "NOTHEX").replace("RF-50601", "RF-1"))
    failed = cli("--workspace", str(ws), "reference", "update", "--plane-alert-db", str(bad))
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1
    assert f"{bad}: line 3, column $ICAO" in failed.stderr and "'NOTHEX'" in failed.stderr
    assert installed.read_text() == good.read_text()  # nothing changed
    assert sorted(p.name for p in installed.parent.iterdir()) == ["plane-alert-db.csv"]  # no temp file left


def test_update_missing_file(cli: CliRunner, tmp_path: Path) -> None:
    done = cli("--workspace", str(tmp_path / "ws"), "reference", "update", "--plane-alert-db", str(tmp_path / "no.csv"))
    assert done.returncode == 2 and "cannot read file" in done.stderr
