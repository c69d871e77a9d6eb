"""The console script runs as a user runs it: a real subprocess."""

from __future__ import annotations

from airpicture import __version__
from tests.conftest import CliRunner


def test_version_prints_the_package_version(cli: CliRunner) -> None:
    result = cli("version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"airpicture {__version__}"
