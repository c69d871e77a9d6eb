"""Regions side by side, and nights with nothing to assess (issue 12, items 2, 3 and 9).

One small simulated scenario (``two_regions.toml``): an A-50 racetrack over southern Belarus heard near Minsk,
an Il-20 racetrack over the Baltic west of Kaliningrad heard from Lithuania, two nights. The inbox also holds
real NOTAMs (tests/data/notams) and the real 2024 recording of a spoofed airliner near Lviv (shipped with the
demo, daytime only). The night of 10 July is delivered under names without the simulator's prefix, so its
data is not labelled simulated. Three workspaces take the same inbox in: one runs Belarus and then
Kaliningrad, the others one region each.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings, load_settings
from airpicture.pipeline.assess import assess, day_facts, night_window, question_for, read_state
from airpicture.pipeline.demo import bundled_recordings
from airpicture.pipeline.report import write_report
from airpicture.pipeline.run import RunSummary, run_all
from airpicture.pipeline.simulate import run_simulation
from airpicture.store import Workspace
from tests.conftest import TEST_DATA, CliRunner

HERE = Path(__file__).parent
CLOCK = FixedClock(datetime(2022, 7, 12, 9, 0, tzinfo=UTC))
JULY_11, JULY_10 = date(2022, 7, 11), date(2022, 7, 10)
LVIV_DAY = date(2024, 9, 17)  # only the real daytime recording near Lviv
A50_ORBIT = (52.40, 28.40)  # the Belarus racetrack's centre: far outside Kaliningrad's frame


@dataclass(frozen=True)
class Built:
    workspace: Workspace
    settings: dict[str, Settings]
    runs: dict[str, RunSummary]


def _settings(root: Path, region: str) -> Settings:
    # one reporter key (outside every workspace) for all three: receiver pseudonyms are the same everywhere
    key = root.parent / "reporter.key"
    return load_settings(None, {}, {"workspace": root, "region": region, "reports.reporter_key_file": key})


def _fill_inbox(root: Path, sim: Path) -> None:
    inbox = root / "inbox"
    (inbox / "adsb").mkdir(parents=True)
    (inbox / "notams").mkdir()
    for beast in sorted(sim.glob("*.beast")):
        # the night of 10 July as a "real" delivery (no simulator prefix): its report is not labelled simulated
        name = beast.name.removeprefix("simulated-") if "20220710" in beast.name else beast.name
        shutil.copy2(beast, inbox / "adsb" / name)  # keeps the mtime that anchors the Beast clock
    shutil.copy2(TEST_DATA / "notams" / "eastern_europe_notam_samples.txt", inbox / "notams")
    bundled_recordings(inbox / "adsb")
    for extra in ("aircraft_carrier.json.gz", "sample_dump1090.bin"):
        (inbox / "adsb" / extra).unlink()  # only the Lviv recording: the others are far away or undated


def _build(base: Path, sim: Path, name: str, regions: tuple[str, ...]) -> Built:
    root = base / name
    workspace = Workspace.init(root)
    _fill_inbox(root, sim)
    settings = {r: _settings(root, r) for r in regions}
    runs = {r: run_all(workspace, settings[r], CLOCK, JULY_11) for r in regions}
    return Built(workspace, settings, runs)


def _rows(workspace: Workspace, region: str) -> dict[str, list[tuple[object, ...]]]:
    """Every stored row of ``region``: events, aggregates, claims, appearances, sources, judgments."""
    queries = {
        "events": "SELECT * FROM events WHERE region = ? ORDER BY event_id",
        "day_aggregates": "SELECT * FROM day_aggregates WHERE region = ? ORDER BY ALL",
        "claims": "SELECT * FROM claims WHERE region = ? ORDER BY claim_id",
        "appearances": "SELECT * FROM appearances WHERE region = ? ORDER BY appearance_id",
        "sources": "SELECT * FROM sources WHERE region = ? ORDER BY source_id",
        "judgments": "SELECT * FROM judgments WHERE region = ? ORDER BY judgment_id",
    }
    with workspace.connect(read_only=True) as con:
        return {k: con.execute(q, [region]).fetchall() for k, q in queries.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    base = tmp_path_factory.mktemp("regions")
    sim = base / "sim"
    (base / "reporter.key").write_bytes(bytes(range(32)))
    run_simulation(str(HERE / "two_regions.toml"), sim)
    both = _build(base, sim, "both", ("belarus",))
    belarus_rows = _rows(both.workspace, "belarus")
    kaliningrad = _settings(both.workspace.root, "kaliningrad")
    both.settings["kaliningrad"] = kaliningrad
    both.runs["kaliningrad"] = run_all(both.workspace, kaliningrad, CLOCK, JULY_11)
    # detecting, assessing and reporting Kaliningrad changed none of Belarus's rows
    assert _rows(both.workspace, "belarus") == belarus_rows
    return {
        "both": both,
        "belarus": _build(base, sim, "belarus-only", ("belarus",)),
        "kaliningrad": _build(base, sim, "kaliningrad-only", ("kaliningrad",)),
    }


def _report(b: Built, region: str, day: date, out: Path) -> dict[str, str]:
    result = write_report(b.workspace, b.settings[region], CLOCK, day, out_dir=out)
    return {p.suffix: p.read_text(encoding="utf-8") for p in result.files}


@pytest.mark.parametrize("region", ["belarus", "kaliningrad"])
def test_each_region_reports_as_if_it_were_alone(built: dict[str, Built], region: str, tmp_path: Path) -> None:
    together = _report(built["both"], region, JULY_11, tmp_path / "both")
    alone = _report(built[region], region, JULY_11, tmp_path / "alone")
    assert set(together) == {".html", ".md", ".json"}
    assert together == alone
    assert _rows(built["both"].workspace, region) == _rows(built[region].workspace, region)


def _centre(geometry: str) -> tuple[float, float]:
    """(lon, lat) mean of a GeoJSON LineString or Point."""
    coordinates = json.loads(geometry)["coordinates"]
    points = coordinates if isinstance(coordinates[0], list) else [coordinates]
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def test_the_belarus_orbit_is_not_kaliningrads(built: dict[str, Built], tmp_path: Path) -> None:
    workspace = built["both"].workspace
    with workspace.connect(read_only=True) as con:
        orbits = {
            region: [
                _centre(g)
                for (g,) in con.execute(
                    "SELECT geometry FROM events WHERE region = ? AND type = 'orbit'", [region]
                ).fetchall()
            ]
            for region in ("belarus", "kaliningrad")
        }
        shared = con.execute(
            "SELECT count(*) FROM events b JOIN events k ON b.event_id = k.event_id "
            "WHERE b.region = 'belarus' AND k.region = 'kaliningrad'"
        ).fetchone()
    near = [abs(lat - A50_ORBIT[0]) < 1 and abs(lon - A50_ORBIT[1]) < 1 for lon, lat in orbits["belarus"]]
    assert any(near), orbits["belarus"]
    # Kaliningrad's detectors never saw the orbit over southern Belarus; they found the Baltic one
    assert orbits["kaliningrad"] and all(lon < 25.95 and lat >= 51.3 for lon, lat in orbits["kaliningrad"])
    assert shared == (0,)
    md = _report(built["both"], "kaliningrad", JULY_11, tmp_path)[".md"]
    assert "A-50" not in md and "RF-50601" not in md
    assert "IL-20" in md.upper() or "RF-75931" in md


def test_a_night_with_nothing_in_the_frame_is_nothing_to_assess(built: dict[str, Built], tmp_path: Path) -> None:
    b = built["both"]
    settings = b.settings["belarus"]
    for day in (date(1999, 1, 1), LVIV_DAY, date(2022, 7, 20)):
        result = write_report(b.workspace, settings, CLOCK, day, out_dir=tmp_path / day.isoformat())
        assert not result.assessed and result.files == ()
        assert not (tmp_path / day.isoformat()).exists() or not any((tmp_path / day.isoformat()).iterdir())
        judgment = assess(b.workspace, settings, CLOCK, day).judgment
        assert not judgment.assessed and judgment.band == "" and judgment.change_explanation == "nothing to assess"
    # run picks the latest day with something to assess, not the daytime Lviv recording of 2024
    assert b.runs["belarus"].day == JULY_11
    default = run_all(b.workspace, settings, CLOCK)
    assert default.day == JULY_11 and default.report_files


def test_the_data_cut_off_is_never_before_the_night(built: dict[str, Built]) -> None:
    b = built["both"]
    for region in ("belarus", "kaliningrad"):
        settings = b.settings[region]
        question = question_for(settings)
        state = read_state(b.workspace, settings)
        for day in (JULY_10, JULY_11, date(2022, 7, 20)):
            facts = day_facts(b.workspace, question, day, state, settings.assess.min_baseline_nights)
            night_start, _ = night_window(question, day)
            assert night_start <= facts.cutoff <= facts.window_end, (region, day, facts.cutoff)


def test_few_earlier_nights_are_no_baseline_yet(built: dict[str, Built], tmp_path: Path) -> None:
    md = _report(built["both"], "belarus", JULY_11, tmp_path)[".md"]
    assert "baseline of 0.0" not in md and "night(s)" not in md
    assert "with no baseline yet (only 1 earlier night with receiver data in the last 14; at least 3 are needed)" in md
    assert "| no baseline yet |" in md
    first = _report(built["both"], "belarus", JULY_10, tmp_path / "first")[".md"]
    assert "with no baseline yet (no earlier nights with receiver data in the last 14; at least 3 are needed)" in first


def test_the_simulated_label_follows_the_data_of_the_day(built: dict[str, Built], tmp_path: Path) -> None:
    b = built["both"]
    simulated = _report(b, "belarus", JULY_11, tmp_path / "11")
    delivered = _report(b, "belarus", JULY_10, tmp_path / "10")
    assert "SIMULATED DATA" in simulated[".md"] and json.loads(simulated[".json"])["simulated"] is True
    assert "SIMULATED DATA" not in delivered[".md"] and json.loads(delivered[".json"])["simulated"] is False


def test_the_cli_exits_3_when_there_is_nothing_to_assess(built: dict[str, Built], cli: CliRunner) -> None:
    root = built["both"].workspace.root
    out = root / "reports-1999"
    report = cli("--workspace", str(root), "report", "--day", "1999-01-01", "--out", str(out))
    assert report.returncode == 3, report.stderr
    assert "nothing to assess" in report.stdout and not out.exists()
    assessed = cli("--workspace", str(root), "assess", "--day", "1999-01-01", "--json")
    assert assessed.returncode == 3, assessed.stderr
    data = json.loads(assessed.stdout)
    assert data["assessed"] is False and data["change_explanation"] == "nothing to assess" and data["band"] is None


def test_no_day_with_anything_to_assess_exits_3(cli: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "empty"
    assert cli("--workspace", str(root), "workspace", "init").returncode == 0
    report = cli("--workspace", str(root), "report")
    assert report.returncode == 3 and "nothing to assess" in report.stderr
    assert not (root / "reports").exists() or not any((root / "reports").iterdir())
