"""Vectorised Mode S / ADS-B encoding and the Beast binary writer.

``airpicture.decode.modes.encode`` builds one frame per call (and is the reference these functions are tested
against); the simulator needs millions, so here every encoder takes NumPy columns and returns an ``N×14``
``uint8`` matrix (short frames use the first 7 bytes). Frames::

    long  (DF17, DF21):  | DF 5 | CA/FS 3 | AA / ID 24 | ME / MB 56 | PI 24 |
    short (DF4, DF5, DF11): | DF 5 | FS/CA 3 | 24 bits | AP 24 |

The parity is CRC-24 with generator 0x1FFF409 (ICAO Annex 10 Vol IV 3.1.2.3.3); DF4/5/21 overlay it with the
address (AP), DF11 and DF17 send it plain.

Beast record (dump1090/readsb port 30005; every 0x1A inside a record is doubled)::

    | 0x1A | '2' short / '3' long | 6-byte timestamp (BE) | signal | 7 or 14 message bytes |
    | 0x1A | 0xE3 | 8-byte receiver id |                   (readsb: names the receiver)

Added here because the decode package has no vectorised counterpart; the parity is the decoder's own
``syndrome`` of the frame with zero parity bytes, and the scalar field codes (callsign, squawk) are the reference
encoder's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from airpicture.decode.modes._bits import syndrome
from airpicture.decode.modes.cpr import cpr_nl

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

ESC = 0x1A


def _frames(header: I64, body: I64, n_bytes: int, overlay: I64 | None = None) -> U8:
    """Assemble frames: first byte ``header``, then ``body`` big-endian over ``n_bytes - 4`` bytes, then parity."""
    n = header.shape[0]
    out = np.zeros((n, 14), dtype=np.uint8)
    out[:, 0] = header.astype(np.uint8)
    body_bytes = n_bytes - 4
    for k in range(body_bytes):
        out[:, 1 + k] = (body >> (8 * (body_bytes - 1 - k))) & 0xFF
    pi = syndrome(out, n_bytes).astype(np.int64)  # the parity bytes are still zero: the remainder is the parity
    if overlay is not None:
        pi ^= overlay
    for k in range(3):
        out[:, n_bytes - 3 + k] = (pi >> (8 * (2 - k))) & 0xFF
    return out


def _long_frames(first_byte: I64, address_or_id: I64, payload_56: I64, overlay: I64 | None = None) -> U8:
    """112-bit frames: first byte, 24 bits (address or DR/UM/ID), 56 bits (ME/MB), parity (XOR ``overlay``)."""
    n = first_byte.shape[0]
    out = np.zeros((n, 14), dtype=np.uint8)
    out[:, 0] = first_byte.astype(np.uint8)
    for k in range(3):
        out[:, 1 + k] = (address_or_id >> (8 * (2 - k))) & 0xFF
    for k in range(7):
        out[:, 4 + k] = (payload_56 >> (8 * (6 - k))) & 0xFF
    pi = syndrome(out, 14).astype(np.int64)
    if overlay is not None:
        pi ^= overlay
    for k in range(3):
        out[:, 11 + k] = (pi >> (8 * (2 - k))) & 0xFF
    return out


def _extended_squitter(address: I64, me: I64) -> U8:
    """DF17, CA 5 (airborne), 56-bit ME."""
    return _long_frames(np.full(address.shape[0], (17 << 3) | 5, dtype=np.int64), address, me)


def altitude_ac12(alt_ft: F64) -> I64:
    """12-bit altitude field, Q = 1 (25 ft steps), clipped to -1000 … 50,175 ft."""
    n = np.clip(np.round((alt_ft + 1000.0) / 25.0), 0, 2047).astype(np.int64)
    return ((n >> 4) << 5) | 0x10 | (n & 0xF)


def altitude_ac13(alt_ft: F64) -> I64:
    """13-bit AC field (DF4/20), M = 0, Q = 1."""
    ac12 = altitude_ac12(alt_ft)
    return ((ac12 >> 6) << 7) | (ac12 & 0x3F)


def cpr_encode(lat_deg: F64, lon_deg: F64, odd: npt.NDArray[np.bool_]) -> tuple[I64, I64]:
    """Airborne CPR (DO-260B §A.1.7.1): 17-bit latitude and longitude per row, even or odd format."""
    i = odd.astype(np.float64)
    dlat = 360.0 / (60.0 - i)
    yz = np.floor(131072.0 * (np.mod(lat_deg, dlat) / dlat) + 0.5)
    rlat = dlat * (yz / 131072.0 + np.floor(lat_deg / dlat))
    nl = cpr_nl(rlat).astype(np.float64)
    dlon = 360.0 / np.maximum(nl - i, 1.0)
    xz = np.floor(131072.0 * (np.mod(lon_deg, dlon) / dlon) + 0.5)
    return yz.astype(np.int64) & 0x1FFFF, xz.astype(np.int64) & 0x1FFFF


def airborne_position(address: I64, lat_deg: F64, lon_deg: F64, alt_ft: F64, odd: npt.NDArray[np.bool_], tc: I64) -> U8:
    """DF17 airborne position with barometric altitude (TC 9-18; the TC carries NIC)."""
    yz, xz = cpr_encode(lat_deg, lon_deg, odd)
    me = (tc << 51) | (altitude_ac12(alt_ft) << 36) | (odd.astype(np.int64) << 34) | (yz << 17) | xz
    return _extended_squitter(address, me)


def velocity(address: I64, gs_kt: F64, track_deg: F64, vrate_fpm: F64) -> U8:
    """DF17 airborne velocity, subtype 1 (ground speed), barometric vertical rate."""
    v_we = gs_kt * np.sin(np.radians(track_deg))
    v_sn = gs_kt * np.cos(np.radians(track_deg))
    ew = np.clip(np.round(np.abs(v_we)) + 1, 1, 1023).astype(np.int64)
    ns = np.clip(np.round(np.abs(v_sn)) + 1, 1, 1023).astype(np.int64)
    vr = np.clip(np.round(np.abs(vrate_fpm) / 64) + 1, 1, 511).astype(np.int64)
    me = (19 << 51) | (1 << 48) | ((v_we < 0).astype(np.int64) << 42) | (ew << 32)
    me |= ((v_sn < 0).astype(np.int64) << 31) | (ns << 21) | (1 << 20) | ((vrate_fpm < 0).astype(np.int64) << 19)
    me |= vr << 10
    return _extended_squitter(address, me)


def identification(address: I64, callsign_48: I64, category: int = 0) -> U8:
    """DF17 identification and category (TC 4)."""
    me = (4 << 51) | (category << 48) | callsign_48
    return _extended_squitter(address, me)


def operational_status(address: I64, nacp: I64, sil: int = 3, version: int = 2) -> U8:
    """DF17 aircraft operational status (TC 31, airborne subtype 0): version, NACp, SIL."""
    me = (31 << 51) | (version << 13) | (nacp << 8) | (sil << 4)
    return _extended_squitter(address, np.asarray(me, dtype=np.int64))


def all_call(address: I64) -> U8:
    """DF11 all-call reply / acquisition squitter, CA 5, interrogator code 0."""
    header = np.full(address.shape[0], (11 << 3) | 5, dtype=np.int64)
    return _frames(header, address, 7)


def surveillance_altitude(address: I64, alt_ft: F64, fs: I64) -> U8:
    """DF4 altitude reply (parity overlaid with the address). ``fs`` 0 airborne, 1 on the ground."""
    header = (4 << 3) | fs
    return _frames(header, altitude_ac13(alt_ft), 7, overlay=address)


def surveillance_identity(address: I64, squawk_13: I64, fs: I64) -> U8:
    """DF5 identity reply (parity overlaid with the address)."""
    header = (5 << 3) | fs
    return _frames(header, squawk_13, 7, overlay=address)


def commb_identification(address: I64, squawk_13: I64, callsign_48: I64, fs: I64) -> U8:
    """DF21 Comm-B identity reply carrying BDS 2,0 (aircraft identification); DR = UM = 0."""
    return _long_frames((21 << 3) | fs, squawk_13, (0x20 << 48) | callsign_48, overlay=address)


def beast_records(counter: npt.NDArray[np.uint64], signal: U8, frames: U8, long: npt.NDArray[np.bool_]) -> U8:
    """Beast records of ``frames`` in row order, escaped, as one byte string (``uint8`` array)."""
    n = frames.shape[0]
    rec = np.zeros((n, 23), dtype=np.uint8)
    rec[:, 0] = ESC
    rec[:, 1] = np.where(long, 0x33, 0x32)
    for k in range(6):
        rec[:, 2 + k] = ((counter >> np.uint64(8 * (5 - k))) & np.uint64(0xFF)).astype(np.uint8)
    rec[:, 8] = signal
    rec[:, 9:23] = frames
    length = np.where(long, 23, 16)
    valid = np.arange(23)[None, :] < length[:, None]
    counts = valid.astype(np.int64)
    body = np.zeros_like(valid)
    body[:, 2:] = True
    counts += (valid & body & (rec == ESC)).astype(np.int64)
    return np.repeat(rec.ravel(), counts.ravel())


def beast_receiver_id(receiver_id: bytes) -> bytes:
    """The readsb receiver-id record (type 0xE3) for an 8-byte id, escaped."""
    if len(receiver_id) != 8:
        raise ValueError("a Beast receiver id is 8 bytes")
    return bytes([ESC, 0xE3]) + receiver_id.replace(bytes([ESC]), bytes([ESC, ESC]))
