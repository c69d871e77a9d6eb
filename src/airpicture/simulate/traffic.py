"""Generated flights: recurring military sorties and background civil traffic, one night at a time.

Each night draws from its own random stream (``seed``, night ordinal, pattern), so a night is the same
whether or not the nights before it are simulated.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np

from airpicture.geo import destination, haversine_km, initial_bearing_deg
from airpicture.simulate.scenario import (
    LIMITS,
    AircraftClass,
    Depart,
    Flight,
    Identity,
    Land,
    Orbit,
    RouteElement,
    SortiePattern,
    Start,
    Traffic,
    TrafficRoute,
    TransmitChange,
    TransmitMode,
    Waypoint,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
AIRFRAME_TURNAROUND = timedelta(hours=5)
"""Departures of one civil airframe in a night are at least this far apart (the flights never overlap)."""


def rng_for(seed: int, night: date, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, night.toordinal(), stream])


def sortie_count(pattern: SortiePattern, night: date) -> int:
    return pattern.nights.get(night, pattern.per_night)


def sorties(
    pattern: SortiePattern, index: int, night: date, window: tuple[datetime, datetime], seed: int
) -> list[Flight]:
    """The pattern's sorties of one night: depart, fly to the training area, circle, return, land."""
    rng = rng_for(seed, night, 1000 + index)
    start, end = window
    flights = []
    n = sortie_count(pattern, night)
    span = (end - start).total_seconds()
    busy_until: dict[int, datetime] = {}
    for k in range(n):
        identity, mode = pattern.aircraft[k % len(pattern.aircraft)]
        dur = rng.uniform(*pattern.duration_min) * 60
        depart = start + timedelta(seconds=float(rng.uniform(600, max(span - dur - 1800, 900))))
        # One airframe flies one sortie at a time: a reused aircraft departs after its last sortie landed.
        depart = max(depart, busy_until.get(identity.address, depart))
        alt = float(round(rng.uniform(*pattern.alt_ft), -2))
        gs = float(rng.uniform(*pattern.gs_kt))
        brg, dist = float(rng.uniform(0, 360)), float(rng.uniform(0, pattern.area_radius_km))
        lat, lon = destination(pattern.area_lat, pattern.area_lon, brg, dist)
        rw = pattern.runway
        out_lat, out_lon = destination(rw.threshold_lat, rw.threshold_lon, rw.heading_deg, 25.0)
        leg_km = float(haversine_km(rw.threshold_lat, rw.threshold_lon, lat, lon))
        transit_s = 2 * leg_km * 1000 / (gs * 0.5144) + 900
        heli = identity.kind is AircraftClass.HELICOPTER
        orbit_min = max(dur - transit_s, 300) / 60
        busy_until[identity.address] = depart + timedelta(seconds=transit_s + orbit_min * 60 + 1800)
        bank = math.radians(min(LIMITS[identity.kind].max_bank_deg * 0.8, 40.0))
        radius = max((gs * 0.5144) ** 2 / (9.81 * math.tan(bank)) / 1000 * 1.3, 2.0)
        route: list[RouteElement] = [
            Depart(rw, depart, pattern.where),
            Waypoint(
                float(out_lat), float(out_lon), min(alt, 6000.0 if not heli else 1500.0), gs * 0.8, None, pattern.where
            ),
            Orbit(
                "circle",
                float(lat),
                float(lon),
                0.0,
                2 * radius,
                0.0,
                alt,
                gs,
                orbit_min * 60,
                bool(rng.integers(2)),
                pattern.where,
            ),
            Land(rw, pattern.where),
        ]
        flights.append(
            Flight(
                identity=identity,
                route=tuple(route),
                transmit=(TransmitChange(EPOCH, mode),),
                spoof=(),
                night=night,
                label=f"{pattern.name} #{k + 1}",
                where=pattern.where,
            )
        )
    return flights


def _fleet(traffic: Traffic, airline: str, seed: int) -> list[int]:
    prefix, size = traffic.airlines[airline]
    rng = np.random.default_rng([seed, sum(airline.encode())])
    base = int(prefix.ljust(6, "0"), 16)
    span = 16 ** (6 - len(prefix))
    picks = rng.choice(span, size=min(size, span), replace=False)
    return [base + int(p) for p in picks]


