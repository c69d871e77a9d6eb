"""Ground truth: the events a perfect set of detectors would find in the scenario (docs/formats/truth.md).

Event types match the detectors' (``airspace_entry``, ``airspace_exit``, ``orbit``, ``border_proximity``,
``takeoff``, ``landing``, ``going_dark``, ``gnss_interference``, ``position_spoofing``,
``restriction_appeared``, ``activity_surge``). Truth is what *happened*, not what the receivers heard: an
entry far outside coverage is still an entry (the evaluation shows the recall this costs).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import shapely

from airpicture.geo import to_local_km
from airpicture.model.region import Region
from airpicture.reference import ReferenceData
from airpicture.simulate.kinematics import Trajectory
from airpicture.simulate.radio import mode_at
from airpicture.simulate.scenario import Flight, Jamming, Notam, Scenario, TransmitMode

EVENT_TYPES = sorted([
    "takeoff", "landing", "airspace_entry", "airspace_exit", "orbit", "border_proximity", "going_dark",
    "position_spoofing", "gnss_interference", "restriction_appeared", "activity_surge",
])  # fmt: skip
"""Every event type the truth can hold: the evaluation scores these (and only these) detector types."""

PROXIMITY_KM = 50.0
"""Same default as the border proximity detector (``BorderProximityDetector.within_km``)."""
SUBSAMPLE_S = 10


def iso(t: float | datetime) -> str:
    value = t if isinstance(t, datetime) else datetime.fromtimestamp(round(float(t), 3), tz=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _subject(flight: Flight) -> dict[str, Any]:
    ident = flight.identity
    return {
        "icao24": ident.icao24,
        "callsign": ident.callsign or None,
        "registration": ident.registration or None,
        "aircraft_type": ident.type or None,
        "role": ident.role or None,
        "of_interest": ident.of_interest,
        "flight": flight.label,
    }


def _event(event_type: str, start: float | datetime, end: float | datetime, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "start": iso(start), "end": iso(end), **fields}


def flight_events(flight: Flight, traj: Trajectory, region: Region, reference: ReferenceData) -> list[dict[str, Any]]:
    """Take-off, landing, border crossings, orbits, border proximity and going dark of one flight."""
    events: list[dict[str, Any]] = []
    subject = _subject(flight)
    marks = traj.marks
    for kind, at in (("takeoff", marks.takeoff_s), ("landing", marks.landing_s)):
        if at is None:
            continue
        state = traj.at(np.array([at]))
        runway = flight.route[0].runway if kind == "takeoff" else flight.route[-1].runway  # type: ignore[union-attr]
        events.append(_event(kind, at, at, **subject, lat=round(float(state["lat"][0]), 5),
                             lon=round(float(state["lon"][0]), 5), airfield=runway.airfield,
                             airfield_name=runway.airfield_name))  # fmt: skip
    # border crossings of the watched country (subsampled, refined to the second)
    step = slice(None, None, SUBSAMPLE_S)
    countries = reference.countries_at(traj.lat[step], traj.lon[step])
    watched = region.watched_country
    inside = countries == watched
    for k in (int(i) for i in np.flatnonzero(inside[1:] != inside[:-1])):
        a, b = k * SUBSAMPLE_S, min((k + 1) * SUBSAMPLE_S, len(traj.t_s) - 1)
        fine = reference.countries_at(traj.lat[a : b + 1], traj.lon[a : b + 1]) == watched
        j = int(np.flatnonzero(fine[1:] != fine[:-1])[0]) if (fine[1:] != fine[:-1]).any() else 0
        at = float(traj.t_s[a + j]) + 0.5
        entering = bool(fine[j + 1])
        other = countries[k + 1] if entering else countries[k]
        state = traj.at(np.array([at]))
        events.append(_event("airspace_entry" if entering else "airspace_exit", at, at, **subject,
                             lat=round(float(state["lat"][0]), 5), lon=round(float(state["lon"][0]), 5),
                             alt_ft=round(float(state["alt_ft"][0])),
                             from_country=str(other) if entering else watched,
                             to_country=watched if entering else str(other)))  # fmt: skip
    for start, end, orbit in marks.orbits:
        events.append(_event("orbit", start, end, **subject, lat=orbit.centre_lat, lon=orbit.centre_lon,
                             shape=orbit.shape, leg_km=orbit.leg_km, width_km=orbit.width_km,
                             leg_heading_deg=orbit.heading_deg % 180,
                             duration_min=round((end - start) / 60, 1)))  # fmt: skip
    # On the watch-list: scripted as such, or a generated address that happens to be in the reference list.
    if flight.identity.of_interest or reference.aircraft(flight.identity.icao24) is not None:
        subject["of_interest"] = True
        events.extend(_proximity(flight, traj, region, reference, subject))
    for change in flight.transmit[1:]:
        t = change.at.timestamp()
        if change.mode is TransmitMode.ADSB or not traj.t_s[0] <= t <= traj.t_s[-1]:
            continue
        before = mode_at(flight, np.array([t - 1.0]))[0]
        if list(TransmitMode)[before] is not TransmitMode.ADSB:
            continue
        state = traj.at(np.array([t]))
        country = reference.countries_at(state["lat"], state["lon"])[0]
        events.append(_event("going_dark", t, t, **subject, lat=round(float(state["lat"][0]), 5),
                             lon=round(float(state["lon"][0]), 5), to_mode=change.mode.value,
                             country=str(country) or None))  # fmt: skip
    for spoof in flight.spoof:
        events.append(_event("position_spoofing", spoof.start, spoof.end, **subject, kind=spoof.kind.value,
                             offset_east_km=spoof.offset_east_km, offset_north_km=spoof.offset_north_km))  # fmt: skip
    return events


def _proximity(
    flight: Flight, traj: Trajectory, region: Region, reference: ReferenceData, subject: dict[str, Any]
) -> list[dict[str, Any]]:
    out = []
    lat, lon, t = traj.lat[::SUBSAMPLE_S], traj.lon[::SUBSAMPLE_S], traj.t_s[::SUBSAMPLE_S]
    lat0, lon0 = float(np.mean(lat)), float(np.mean(lon))
    for a, b in region.border_segments:
        line = reference.border(a, b)
        coords = shapely.get_coordinates(line)
        lx, ly = to_local_km(coords[:, 1], coords[:, 0], lat0, lon0)
        parts = shapely.get_parts(line)
        sizes = [len(shapely.get_coordinates(p)) for p in parts]
        lines = []
        offset = 0
        for size in sizes:
            lines.append(shapely.LineString(np.column_stack([lx[offset : offset + size], ly[offset : offset + size]])))
            offset += size
        local = shapely.MultiLineString(lines)
        x, y = to_local_km(lat, lon, lat0, lon0)
        dist = shapely.distance(shapely.points(x, y), local)
        near = dist <= PROXIMITY_KM
        edges = np.flatnonzero(np.diff(np.r_[0, near.astype(np.int8), 0]))
        for s, e in zip(edges[::2], edges[1::2] - 1, strict=True):
            if t[e] - t[s] < 60:
                continue
            closest = int(s + np.argmin(dist[s : e + 1]))
            out.append(_event("border_proximity", float(t[s]), float(t[e]), **subject, border=f"{a}-{b}",
                              within_km=PROXIMITY_KM, min_dist_km=round(float(dist[closest]), 1),
                              lat=round(float(lat[closest]), 5), lon=round(float(lon[closest]), 5)))  # fmt: skip
    return out


def jamming_event(j: Jamming, affected: int, span_s: tuple[float, float] | None = None) -> dict[str, Any]:
    """The jamming window as scripted, and (``affected_start``/``affected_end``) the part of it in which some
    aircraft flew through the area — all a detector can see: interference nobody flies through is silent."""
    extra: dict[str, Any] = {}
    if span_s is not None:
        extra["affected_start"], extra["affected_end"] = iso(span_s[0]), iso(span_s[1])
    return _event("gnss_interference", j.start, j.end, name=j.name, lat=j.lat, lon=j.lon, radius_km=j.radius_km,
                  aircraft_affected=affected, **extra)  # fmt: skip


def notam_event(n: Notam) -> dict[str, Any]:
    ring = [[lon, lat] for lat, lon in n.polygon]
    ring.append(ring[0])
    centre = shapely.Polygon(ring).centroid
    return _event("restriction_appeared", n.start, n.end, notam_id=n.id, issued=iso(n.issued), qcode=n.qcode,
                  lat=round(centre.y, 5), lon=round(centre.x, 5),
                  geometry={"type": "Polygon", "coordinates": [ring]})  # fmt: skip


def surge_event(scenario: Scenario, night: date, window: tuple[datetime, datetime], movements: int,
                baseline: float) -> dict[str, Any]:  # fmt: skip
    return _event("activity_surge", window[0], window[1], night=night.isoformat(), region=scenario.region,
                  military_movements=movements, baseline_median=baseline)  # fmt: skip
