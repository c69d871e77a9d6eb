"""Mode S / ADS-B *encoders*: build real frames with a correct CRC-24 (for the simulator and for tests).

Inverse of the decoder for the message types it stores: airborne position (TC 9-18 barometric, CPR),
identification (TC 1-4), airborne velocity (TC19 subtype 1), operational status (TC31 airborne, version 2),
all-call (DF11), surveillance altitude/identity (DF4/DF5) and Comm-B (DF20/21) replies whose parity is
overlaid with the address. One frame per call: the simulator produces few frames per second.
"""

from __future__ import annotations

import math

import numpy as np

from airpicture.decode.modes import cpr
from airpicture.decode.modes._bits import parity_of
from airpicture.decode.modes._fields import CALLSIGN_CHARSET


def _finish(payload: int, n_bytes: int, address: int | None = None) -> bytes:
    """Append parity (XOR ``address`` for the address/parity formats) to an ``n_bytes - 3``-byte payload."""
    data = payload.to_bytes(n_bytes - 3, "big")
    pi = parity_of(data) ^ (address or 0)
    return data + pi.to_bytes(3, "big")


def _es(icao: int | str, me: int, *, df: int = 17, ca: int = 5) -> bytes:
    address = int(icao, 16) if isinstance(icao, str) else icao
    return _finish((df << 83) | (ca << 80) | (address << 56) | me, 14)


def encode_altitude_ac12(alt_ft: float) -> int:
    """12-bit altitude field with Q=1 (25 ft steps), range -1000 … 50,175 ft."""
    n = round((alt_ft + 1000) / 25)
    if not 0 <= n < 2048:
        raise ValueError(f"altitude {alt_ft} ft outside the 25 ft coding range (-1000..50175)")
    return ((n >> 4) << 5) | 0x10 | (n & 0xF)


def encode_altitude_ac13(alt_ft: float) -> int:
    """13-bit AC field (DF0/4/16/20) with M=0, Q=1."""
    ac12 = encode_altitude_ac12(alt_ft)
    return ((ac12 >> 6) << 7) | (ac12 & 0x3F)


def cpr_encode(lat_deg: float, lon_deg: float, odd: bool, *, surface: bool = False) -> tuple[int, int]:
    """17-bit CPR latitude and longitude (DO-260B §A.1.7.1)."""
    span = 90.0 if surface else 360.0
    i = 1 if odd else 0
    dlat = span / (60 - i)
    yz = math.floor(131072 * ((lat_deg % dlat) / dlat) + 0.5)
    rlat = dlat * (yz / 131072 + math.floor(lat_deg / dlat))
    nl = int(cpr.cpr_nl(np.array([rlat]))[0])
    dlon = span / max(nl - i, 1)
    xz = math.floor(131072 * ((lon_deg % dlon) / dlon) + 0.5)
    return yz & 0x1FFFF, xz & 0x1FFFF


def encode_airborne_position(
    icao: int | str, lat: float, lon: float, alt_ft: float, odd: bool, *, tc: int = 11
) -> bytes:
    """DF17 airborne position (barometric altitude, TC 9-18)."""
    if not 9 <= tc <= 18:
        raise ValueError(f"airborne position type code {tc}, expected 9..18")
    yz, xz = cpr_encode(lat, lon, odd)
    me = (tc << 51) | (encode_altitude_ac12(alt_ft) << 36) | (int(odd) << 34) | (yz << 17) | xz
    return _es(icao, me)


def callsign_bits(callsign: str) -> int:
    """48-bit identification characters of a callsign (A-Z, 0-9, space; up to 8)."""
    text = callsign.upper().ljust(8)
    if len(text) > 8 or any(c == "#" or c not in CALLSIGN_CHARSET for c in text):
        raise ValueError(f"callsign {callsign!r}: up to 8 characters A-Z, 0-9 or space")
    bits = 0
    for c in text:
        bits = (bits << 6) | CALLSIGN_CHARSET.index(c)
    return bits