@lru_cache(maxsize=256)
def _box_crossing(route: TrafficRoute, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Great-circle points (every 10 km) of the route: first and last inside the box, as (lat, lon, lat, lon)."""
    total = float(haversine_km(route.origin_lat, route.origin_lon, route.destination_lat, route.destination_lon))
    brg = float(initial_bearing_deg(route.origin_lat, route.origin_lon, route.destination_lat, route.destination_lon))
    steps = np.arange(0, total, 10.0)
    # march along the great circle by repeated short hops (bearing updated each time)
    lats, lons = [route.origin_lat], [route.origin_lon]
    for _ in steps[1:]:
        b = initial_bearing_deg(lats[-1], lons[-1], route.destination_lat, route.destination_lon)
        la, lo = destination(lats[-1], lons[-1], b, 10.0)
        lats.append(float(la))
        lons.append(float(lo))
    del brg
    lat, lon = np.array(lats), np.array(lons)
    south, west, north, east = box
    inside = (lat >= south) & (lat <= north) & (lon >= west) & (lon <= east)
    idx = np.flatnonzero(inside)
    if idx.size == 0:
        return (math.nan,) * 4  # type: ignore[return-value]
    return float(lat[idx[0]]), float(lon[idx[0]]), float(lat[idx[-1]]), float(lon[idx[-1]])


def civil(traffic: Traffic, night: date, window: tuple[datetime, datetime], seed: int) -> list[Flight]:
    """``traffic.per_night`` civil flights of one night on the scenario's routes (random direction)."""
    rng = rng_for(seed, night, 1)
    weights = np.array([r.weight for r in traffic.routes])
    start, end = window
    span = (end - start).total_seconds()
    flights = []
    busy: dict[int, list[datetime]] = {}
    for _ in range(traffic.per_night):
        route = traffic.routes[int(rng.choice(len(traffic.routes), p=weights / weights.sum()))]
        if rng.integers(2):
            route = TrafficRoute(
                route.destination, route.origin, route.destination_lat, route.destination_lon, route.origin_lat,
                route.origin_lon, route.destination_runway, route.origin_runway, route.airline, route.weight,
            )  # fmt: skip
        fleet = _fleet(traffic, route.airline, seed)
        pick = int(rng.integers(len(fleet)))
        number = int(rng.integers(100, 999))
        identity = Identity(
            address=fleet[pick], callsign=f"{route.airline}{number}", registration="", type="",
            role="airliner", kind=AircraftClass.AIRLINER, squawk=f"{int(rng.integers(1, 8))}{int(rng.integers(0, 8))}"
            f"{int(rng.integers(0, 8))}{int(rng.integers(0, 8))}",
        )  # fmt: skip
        cruise = float(rng.choice([32000, 34000, 36000, 38000]))
        gs = float(rng.uniform(420, 480))
        t = start + timedelta(seconds=float(rng.uniform(0, max(span - 3600, 600))))
        # One airframe flies one flight at a time: the next free aircraft of the fleet (no extra draws).
        free = [fleet[(pick + k) % len(fleet)] for k in range(len(fleet))]
        address = next((a for a in free if all(abs(t - b) >= AIRFRAME_TURNAROUND for b in busy.get(a, []))), free[0])
        busy.setdefault(address, []).append(t)
        identity = replace(identity, address=address)
        a_lat, a_lon, b_lat, b_lon = _box_crossing(route, traffic.box)
        if math.isnan(a_lat):
            continue
        elements: list[RouteElement] = []
        where = f"[traffic] {route.origin}-{route.destination}"
        if route.origin_runway is not None:
            elements.append(Depart(route.origin_runway, t, where))
            rw = route.origin_runway
            brg = float(initial_bearing_deg(rw.threshold_lat, rw.threshold_lon, b_lat, b_lon))
            la, lo = destination(rw.threshold_lat, rw.threshold_lon, brg, 60.0)
            elements.append(Waypoint(float(la), float(lo), 14000.0, 290.0, None, where))
            la, lo = destination(rw.threshold_lat, rw.threshold_lon, brg, 200.0)
            elements.append(Waypoint(float(la), float(lo), cruise, gs, None, where))
        else:
            elements.append(Start(a_lat, a_lon, cruise, gs, t, where))
        if route.destination_runway is not None:
            rw = route.destination_runway
            brg = float(initial_bearing_deg(rw.threshold_lat, rw.threshold_lon, a_lat, a_lon))
            la, lo = destination(rw.threshold_lat, rw.threshold_lon, brg, 220.0)
            elements.append(Waypoint(float(la), float(lo), cruise, gs, None, where))
            la, lo = destination(rw.threshold_lat, rw.threshold_lon, brg, 70.0)
            elements.append(Waypoint(float(la), float(lo), 9000.0, 280.0, None, where))
            elements.append(Land(rw, where))
        else:
            elements.append(Waypoint(b_lat, b_lon, cruise, gs, None, where))
        flights.append(
            Flight(
                identity=identity,
                route=tuple(elements),
                transmit=(TransmitChange(EPOCH, TransmitMode.ADSB),),
                spoof=(),
                night=night,
                label=f"{identity.callsign} {route.origin}-{route.destination}",
                where=where,
                background=True,
            )
        )
    return flights
