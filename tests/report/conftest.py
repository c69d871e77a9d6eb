"""A workspace built by the real pipeline from a short simulated scenario (session-scoped: built once).

The scenario is the shipped ``belarus-july-night`` cut to four nights: the earlier A-50 visit (4 April
2022) and 9-11 July, so the July night has both its "first time since" and a baseline. It is simulated
into the workspace inbox and taken in by ``run_all`` with a fixed clock and a fixed reporter key, so
every output is reproducible (golden files).
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.settings import load_settings
from airpicture.pipeline.run import RunSummary, run_all
from airpicture.pipeline.simulate import find_scenario, run_simulation
from airpicture.store import Workspace

CLOCK = FixedClock(datetime(2022, 7, 12, 9, 0, tzinfo=UTC))
JULY_NIGHT = date(2022, 7, 11)
QUIET_NIGHT = date(2022, 7, 10)
GOLDEN = Path(__file__).parent / "golden"


def short_scenario(target: Path) -> Path:
    text = find_scenario("belarus-july-night").read_text(encoding="utf-8")
    text, n = re.subn(
        r"^nights = \[.*\]$", 'nights = ["2022-04-04", "2022-07-05", "2022-07-09/2022-07-11"]', text, flags=re.M
    )
    assert n == 1
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, object, RunSummary]:
    base = tmp_path_factory.mktemp("assess")
    sim = base / "sim"
    run_simulation(str(short_scenario(base / "short.toml")), sim)
    root = base / "ws"
    workspace = Workspace.init(root)
    inbox = root / "inbox"
    (inbox / "adsb").mkdir(parents=True)
    (inbox / "notams").mkdir()
    (inbox / "reports").mkdir()
    for beast in [*sim.glob("*.beast"), *sim.glob("*.beast.start")]:
        shutil.copy2(beast, inbox / "adsb" / beast.name)  # with the .start sidecars that anchor the Beast clock
    shutil.copy2(sim / "simulated-notams.txt", inbox / "notams")
    shutil.copy2(sim / "simulated-reports.csv", inbox / "reports")
    key = base / "reporter.key"
    key.write_bytes(bytes(range(32)))
    settings = load_settings(None, {}, {"workspace": root, "reports.reporter_key_file": key})
    summary = run_all(workspace, settings, CLOCK, JULY_NIGHT)
    return workspace, settings, summary
