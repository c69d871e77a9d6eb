"""Going dark: silence where others are heard fires; a frozen (spoofed) position before the silence does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from airpicture.detect.dark import GoingDarkDetector
from airpicture.detect.framework import DetectionContext, detect_partition
from airpicture.geo import destination
from airpicture.testing import make_track

START = datetime(2022, 7, 11, 19, 0, tzinfo=UTC)


def straight(icao24: str, lat: float, lon: float, bearing: float, minutes: int, start: datetime) -> pa.Table:
    lats, lons = destination(lat, lon, bearing, np.linspace(0, minutes * 11.0, minutes * 6 + 1))
    points = [
        (start + timedelta(seconds=10 * i), float(a), float(b), 20000.0)
        for i, (a, b) in enumerate(zip(lats, lons, strict=True))
    ]
    return make_track(icao24, points)


def scene(frozen_tail: bool) -> pa.Table:
    # The Il-76 of the watch-list flies south over central Belarus for 15 min, then is heard no more; an
    # airliner flies the same way 20 min later and on, so receivers evidently hear aircraft there.
    il76 = straight("510081", 53.4, 28.2, 180.0, 15, START)
    if frozen_tail:
        lat, lon = il76["lat_deg"].to_numpy().copy(), il76["lon_deg"].to_numpy().copy()
        lat[-24:], lon[-24:] = lat[-25], lon[-25]  # the last 4 minutes: the reported position stands still
        il76 = il76.set_column(il76.schema.get_field_index("lat_deg"), il76.schema.field("lat_deg"), pa.array(lat))
        il76 = il76.set_column(il76.schema.get_field_index("lon_deg"), il76.schema.field("lon_deg"), pa.array(lon))
    other = straight("4b1901", 53.5, 28.25, 180.0, 40, START + timedelta(minutes=20))
    return pa.concat_tables([il76, other])


def test_silence_inside_coverage_is_going_dark(belarus_context: DetectionContext) -> None:
    events = detect_partition(scene(frozen_tail=False), belarus_context, [GoingDarkDetector()]).events
    dark = [e for e in events if e.type == "going_dark"]
    assert [e.subjects[0].icao24 for e in dark] == ["510081"]
    assert dark[0].start == START + timedelta(minutes=15)


def test_a_frozen_position_before_the_silence_is_spoofing_not_going_dark(belarus_context: DetectionContext) -> None:
    events = detect_partition(scene(frozen_tail=True), belarus_context, [GoingDarkDetector()]).events
    assert [e for e in events if e.type == "going_dark"] == []
