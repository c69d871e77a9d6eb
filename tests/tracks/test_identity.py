"""Identity joined from the reference stage onto real tracks (pipeline.tracks)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CliRunner
from tests.ingest.readers_support import ADSB


def test_a_watch_listed_navy_aircraft_gets_its_identity(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert cli("-w", ws, "workspace", "init").returncode == 0
    ingest = cli("-w", ws, "ingest", str(ADSB / "aircraft_carrier.json.gz"), str(ADSB / "noisy_spoofing.json.gz"))
    assert ingest.returncode == 0, ingest.stderr
    listed = json.loads(cli("-w", ws, "tracks", "list", "--of-interest", "--json").stdout)
    assert {t["icao24"] for t in listed} == {"ae0455"}
    navy = listed[0]
    assert (navy["operator"], navy["role"], navy["country"]) == ("United States Navy", "transport", "US")
    by_role = json.loads(cli("-w", ws, "tracks", "list", "--role", "transport", "--json").stdout)
    assert [t["track_id"] for t in by_role] == [t["track_id"] for t in listed]
    turkish = json.loads(cli("-w", ws, "tracks", "list", "--icao24", "4baac6", "--json").stdout)[0]
    assert turkish["country"] == "TR" and turkish["of_interest"] is None
