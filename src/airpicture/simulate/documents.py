"""The text outputs: ICAO NOTAMs, observer reports (CSV) and OpenSky-style state vectors (CSV).

NOTAM layout (ICAO Doc 8126; an AFTN filing-time line before and a ``CREATED:`` footer after, both of
which NOTAM parsers strip)::

    (A0412/22 NOTAMN
    Q) UMMV/QRTCA/IV/BO/W/000/999/5200N02830E054
    A) UMMV B) 2207111500 C) 2207120400
    E) TEMPO RESTRICTED AREA ACTIVATED WI AREA: 514800N0270000E-...-514800N0270000E.
    F) SFC G) UNL)
    CREATED: 11 Jul 2022 14:42:00 SOURCE: UMMVYNYX
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime

import numpy as np

from airpicture.geo import haversine_km
from airpicture.simulate.scenario import Notam, Observer, Report


def _dms(value: float, lat: bool) -> str:
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    total = round(abs(value) * 3600)
    d, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{d:02d}{m:02d}{s:02d}{hemi}" if lat else f"{d:03d}{m:02d}{s:02d}{hemi}"


def _dm(value: float, lat: bool) -> str:
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    total = round(abs(value) * 60)
    d, m = divmod(total, 60)
    return f"{d:02d}{m:02d}{hemi}" if lat else f"{d:03d}{m:02d}{hemi}"


def notam_text(n: Notam) -> str:
    """One ICAO NOTAM with its envelope line and footer."""
    lats = np.array([p[0] for p in n.polygon])
    lons = np.array([p[1] for p in n.polygon])
    c_lat, c_lon = float(lats.mean()), float(lons.mean())
    radius_nm = math.ceil(float(haversine_km(lats, lons, c_lat, c_lon).max()) / 1.852) + 1
    ring = [f"{_dms(lat, True)}{_dms(lon, False)}" for lat, lon in n.polygon]
    ring.append(ring[0])
    geo = f"{_dm(c_lat, True)}{_dm(c_lon, False)}{radius_nm:03d}"
    q = f"{n.fir}/{n.qcode}/IV/BO/W/{n.lower_fl:03d}/{n.upper_fl:03d}/{geo}"
    lines = [
        f"{n.issued:%d%H%M} {n.fir}YNYX",
        f"({n.id} NOTAMN",
        f"Q) {q}",
        f"A) {n.locations} B) {n.start:%y%m%d%H%M} C) {n.end:%y%m%d%H%M}",
    ]
    if n.schedule:
        lines.append(f"D) {n.schedule}")
    lines.append(f"E) {n.text} {'-'.join(ring)}.")
    lines.append(f"F) {n.lower} G) {n.upper})")
    lines.append(f"CREATED: {n.issued:%d %b %Y %H:%M:%S} SOURCE: {n.fir}YNYX")
    return "\n".join(lines) + "\n"


def notams_file(notams: list[Notam]) -> str:
    header = "# SIMULATED NOTAMs written by airpicture simulate: not real aeronautical information.\n\n"
    return header + "\n".join(notam_text(n) for n in sorted(notams, key=lambda n: (n.issued, n.id)))


REPORT_COLUMNS = ("time", "lat", "lon", "place", "category", "text", "reporter_token", "how_known")
"""The columns of the observer-report export ``airpicture reports import`` reads (docs/formats/reports.md):
what a chat bot or web form exports. Nothing else about the fictional observer is written (their
reliability and the report ids live in truth.json), exactly as a real export carries no identity."""


def reports_csv(reports: list[Report], observers: tuple[Observer, ...]) -> str:
    """Observer reports, one row each, in the order they were sent (docs/formats/scenario.md)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for r in sorted(reports, key=lambda r: (r.reported_at, r.id)):
        how = "second-hand" if r.truth.value == "echo" else "direct"
        writer.writerow([
            _iso(r.observed_at), f"{r.lat:.4f}", f"{r.lon:.4f}", r.place, r.category, r.text,
            f"simulated-{r.observer}", how,
        ])  # fmt: skip
    return out.getvalue()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


OPENSKY_COLUMNS = (
    "time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,"
    "lastposupdate,lastcontact"
)
