"""The HTML report in a real headless Chromium: no console errors, no request leaves the page.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (.ci/run installs them when missing).
Chromium's performance log lists every network request the page made; only the report's own file:// URL
is allowed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.report.conftest import JULY_NIGHT, QUIET_NIGHT
from tests.report.test_daily_report import _render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.mark.parametrize("day", [JULY_NIGHT, QUIET_NIGHT])
def test_report_opens_offline_without_errors(pipeline_run, tmp_path: Path, day) -> None:  # type: ignore[no-untyped-def]
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.fail("chromium and chromium-driver are required (apt-get install -y chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    _, rendered = _render(pipeline_run, day)
    page = tmp_path / "report.html"
    page.write_text(rendered.outputs["html"], encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
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
