"""``notam diff`` over a window that NOTAMs begin and end inside, and ``notam active --format json``
carrying the areas (issue #13, NOTAM parser items 7 and 8), on the demo scenario's own NOTAMs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from airpicture.model.clock import FixedClock
from airpicture.model.settings import NotamSettings, Settings
from airpicture.pipeline import notam as pipeline
from airpicture.pipeline.simulate import load
from airpicture.simulate.documents import notams_file
from airpicture.store import Workspace
from tests.conftest import CliRunner
from tests.notam.conftest import DATA


def _demo_notams(tmp_path: Path) -> Path:
    path = tmp_path / "simulated-notams.txt"
    path.write_text(notams_file(list(load("belarus-july-night").notams)))
    return path


def test_diff_shows_notams_that_began_and_ended_inside_the_window(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    settings = Settings(workspace=ws.root, notam=NotamSettings(borders_file=DATA / "ne_10m_by_ua.geojson"))
    pipeline.ingest_notams(ws, [_demo_notams(tmp_path)], FixedClock(datetime(2022, 7, 20, tzinfo=UTC)), settings)
    d = pipeline.diff_restrictions(
        ws, settings, datetime(2022, 7, 10, tzinfo=UTC), datetime(2022, 7, 12, 12, tzinfo=UTC)
    )
    ids = [r.id for r in d.began_and_ended]
    assert "A0812/22" in ids and "A0813/22" in ids
    assert not {r.id for r in d.new} & set(ids) and not {r.id for r in d.expired} & set(ids)
    # A window that holds only the start is not "began and ended"; the NOTAM is new there.
    early = pipeline.diff_restrictions(
        ws, settings, datetime(2022, 7, 11, tzinfo=UTC), datetime(2022, 7, 11, 20, tzinfo=UTC)
    )
    assert "A0812/22" in {r.id for r in early.new} and "A0812/22" not in {r.id for r in early.began_and_ended}


def test_active_json_and_diff_json_carry_centre_radius_and_geometry(cli: CliRunner, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    cli("-w", ws, "workspace", "init")
    assert cli("-w", ws, "notam", "ingest", str(_demo_notams(tmp_path))).returncode == 0
    active = json.loads(cli("-w", ws, "notam", "active", "--at", "2022-07-11T21:00Z", "--format", "json").stdout)
    a0812 = next(r for r in active if r["notam_id"] == "A0812/22")
    assert a0812["q_radius_nm"] > 0 and 51.8 < a0812["q_centre"]["lat_deg"] < 52.3
    (area,) = a0812["areas"]
    assert area["source"] == "item-e" and area["geometry"]["type"] == "Polygon"
    ring = area["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and {round(lat, 2) for _, lat in ring} == {51.8, 52.25}
    diff = json.loads(
        cli("-w", ws, "notam", "diff", "--from", "2022-07-10T00:00:00Z", "--to", "2022-07-12T12:00:00Z",
            "--format", "json").stdout
    )  # fmt: skip
    ended = {r["notam_id"]: r for r in diff["began_and_ended"]}
    assert {"A0812/22", "A0813/22"} <= set(ended) and ended["A0813/22"]["areas"][0]["geometry"]
    table = cli("-w", ws, "notam", "diff", "--from", "2022-07-10T00:00:00Z", "--to", "2022-07-12T12:00:00Z")
    assert "began and ended:" in table.stdout and "A0812/22" in table.stdout
