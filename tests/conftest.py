"""Shared fixtures: a real CLI in a subprocess, a fresh workspace, the repository's test data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Tests never assert wall-clock time (CONTRIBUTING rule): hypothesis's per-example deadline is one, and it
# failed on a loaded 2-core machine (277 ms against 200 ms). Examples are bounded by max_examples instead.
settings.register_profile("airpicture", deadline=None)
settings.load_profile("airpicture")

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files (decoder, detectors, reports) from the current output instead of comparing",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Golden tests read AIRPICTURE_UPDATE_GOLDEN; the option sets it before any test module is imported.
    if config.getoption("--update-golden"):
        os.environ["AIRPICTURE_UPDATE_GOLDEN"] = "1"


@pytest.fixture(autouse=True, scope="session")
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A HOME of the test session's own: defaults under ``~`` (the reporter key, ``~/.config/airpicture``) are
    created there, never in the home of whoever runs the tests. The CLI fixture's subprocesses inherit it."""
    home = tmp_path_factory.mktemp("home")
    previous = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("HOME", None)
    else:
        os.environ["HOME"] = previous


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    """A path for a workspace that does not exist yet."""
    return tmp_path / "ws"


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    """Run ``airpicture ARGS…`` as a user would, in a subprocess, from this checkout's ``src``.

    The environment is cleaned of ``AIRPICTURE_*`` variables; pass ``env={...}`` to add some and
    ``input=`` for standard input. Returns the completed process (text mode).
    """

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 300):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("AIRPICTURE_")}
        clean["PYTHONPATH"] = str(REPO / "src")
        clean["COLUMNS"] = "200"
        clean.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "airpicture", *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env=clean,
            cwd=tmp_path,
            input=input,
        )

    return run
