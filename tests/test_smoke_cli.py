"""The console script runs as a user runs it: a real subprocess."""

from __future__ import annotations

import subprocess
import sys

from airpicture import __version__


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airpicture", *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_version_prints_the_package_version() -> None:
    result = run("version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"airpicture {__version__}"
