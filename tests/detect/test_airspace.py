"""Airspace entry/exit on the real Natural Earth borders."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.detect.airspace import AirspaceCrossingDetector
from airpicture.detect.framework import DetectionContext
from airpicture.geo import destination, haversine_km, initial_bearing_deg
from airpicture.model.schemas import PositionFlag
from airpicture.reference import ReferenceData
from airpicture.testing import make_track

START = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)
SMOLENSK_SIDE = (54.75, 32.4)  # Russia, east of the Belarusian border
MAZYR_AREA = (52.1, 29.3)  # Belarus


def great_circle_track(
    icao24: str, a: tuple[float, float], b: tuple[float, float], speed_kmh: float = 650.0
) -> pa.Table:
    """One fix per second along the great circle a -> b."""
    total_km = float(haversine_km(*a, *b))
    bearing = float(initial_bearing_deg(*a, *b))
    seconds = int(total_km / speed_kmh * 3600)
    lats, lons = destination(a[0], a[1], bearing, np.linspace(0, total_km, seconds + 1))
    points = [
        (START + timedelta(seconds=i), float(la), float(lo), 30000.0)
        for i, (la, lo) in enumerate(zip(lats, lons, strict=True))
    ]
    return make_track(icao24, points, callsign="RFF6616")


def crossing_time_by_bisection(track: pa.Table, reference: ReferenceData, country: str) -> datetime:
    """The independent check: the first second at which the track is inside ``country``, refined by bisection
    of the straight segment between the last fix outside and the first fix inside."""
    lats, lons = track["lat_deg"].to_numpy(), track["lon_deg"].to_numpy()
    inside = np.array([reference.country_at(la, lo) == country for la, lo in zip(lats, lons, strict=True)])
    k = int(np.argmax(inside))
    lo_f, hi_f = 0.0, 1.0
    for _ in range(40):
        mid = (lo_f + hi_f) / 2
        point = (lats[k - 1] + mid * (lats[k] - lats[k - 1]), lons[k - 1] + mid * (lons[k] - lons[k - 1]))
        if reference.country_at(*point) == country:
            hi_f = mid
        else:
            lo_f = mid
    times = pc.cast(track["ts"], pa.int64()).to_numpy()
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        microseconds=float(times[k - 1] + hi_f * (times[k] - times[k - 1]))
    )


def test_a50_entry_from_russia_is_interpolated(belarus_context: DetectionContext, reference: ReferenceData) -> None:
    track = great_circle_track("14c5a9", SMOLENSK_SIDE, MAZYR_AREA)
    events = AirspaceCrossingDetector().detect(track, belarus_context).events
    entries = [e for e in events if e.type == "airspace_entry"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.attributes["from_country"] == "RU" and entry.attributes["to_country"] == "BY"
    expected = crossing_time_by_bisection(track, reference, "BY")
    assert abs((entry.start - expected).total_seconds()) < 0.5
    subject = entry.subjects[0]
    assert (subject.icao24, subject.registration, subject.role, subject.country_of_address) == (
        "14c5a9",
        "RF-50601",
        "AEW&C",
        "RU",
    )
    assert subject.callsign == "RFF6616"
    assert len(entry.evidence) == 2 and entry.evidence[0].source_offset + 1 == entry.evidence[1].source_offset


def test_exit_and_track_ends(belarus_context: DetectionContext) -> None:
    track = great_circle_track("510123", (53.9, 27.6), (51.0, 30.9))  # Minsk area into Ukraine
    events = AirspaceCrossingDetector().detect(track, belarus_context).events
    kinds = sorted(e.type for e in events)
    assert kinds == ["airspace_exit", "track_start_inside"]
    exit_ = next(e for e in events if e.type == "airspace_exit")
    assert exit_.attributes["to_country"] == "UA"


def test_spoofed_positions_never_make_a_crossing(belarus_context: DetectionContext) -> None:
    track = great_circle_track("4b1901", (53.0, 28.0), (52.6, 28.6))  # stays inside Belarus
    flags = track["flags"].to_numpy().copy()
    lats, lons = track["lat_deg"].to_numpy().copy(), track["lon_deg"].to_numpy().copy()
    # A burst of spoofed fixes placed in Ukraine (as GNSS spoofing does), flagged by the decoder.
    burst = slice(100, 130)
    lats[burst], lons[burst] = 50.45, 30.52
    flags[burst] |= int(PositionFlag.POSITION_JUMP)
    spoofed = track.set_column(track.schema.get_field_index("flags"), "flags", pa.array(flags, pa.uint16()))
    spoofed = spoofed.set_column(spoofed.schema.get_field_index("lat_deg"), "lat_deg", pa.array(lats))
    spoofed = spoofed.set_column(spoofed.schema.get_field_index("lon_deg"), "lon_deg", pa.array(lons))
    events = AirspaceCrossingDetector().detect(spoofed, belarus_context).events
    assert not [e for e in events if e.type in ("airspace_entry", "airspace_exit")]
    unverified = [e for e in events if e.type == "unverified_crossing"]
    assert len(unverified) == 1  # one burst: out to Ukraine and back
    assert unverified[0].attributes["transitions"] == 2
    assert unverified[0].attributes["countries"] == ["BY", "UA"]
    assert unverified[0].attributes["reasons"] == ["position_jump"]
    assert "integrity_degraded" in unverified[0].flags


# -- hysteresis (issue 12 item 4: a border wobble counted twice) ---------------------------------------------


def _along_border(
    belarus_context: DetectionContext, offsets_km: list[float], icao24: str = "14c5a9", speed_kms: float = 0.18
) -> pa.Table:
    """A track that moves along the Smolensk–Mazyr line through the offsets (km from where that line crosses
    into Belarus; negative: still in Russia), one fix per second at ``speed_kms``."""
    entry = next(
        e
        for e in AirspaceCrossingDetector()
        .detect(great_circle_track(icao24, SMOLENSK_SIDE, MAZYR_AREA), belarus_context)
        .events
        if e.type == "airspace_entry"
    )
    lon0, lat0 = json.loads(entry.geometry or "")["coordinates"]
    bearing = float(initial_bearing_deg(*SMOLENSK_SIDE, *MAZYR_AREA))
    along: list[float] = []
    for a, b in itertools.pairwise(offsets_km):
        n = max(2, int(abs(b - a) / speed_kms))
        along.extend(np.linspace(a, b, n, endpoint=False).tolist())
    along.append(offsets_km[-1])
    lats, lons = destination(lat0, lon0, bearing, np.array(along))
    points = [
        (START + timedelta(seconds=k), float(la), float(lo), 30000.0)
        for k, (la, lo) in enumerate(zip(lats, lons, strict=True))
    ]
    return make_track(icao24, points, callsign="RFF6616")


def test_a_wobble_out_and_back_is_not_a_second_entry(belarus_context: DetectionContext) -> None:
    # in at 0 km, 10 km inside, back 1 km into Russia (~20 s out), then deep into Belarus: one entry
    track = _along_border(belarus_context, [-20.0, 10.0, -1.0, 40.0])
    events = AirspaceCrossingDetector().detect(track, belarus_context).events
    kinds = sorted(e.type for e in events if e.type != "track_end_inside")
    assert kinds == ["airspace_entry", "border_excursion"]
    excursion = next(e for e in events if e.type == "border_excursion")
    assert excursion.attributes["crossings"] == 2 and excursion.attributes["to_country"] == "RU"
    assert excursion.detector_version == AirspaceCrossingDetector.version == 4


def test_a_graze_into_the_country_is_one_excursion_not_an_entry(belarus_context: DetectionContext) -> None:
    track = _along_border(belarus_context, [-20.0, 1.0, -20.0])
    events = AirspaceCrossingDetector().detect(track, belarus_context).events
    assert [e.type for e in events] == ["border_excursion"]
    assert events[0].attributes["to_country"] == "BY"


def test_a_chain_of_three_grazes_is_its_net_crossing_once(belarus_context: DetectionContext) -> None:
    track = _along_border(belarus_context, [-20.0, 1.0, -1.0, 40.0])
    events = [
        e for e in AirspaceCrossingDetector().detect(track, belarus_context).events if e.type != "track_end_inside"
    ]
    assert [e.type for e in events] == ["airspace_entry"]
    assert events[0].attributes["crossings"] == 3


def test_a_real_exit_and_return_stays_two_crossings(belarus_context: DetectionContext) -> None:
    # 20 km out into Russia and back: beyond rejoin_km of the border, so a real exit and a second entry
    track = _along_border(belarus_context, [-20.0, 10.0, -20.0, 40.0])
    events = AirspaceCrossingDetector().detect(track, belarus_context).events
    kinds = [e.type for e in events if e.type.startswith("airspace_")]
    assert kinds == ["airspace_entry", "airspace_exit", "airspace_entry"]
    # and with the hysteresis switched off, the wobble of the first test is two crossings again
    wobble = _along_border(belarus_context, [-20.0, 10.0, -1.0, 40.0])
    plain = AirspaceCrossingDetector(rejoin_s=0).detect(wobble, belarus_context).events
    assert [e.type for e in plain if e.type.startswith("airspace_")] == [
        "airspace_entry",
        "airspace_exit",
        "airspace_entry",
    ]
