"""Transmissions and receptions: what each aircraft sends and what each receiver hears, as columns.

Transmissions per flight (rates from ``MessageRates``; each kind starts at a random phase and jitters by
±10 % of its interval): DF17 airborne position (even/odd alternating; TC 11 = NIC 8, TC 18 = NIC 0 under
jamming), velocity, identification and operational status (NACp 9, 0 under jamming) in ADS-B mode; DF11
all-call squitters, DF4 altitude, DF5 identity and DF21 Comm-B identification replies in ADS-B and
Mode-S modes; nothing when silent. Airborne ADS-B stops on the ground (surface positions are not sent:
receivers rarely see the ground at military fields, see docs/scenarios.md).

A receiver hears a transmission when the aircraft is within ``range_km`` and above its radio horizon
(4/3-earth: ``4.12·(√h_rx + √h_ac)`` km, heights in m above a 150 m terrain datum), the receiver is up, and
a draw succeeds with probability ``0.95 − 0.6·(d / range)²``. It hears it ``slant / c`` later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airpicture.decode.modes.encode import callsign_bits, squawk_code
from airpicture.geo import haversine_km
from airpicture.simulate import frames as fr
from airpicture.simulate.kinematics import Trajectory
from airpicture.simulate.scenario import Flight, Jamming, MessageRates, Receiver, SpoofKind, TransmitMode

F64 = npt.NDArray[np.float64]
C_KM_S = 299_792.458
TERRAIN_M = 150.0
NIC_TC_NORMAL = 11
NIC_TC_JAMMED = 18
NACP_NORMAL = 9


@dataclass(frozen=True, slots=True)
class Transmissions:
    """Every frame one flight sends: time (UTC s), frame matrix, long flag, true position and altitude."""

    t_s: F64
    frames: npt.NDArray[np.uint8]
    long: npt.NDArray[np.bool_]
    lat: F64
    lon: F64
    alt_ft: F64
    is_position: npt.NDArray[np.bool_]
    reported_lat: F64
    reported_lon: F64


def mode_at(flight: Flight, t: F64) -> npt.NDArray[np.int64]:
    """Index into ``list(TransmitMode)`` of the transmitter mode at each time."""
    modes = list(TransmitMode)
    starts = np.array([c.at.timestamp() for c in flight.transmit])
    codes = np.array([modes.index(c.mode) for c in flight.transmit])
    k = np.searchsorted(starts, t, side="right") - 1
    return np.where(k >= 0, codes[np.clip(k, 0, None)], modes.index(TransmitMode.ADSB))


def jammed(lat: F64, lon: F64, t: F64, jamming: tuple[Jamming, ...]) -> npt.NDArray[np.bool_]:
    out = np.zeros(lat.shape, dtype=bool)
    for j in jamming:
        active = (t >= j.start.timestamp()) & (t < j.end.timestamp())
        if active.any():
            out |= active & (haversine_km(lat, lon, j.lat, j.lon) <= j.radius_km)
    return out


def reported_positions(flight: Flight, traj: Trajectory, t: F64, lat: F64, lon: F64) -> tuple[F64, F64]:
    """What the transponder reports: the true position, or frozen/offset inside spoofing windows."""
    lat, lon = lat.copy(), lon.copy()
    for spoof in flight.spoof:
        a, b = spoof.start.timestamp(), spoof.end.timestamp()
        inside = (t >= a) & (t < b)
        if not inside.any():
            continue
        if spoof.kind is SpoofKind.FROZEN:
            at = traj.at(np.array([a]))
            lat[inside], lon[inside] = at["lat"][0], at["lon"][0]
        else:
            lat[inside] += spoof.offset_north_km / 111.195
            lon[inside] += spoof.offset_east_km / (111.195 * np.cos(np.radians(lat[inside])))
    return lat, lon


def _times(rng: np.random.Generator, t0: float, t1: float, hz: float) -> F64:
    if hz <= 0 or t1 <= t0:
        return np.zeros(0)
    step = 1.0 / hz
    t = t0 + rng.uniform(0, step) + np.arange(0, t1 - t0, step)
    t = t + rng.uniform(-0.1 * step, 0.1 * step, t.size)
    return np.sort(t[(t >= t0) & (t < t1)])


def transmissions(
    flight: Flight, traj: Trajectory, rates: MessageRates, jamming: tuple[Jamming, ...], rng: np.random.Generator
) -> Transmissions:
    """All frames of one flight, in time order."""
    t0, t1 = float(traj.t_s[0]), float(traj.t_s[-1])
    ident = flight.identity
    squawk = squawk_code(ident.squawk)
    callsign = callsign_bits(ident.callsign)
    parts: list[tuple[F64, npt.NDArray[np.uint8], bool, bool, F64, F64]] = []
    adsb = list(TransmitMode).index(TransmitMode.ADSB)
    silent = list(TransmitMode).index(TransmitMode.SILENT)

    def kind(hz: float, es: bool) -> tuple[F64, dict[str, F64]] | None:
        t = _times(rng, t0, t1, hz)
        mode = mode_at(flight, t)
        state = traj.at(t)
        keep = (mode == adsb) & ~state["on_ground"] if es else mode != silent
        if not keep.any():
            return None
        return t[keep], {k: v[keep] for k, v in state.items()}

    got = kind(rates.position_hz, True)
    if got:
        t, s = got
        address = np.full(t.size, ident.address, dtype=np.int64)
        lat, lon = reported_positions(flight, traj, t, s["lat"], s["lon"])
        odd = (np.arange(t.size) % 2).astype(bool) ^ bool(rng.integers(2))
        tc = np.where(jammed(s["lat"], s["lon"], t, jamming), NIC_TC_JAMMED, NIC_TC_NORMAL).astype(np.int64)
        parts.append((t, fr.airborne_position(address, lat, lon, s["alt_ft"], odd, tc), True, True, lat, lon))
    got = kind(rates.velocity_hz, True)
    if got:
        t, s = got
        address = np.full(t.size, ident.address, dtype=np.int64)
        parts.append(
            (t, fr.velocity(address, s["gs_kt"], s["track_deg"], s["vrate_fpm"]), True, False, s["lat"], s["lon"])
        )
    got = kind(rates.identification_hz, True)
    if got:
        t, s = got
        address = np.full(t.size, ident.address, dtype=np.int64)
        parts.append((t, fr.identification(address, np.full(t.size, callsign, dtype=np.int64)), True, False,
                      s["lat"], s["lon"]))  # fmt: skip
    got = kind(rates.status_hz, True)
    if got:
        t, s = got
        address = np.full(t.size, ident.address, dtype=np.int64)
        nacp = np.where(jammed(s["lat"], s["lon"], t, jamming), 0, NACP_NORMAL).astype(np.int64)
        parts.append((t, fr.operational_status(address, nacp), True, False, s["lat"], s["lon"]))
    for hz, maker, long in (
        (rates.all_call_hz, "all_call", False),
        (rates.altitude_reply_hz, "altitude", False),
        (rates.identity_reply_hz, "identity", False),
        (rates.commb_hz, "commb", True),
    ):
        got = kind(hz, False)
        if not got:
            continue
        t, s = got
        address = np.full(t.size, ident.address, dtype=np.int64)
        fs = s["on_ground"].astype(np.int64)
        sq = np.full(t.size, squawk, dtype=np.int64)
        if maker == "all_call":
            frames = fr.all_call(address)
        elif maker == "altitude":
            frames = fr.surveillance_altitude(address, s["alt_ft"], fs)
        elif maker == "identity":
            frames = fr.surveillance_identity(address, sq, fs)
        else:
            frames = fr.commb_identification(address, sq, np.full(t.size, callsign, dtype=np.int64), fs)
        parts.append((t, frames, long, False, s["lat"], s["lon"]))
    if not parts:
        empty = np.zeros(0)
        return Transmissions(empty, np.zeros((0, 14), np.uint8), np.zeros(0, bool), empty, empty, empty,
                             np.zeros(0, bool), empty, empty)  # fmt: skip
    t_all = np.concatenate([p[0] for p in parts])
    order = np.argsort(t_all, kind="stable")
    state = traj.at(t_all[order])
    return Transmissions(
        t_s=t_all[order],
        frames=np.concatenate([p[1] for p in parts])[order],
        long=np.concatenate([np.full(p[0].size, p[2]) for p in parts])[order],
        lat=state["lat"],
        lon=state["lon"],
        alt_ft=state["alt_ft"],
        is_position=np.concatenate([np.full(p[0].size, p[3]) for p in parts])[order],
        reported_lat=np.concatenate([p[4] for p in parts])[order],
        reported_lon=np.concatenate([p[5] for p in parts])[order],
    )


def horizon_km(alt_ft: F64, antenna_m: float) -> F64:
    h_ac = np.maximum(alt_ft * 0.3048 - TERRAIN_M, 0.0)
    return np.asarray(4.12 * (np.sqrt(antenna_m) + np.sqrt(h_ac)), dtype=np.float64)


def visible(receiver: Receiver, lat: F64, lon: F64, alt_ft: F64) -> tuple[npt.NDArray[np.bool_], F64]:
    """In range and above the radio horizon; also returns the ground distance in km."""
    d = haversine_km(lat, lon, receiver.lat, receiver.lon)
    return (d <= receiver.range_km) & (d <= horizon_km(alt_ft, receiver.antenna_m)), d


def receive(
    receiver: Receiver, tx: Transmissions, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], F64, npt.NDArray[np.uint8]]:
    """Which transmissions ``receiver`` hears: (indices, receive time UTC s, signal byte)."""
    ok, d = visible(receiver, tx.lat, tx.lon, tx.alt_ft)
    for a, b in receiver.gaps:
        ok &= (tx.t_s < a.timestamp()) | (tx.t_s >= b.timestamp())
    p = 0.95 - 0.6 * (d / receiver.range_km) ** 2
    ok &= rng.random(tx.t_s.size) < p
    idx = np.flatnonzero(ok)
    slant = np.hypot(d[idx], tx.alt_ft[idx] * 0.0003048)
    t_rx = tx.t_s[idx] + slant / C_KM_S
    amplitude = 255.0 * np.clip(25.0 / np.maximum(d[idx], 1.0), 0.02, 1.0) * rng.uniform(0.7, 1.0, idx.size)
    return idx, t_rx, np.clip(amplitude, 1, 255).astype(np.uint8)
