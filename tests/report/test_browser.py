"""The HTML report in a real headless Chromium: no console errors, no request leaves the page.

Needs the Debian packages ``chromium`` and ``chromium-driver`` on ``PATH``. Without them the tests skip with
one line naming what to install, so ``pip install -e '.[dev]' && pytest`` passes on a fresh machine; with
``AIRPICTURE_REQUIRE_BROWSER=1`` (set by ``.ci/run``, which installs them) a missing browser is a failure, so
CI never passes with these tests skipped. Chromium's performance log lists every network request the page
made; only the report's own file:// URL is allowed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.report.conftest import JULY_NIGHT, QUIET_NIGHT
from tests.report.test_daily_report import _render

MISSING = "browser tests need Chromium: apt-get install chromium chromium-driver (Debian), then re-run pytest"
REQUIRE = "AIRPICTURE_REQUIRE_BROWSER"


def _browser() -> tuple[str, str]:
    """The paths of ``chromium`` and ``chromedriver`` on PATH; skip (or fail, when required) without them."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(f"{MISSING} ({REQUIRE}=1: CI must run the browser tests, not skip them)")
        pytest.skip(MISSING)
    return chromium, driver


@pytest.mark.parametrize("day", [JULY_NIGHT, QUIET_NIGHT])
def test_report_opens_offline_without_errors(request: pytest.FixtureRequest, tmp_path: Path, day) -> None:  # type: ignore[no-untyped-def]
    chromium, chromedriver = _browser()  # before the (expensive) pipeline fixture: a skip costs nothing
    pipeline_run = request.getfixturevalue("pipeline_run")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    _, rendered = _render(pipeline_run, day)
    page = tmp_path / "report.html"
    page.write_text(rendered.outputs["html"], encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        driver.get(page.as_uri())
        assert driver.title == rendered.document.title
        assert driver.execute_script("return document.querySelectorAll('svg').length") == 2
        console = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        requests = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
    finally:
        driver.quit()
    assert console == []
    assert requests and all(url == page.as_uri() for url in requests), requests


@pytest.mark.parametrize(("required", "outcome"), [(None, "2 skipped"), ("1", "2 failed")])
def test_missing_browser_skips_with_one_line_or_fails_when_required(tmp_path: Path, required, outcome) -> None:  # type: ignore[no-untyped-def]
    """A fresh machine (no chromium on PATH): one skip line naming the packages; under CI's variable, a failure."""
    env = {k: v for k, v in os.environ.items() if k != REQUIRE}
    env["PATH"] = str(tmp_path)  # an empty folder: no chromium, no chromedriver
    if required:
        env[REQUIRE] = required
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "test_report_opens",
         str(Path(__file__).relative_to(root))],
        capture_output=True, text=True, check=False, cwd=root, env=env, timeout=300,
    )  # fmt: skip
    assert outcome in done.stdout, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if MISSING in line]
    if required:
        assert done.returncode == 1 and lines, done.stdout
    else:
        assert done.returncode == 0
        assert len(lines) == 1 and lines[0].startswith("SKIPPED [2]"), done.stdout
