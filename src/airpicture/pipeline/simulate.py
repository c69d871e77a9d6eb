"""Wiring for ``airpicture simulate``: find the scenario (a path or a shipped name) and run it."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from airpicture.model.errors import ConfigError
from airpicture.reference import ReferenceData
from airpicture.simulate.engine import SimulationResult, simulate
from airpicture.simulate.parse import load_scenario
from airpicture.simulate.scenario import Scenario


def shipped_scenarios() -> dict[str, Path]:
    """Name → path of the scenarios shipped in the package."""
    folder = resources.files("airpicture.simulate") / "scenarios"
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".toml")}


def find_scenario(name_or_path: str) -> Path:
    """A scenario file: an existing path, or the name of a shipped scenario."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError("no such scenario file", where=str(path))
        return path
    shipped = shipped_scenarios()
    if name_or_path not in shipped:
        raise ConfigError("unknown scenario", where="scenario", found=name_or_path,
                          expected=f"a .toml file or one of {', '.join(sorted(shipped))}")  # fmt: skip
    return shipped[name_or_path]


def load(name_or_path: str, reference: ReferenceData | None = None) -> Scenario:
    return load_scenario(find_scenario(name_or_path), reference or ReferenceData())


def run_simulation(
    name_or_path: str,
    out_dir: Path,
    *,
    seed: int | None = None,
    last_nights: int | None = None,
    reference: ReferenceData | None = None,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Parse, check and simulate; nothing is written when the scenario is bad."""
    if last_nights is not None and last_nights < 1:
        raise ConfigError("--nights must be at least 1", where="--nights", found=str(last_nights))
    ref = reference or ReferenceData()
    scenario = load_scenario(find_scenario(name_or_path), ref)
    return simulate(scenario, out_dir, ref, seed=seed, last_nights=last_nights, progress=progress)
