"""The dashboard in a real headless Chromium over the real server and the web tests' demo workspace.

Needs the Debian packages ``chromium`` and ``chromium-driver``; without them the test skips with one line
(a failure under ``AIRPICTURE_REQUIRE_BROWSER=1``, as CI sets; the pattern of tests/report/test_browser.py).
Headless Chromium has no GPU: WebGL runs in software (ANGLE on SwiftShader), which MapLibre accepts.
The map's sources are asked what they hold (``window.airpicture.counts()``), not screenshots compared;
the screenshot is kept as an artefact under pytest's tmp dir.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from airpicture.model.settings import WebSettings
from airpicture.web.app import create_app
from airpicture.web.auth import PARTS
from tests.report.test_browser import _browser
from tests.web.conftest import CLOCK, JULY_NIGHT
from tests.web.test_api import Server

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--use-gl=angle", "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--window-size=1200,800",
)  # fmt: skip
TRACK_JS = "const done = arguments[1]; window.airpicture.showTrack(arguments[0]).then(done, (e) => done(String(e)));"
COUNTS_JS = "const done = arguments[0]; window.airpicture.counts().then(done, (e) => done(String(e)));"


def _wait_ready(driver: Any, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not driver.execute_script("return !!(window.airpicture && window.airpicture.ready())"):
        error = driver.execute_script("return window.airpicture ? window.airpicture.error() : null")
        assert error is None, error
        assert time.monotonic() < deadline, "the map never became idle with its data"
        time.sleep(0.2)


def _api_counts(client: httpx.Client, at: str) -> dict[str, int]:
    picture = client.get("/api/v1/aircraft", params={"at": at}).json()
    placed = sum(1 for a in picture["aircraft"] if a["lat_deg"] is not None and a["lon_deg"] is not None)
    restrictions = client.get("/api/v1/restrictions", params={"at": at}).json()["features"]
    events, cursor = [], None
    while True:
        page = client.get("/api/v1/events", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
        events += page["events"]
        if not (cursor := page["next_cursor"]):
            break
    return {"aircraft": placed, "nopos": picture["total"] - placed, "restrictions": len(restrictions),
            "events": len(events), "eventsOnMap": sum(1 for e in events if e["geometry"])}  # fmt: skip


def test_dashboard_renders_the_july_night_offline(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    chromium, chromedriver = _browser()  # before the (expensive) workspace fixture: a skip costs nothing
    workspace, settings = request.getfixturevalue("web_workspace")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    settings = replace(settings, web=WebSettings(public=PARTS))  # events are not public by default
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with Server(create_app(workspace, settings, CLOCK)) as server, httpx.Client(base_url=server.url) as client:
        events = client.get("/api/v1/events", params={"type": "watchlist_presence", "day": str(JULY_NIGHT)}).json()
        a50 = events["events"][0]  # the A-50 over Belarus on the July night: halfway through its visit
        start, end = datetime.fromisoformat(a50["start"]), datetime.fromisoformat(a50["end"])
        until = start + (end - start) / 2
        at, icao24 = until.isoformat(), a50["subjects"][0]["icao24"]
        expected = _api_counts(client, at)
        military = client.get("/api/v1/aircraft", params={"at": at, "military": "true"}).json()["aircraft"]
        since = (until - timedelta(hours=2)).isoformat()
        tracks = client.get(f"/api/v1/tracks/{icao24}", params={"since": since, "points": "true"}).json()
        fixes = sum(1 for t in tracks for p in t["points"] if datetime.fromisoformat(p["ts"]) <= until)
        driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        try:
            driver.get(server.url + "/")
            _wait_ready(driver)
            assert driver.execute_script("return !!window.airpicture.map.painter.context.gl")  # WebGL, in software
            driver.execute_script("window.airpicture.setTime(arguments[0])", at)  # what the time input does
            _wait_ready(driver)
            counts = driver.execute_async_script(COUNTS_JS)
            shown = driver.execute_async_script(TRACK_JS, icao24)
            track_lines = driver.execute_async_script(COUNTS_JS)["track"]
            resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
            screenshot = tmp_path / "dashboard.png"
            driver.save_screenshot(str(screenshot))
            print(f"dashboard screenshot: {screenshot}")
            driver.execute_script("document.getElementById('military').click()")  # the military-only filter
            _wait_ready(driver)
            military_counts = driver.execute_async_script(COUNTS_JS)
            centre = driver.execute_script("return window.airpicture.map.getCenter().toArray()")
            driver.execute_script("document.querySelector('#events li').click()")  # pans to the first event
            time.sleep(1)  # easeTo lasts 500 ms
            panned = driver.execute_script("return window.airpicture.map.getCenter().toArray()")
            driver.set_window_size(400, 800)  # a phone: the map above, the lists below, nothing wider
            time.sleep(0.5)
            narrow = driver.execute_script(
                "const m = document.getElementById('map').getBoundingClientRect(),"
                " s = document.getElementById('side').getBoundingClientRect();"
                "return [m.width, m.height, s.top >= m.bottom - 1, document.documentElement.scrollWidth]"
            )
            console = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        finally:
            driver.quit()
    assert console == []
    origin = urlsplit(server.url).netloc
    assert resources and all(urlsplit(url).netloc == origin for url in resources), resources
    assert any("/api/v1/aircraft" in url for url in resources)
    assert shown == fixes > 1 and track_lines >= 1  # the trail: every fix of the last two hours, as lines
    assert counts.pop("track") == 0  # no trail before an aircraft is chosen
    assert counts.pop("borders") > 200  # the basemap (fetched by MapLibre's worker, so not in the page's list)
    assert counts == expected
    assert (
        military_counts["aircraft"] + military_counts["nopos"]
        == len(military)
        < expected["aircraft"] + expected["nopos"]
    )
    assert panned != centre
    assert 0 < narrow[0] <= 400 and narrow[1] > 200 and narrow[2] and narrow[3] <= 400, narrow
    assert expected["aircraft"] > 0 and expected["restrictions"] > 0 and expected["events"] > 0