def encode_identification(icao: int | str, callsign: str, *, tc: int = 4, category: int = 0) -> bytes:
    """DF17 identification and category (TC 1-4); callsign up to 8 characters of A-Z, 0-9, space."""
    return _es(icao, (tc << 51) | (category << 48) | callsign_bits(callsign))


def encode_velocity(icao: int | str, gs_kt: float, track_deg: float, vrate_fpm: float) -> bytes:
    """DF17 airborne velocity, subtype 1 (ground speed, subsonic), barometric vertical rate."""
    v_we = gs_kt * math.sin(math.radians(track_deg))
    v_sn = gs_kt * math.cos(math.radians(track_deg))
    ew, ns = round(abs(v_we)) + 1, round(abs(v_sn)) + 1
    vr = round(abs(vrate_fpm) / 64) + 1
    if ew > 1023 or ns > 1023 or vr > 511:
        raise ValueError("velocity outside the subtype 1 range (1022 kt per component, 32,640 ft/min)")
    me = (19 << 51) | (1 << 48) | (int(v_we < 0) << 42) | (ew << 32) | (int(v_sn < 0) << 31) | (ns << 21)
    me |= (1 << 20) | (int(vrate_fpm < 0) << 19) | (vr << 10)
    return _es(icao, me)


def encode_operational_status(icao: int | str, *, nacp: int, sil: int, nic_a: int = 0, version: int = 2) -> bytes:
    """DF17 aircraft operational status (TC31, airborne subtype 0)."""
    me = (31 << 51) | (version << 13) | (nic_a << 12) | (nacp << 8) | (sil << 4)
    return _es(icao, me)


def encode_all_call(icao: int | str, *, ca: int = 5) -> bytes:
    """DF11 all-call reply (interrogator code 0: parity = CRC)."""
    address = int(icao, 16) if isinstance(icao, str) else icao
    return _finish((11 << 27) | (ca << 24) | address, 7)


def squawk_code(squawk: str) -> int:
    """13-bit identity field of a four-digit octal squawk (pulse order C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4)."""
    if len(squawk) != 4 or any(c not in "01234567" for c in squawk):
        raise ValueError(f"squawk {squawk!r}: four octal digits expected")
    a, b, c, d = (int(x) for x in squawk)
    bits = {  # position (0 = MSB of 13) per pulse: C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4
        0: c & 1, 1: a & 1, 2: c >> 1 & 1, 3: a >> 1 & 1, 4: c >> 2 & 1, 5: a >> 2 & 1,
        7: b & 1, 8: d & 1, 9: b >> 1 & 1, 10: d >> 1 & 1, 11: b >> 2 & 1, 12: d >> 2 & 1,
    }  # fmt: skip
    return sum(v << (12 - pos) for pos, v in bits.items())


def encode_surveillance_altitude(icao: int | str, alt_ft: float, *, fs: int = 0) -> bytes:
    """DF4 altitude reply; the parity is overlaid with the address."""
    address = int(icao, 16) if isinstance(icao, str) else icao
    return _finish((4 << 27) | (fs << 24) | encode_altitude_ac13(alt_ft), 7, address)


def encode_surveillance_identity(icao: int | str, squawk: str, *, fs: int = 0) -> bytes:
    """DF5 identity reply; the parity is overlaid with the address."""
    address = int(icao, 16) if isinstance(icao, str) else icao
    return _finish((5 << 27) | (fs << 24) | squawk_code(squawk), 7, address)


def encode_commb_identity(icao: int | str, squawk: str, callsign: str, *, fs: int = 0) -> bytes:
    """DF21 Comm-B identity reply carrying BDS 2,0 (aircraft identification)."""
    address = int(icao, 16) if isinstance(icao, str) else icao
    ident = encode_identification(address, callsign)
    mb = (0x20 << 48) | (int.from_bytes(ident[4:11], "big") & ((1 << 48) - 1))
    return _finish((21 << 83) | (fs << 80) | (squawk_code(squawk) << 56) | mb, 14, address)
