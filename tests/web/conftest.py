"""The web tests' workspace: the real pipeline over the shipped July-night scenario cut to three nights
(4 April, the earlier A-50 visit; 5 July; 11 July).

Session-scoped (built once, ~20 s): the scenario ``belarus-july-night`` is simulated for those nights,
taken in by ``run_all`` with a fixed clock and reporter key, exactly as ``tests/report/conftest.py`` does
for four. It holds the A-50's entry and orbit, the new restriction along the border, observer
reports and claims, a judgment and the daily report: every endpoint has something to answer.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings, load_settings
from airpicture.pipeline.run import run_all
from airpicture.pipeline.simulate import find_scenario, run_simulation
from airpicture.store import Workspace

CLOCK = FixedClock(datetime(2022, 7, 12, 9, 0, tzinfo=UTC))
JULY_NIGHT = date(2022, 7, 11)


def build_workspace(base: Path) -> tuple[Workspace, Settings]:
    text = find_scenario("belarus-july-night").read_text(encoding="utf-8")
    text, n = re.subn(r"^nights = \[.*\]$", 'nights = ["2022-04-04", "2022-07-05", "2022-07-11"]', text, flags=re.M)
    assert n == 1
    scenario = base / "one-night.toml"
    scenario.write_text(text, encoding="utf-8")
    sim = base / "sim"
    run_simulation(str(scenario), sim)
    root = base / "ws"
    workspace = Workspace.init(root)
    inbox = root / "inbox"
    (inbox / "adsb").mkdir(parents=True)
    (inbox / "notams").mkdir()
    (inbox / "reports").mkdir()
    for beast in [*sim.glob("*.beast"), *sim.glob("*.beast.start")]:
        shutil.copy2(beast, inbox / "adsb" / beast.name)
    shutil.copy2(sim / "simulated-notams.txt", inbox / "notams")
    shutil.copy2(sim / "simulated-reports.csv", inbox / "reports")
    key = base / "reporter.key"
    key.write_bytes(bytes(range(32)))
    settings = load_settings(None, {}, {"workspace": root, "reports.reporter_key_file": key})
    run_all(workspace, settings, CLOCK, JULY_NIGHT)
    return workspace, settings


@pytest.fixture(scope="session")
def web_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Settings]]:
    yield build_workspace(tmp_path_factory.mktemp("web"))
