"""Stateless, columnar field extraction: one pass of NumPy over the N×14 frame matrix.

``extract_fields`` decodes everything a single frame says on its own (header, CRC syndrome, address,
altitude, identity, callsign, velocity, raw CPR, accuracy fields). What needs other frames — address
verification, CPR pairing and validation — happens in the stateful decoder.

Bit positions below are 1-based message bits; the ADS-B ME field is bits 33-88 (ME bit k = message bit 32+k).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airpicture.decode.modes import _fields as fld
from airpicture.decode.modes._bits import LONG_BYTES, SHORT_BYTES, syndrome, uint

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
BoolArr = npt.NDArray[np.bool_]

ADDRESS_PARITY_DFS = (0, 4, 5, 16, 20, 21)
"""Downlink formats whose parity field is overlaid with the address (address recovered from the CRC)."""
ES_DFS = (17, 18, 19)
"""Extended squitter: DF17 (transponder), DF18 (non-transponder/TIS-B/ADS-R), DF19 AF=0 (military ES)."""


@dataclass(frozen=True, slots=True)
class FrameFields:
    """Per-frame decoded columns (length N). NaN / -1 mean "not in this frame"."""

    df: I64
    length_ok: BoolArr
    syndrome: I64
    icao: I64  # address in clear (DF11/17/18/19) or recovered from the parity (address/parity formats)
    is_es: BoolArr  # an extended squitter with the ADS-B ME layout
    tc: I64
    alt_ft: F64
    alt_gnss_ft: F64
    squawk: U8  # N×4 ASCII digits, valid where has_squawk
    has_squawk: BoolArr
    callsign: U8  # N×8 ASCII, valid where has_callsign
    has_callsign: BoolArr
    gs_kt: F64
    track_deg: F64
    vrate_fpm: F64
    airspeed_kt: F64
    airspeed_is_tas: BoolArr
    heading_deg: F64
    geo_minus_baro_ft: F64
    on_ground: I64  # 1 ground, 0 airborne, -1 unknown
    is_position: BoolArr
    is_surface: BoolArr
    cpr_odd: BoolArr
    cpr_lat: I64
    cpr_lon: I64
    nic_b: I64
    version: I64  # TC31 ADS-B version
    nic_a: I64
    nic_c: I64
    nacp: I64
    sil: I64
    is_opstatus: BoolArr
    has_accuracy: BoolArr  # TC29/TC31 rows carrying NACp/SIL
    native: BoolArr  # fully decoded here (False: ES type codes handed to pyModeS)


def _nan(n: int) -> F64:
    return np.full(n, np.nan)


def _me(word: I64, first_bit: int, n_bits: int) -> I64:
    """Field at 1-based message bits [first_bit, first_bit + n_bits) of the 56-bit ME/MB word (bits 33-88)."""
    return (word >> (88 - (first_bit + n_bits - 1))) & ((1 << n_bits) - 1)


def _hdr(word: I64, first_bit: int, n_bits: int) -> I64:
    """Field at 1-based message bits [first_bit, first_bit + n_bits) of the first 32 bits."""
    return (word >> (32 - (first_bit + n_bits - 1))) & ((1 << n_bits) - 1)


def _table(values: tuple[int, ...], size: int) -> BoolArr:
    out = np.zeros(size, dtype=bool)
    out[list(values)] = True
    return out


_DF_AP = _table(ADDRESS_PARITY_DFS, 25)
_DF_AC13 = _table((0, 4, 16, 20), 25)
_DF_ID13 = _table((5, 21), 25)
_DF_COMMB = _table((20, 21), 25)
_DF_CA = _table((11, 17), 25)
_DF_FS = _table((4, 5, 20, 21), 25)
_DF_VS = _table((0, 16), 25)
# Type-code tables are indexed by tc + 1 so that -1 (not an extended squitter) maps to entry 0.
_TC_POSITION = _table(tuple(tc + 1 for tc in (*range(5, 19), 20, 21, 22)), 33)
_TC_NATIVE = _table(tuple(tc + 1 for tc in (*range(0, 23), 29, 31)), 33)


def extract_fields(matrix: U8, lengths: I64) -> FrameFields:
    """Decode every stateless field of N frames held in an N×14 matrix with their byte lengths.

    Type-specific fields are computed only on the rows of that type (index arrays), the rest stay NaN/-1.
    """
    n = matrix.shape[0]
    df = (matrix[:, 0] >> 3).astype(np.int64)
    np.minimum(df, 24, out=df)
    long_frame = df >= 16
    length_ok = np.where(long_frame, lengths == LONG_BYTES, lengths == SHORT_BYTES)

    syn = np.zeros(n, dtype=np.int64)
    short_idx = np.flatnonzero(~long_frame)
    long_idx = np.flatnonzero(long_frame)
    if short_idx.size:
        syn[short_idx] = syndrome(matrix[short_idx], SHORT_BYTES)
    if long_idx.size:
        syn[long_idx] = syndrome(matrix[long_idx], LONG_BYTES)

    hdr = uint(matrix, 1, 32)
    me = uint(matrix, 33, 56)
    ca = (matrix[:, 0] & 7).astype(np.int64)
    is_es = ((df == 17) | (df == 18)) | ((df == 19) & (ca == 0))
    icao = np.where(_DF_AP[df], syn, _hdr(hdr, 9, 24))
    tc = np.where(is_es, me >> 51, -1)
    tcx = tc + 1  # index into the 33-entry type-code tables (-1 → 0)

    alt = _nan(n)
    alt_gnss = _nan(n)
    gs = _nan(n)
    trk = _nan(n)
    vrate = _nan(n)
    airspeed = _nan(n)
    heading = _nan(n)
    geo_minus_baro = _nan(n)
    airspeed_is_tas = np.zeros(n, dtype=bool)

    # Altitude: AC13 in DF0/4/16/20 (bits 20-32); AC12 in airborne position (ME bits 9-20), TC0 included.
    rows = np.flatnonzero(_DF_AC13[df])
    alt[rows] = fld.altitude_ac13_ft(_hdr(hdr[rows], 20, 13))
    rows = np.flatnonzero(is_es & (((tc >= 9) & (tc <= 18)) | (tc == 0)))
    alt[rows] = fld.altitude_ac12_ft(_me(me[rows], 41, 12))
    rows = np.flatnonzero(is_es & (tc >= 20) & (tc <= 22))
    alt_gnss[rows] = fld.gnss_height_ft(_me(me[rows], 41, 12))

    # Identity: ID13 in DF5/21; TC28 subtype 1 (emergency/priority status) ME bits 12-24.
    squawk = np.zeros((n, 4), dtype=np.uint8)
    is_tc28 = (tc == 28) & (_me(me, 38, 3) == 1)
    has_squawk = _DF_ID13[df] | is_tc28
    rows = np.flatnonzero(has_squawk)
    squawk[rows] = fld.squawk_digits(np.where(is_tc28[rows], _me(me[rows], 44, 13), _hdr(hdr[rows], 20, 13)))

    # Callsign: TC1-4 (ME bits 9-56) and Comm-B BDS 2,0 in DF20/21 (MB byte 1 = 0x20, all characters valid).
    ident = (tc >= 1) & (tc <= 4)
    commb20 = _DF_COMMB[df] & (matrix[:, 4] == 0x20)
    cand = np.flatnonzero(ident | commb20)
    cs_chars = np.full((n, 8), ord(" "), dtype=np.uint8)
    cs_valid = np.zeros(n, dtype=bool)
    cs_chars[cand], cs_valid[cand] = fld.callsign_chars(_me(me[cand], 41, 48))
    has_callsign = ident | (commb20 & cs_valid)

    # Airborne velocity (TC19, DO-260B 2.2.3.2.6).
    rows = np.flatnonzero(tc == 19)
    if rows.size:
        w = me[rows]
        sub = _me(w, 38, 3)
        ground = (sub == 1) | (sub == 2)
        air = (sub == 3) | (sub == 4)
        scale = np.where((sub == 2) | (sub == 4), 4.0, 1.0)
        v_we = fld.signed_component(_me(w, 46, 1), _me(w, 47, 10)) * scale
        v_sn = fld.signed_component(_me(w, 57, 1), _me(w, 58, 10)) * scale
        gs[rows] = np.where(ground, np.hypot(v_we, v_sn), np.nan)
        trk[rows] = np.where(ground, np.mod(np.degrees(np.arctan2(v_we, v_sn)), 360.0), np.nan)
        as_raw = _me(w, 58, 10)
        airspeed[rows] = np.where(air & (as_raw > 0), (as_raw - 1) * scale, np.nan)
        heading[rows] = np.where(air & (_me(w, 46, 1) == 1), _me(w, 47, 10) * (360.0 / 1024), np.nan)
        airspeed_is_tas[rows] = air & (_me(w, 57, 1) == 1)
        vr_raw = _me(w, 70, 9)
        vrate[rows] = np.where(vr_raw > 0, (vr_raw - 1) * np.where(_me(w, 69, 1) == 1, -64.0, 64.0), np.nan)
        diff_raw = _me(w, 82, 7)
        ok = (diff_raw > 0) & (diff_raw < 127)
        geo_minus_baro[rows] = np.where(ok, (diff_raw - 1) * np.where(_me(w, 81, 1) == 1, -25.0, 25.0), np.nan)

    # Surface position (TC5-8): movement and ground track.
    surface = (tc >= 5) & (tc <= 8)
    rows = np.flatnonzero(surface)
    if rows.size:
        w = me[rows]
        gs[rows] = fld.surface_speed_kt(_me(w, 38, 7))
        trk[rows] = np.where(_me(w, 45, 1) == 1, _me(w, 46, 7) * (360.0 / 128), np.nan)

    is_position = _TC_POSITION[tcx]

    # On ground: surface position; CA 4/5 (DF11/17); FS 1/3 vs 0/2 (DF4/5/20/21); VS (DF0/16).
    fs_ground = np.array([0, 1, 0, 1, -1, -1, -1, -1], dtype=np.int64)
    ca_ground = np.array([-1, -1, -1, -1, 1, 0, -1, -1], dtype=np.int64)
    on_ground = np.where(_DF_FS[df], fs_ground[ca], np.where(_DF_CA[df], ca_ground[ca], -1))
    on_ground = np.where(_DF_VS[df], (matrix[:, 0] >> 2) & 1, on_ground)
    on_ground = np.where(surface, 1, np.where(is_position, 0, on_ground))

    # Accuracy and integrity: NIC-B in airborne position (ME bit 8); TC29 and TC31 NACp/SIL; TC31 version.
    opstatus = tc == 31
    target_state = (tc == 29) & (_me(me, 38, 2) == 1)
    nacp = np.where(opstatus, _me(me, 77, 4), np.where(target_state, _me(me, 72, 4), -1))
    sil = np.where(opstatus, _me(me, 83, 2), np.where(target_state, _me(me, 77, 2), -1))
    sub3 = _me(me, 38, 3)

    return FrameFields(
        df=df,
        length_ok=length_ok,
        syndrome=syn,
        icao=icao,
        is_es=is_es,
        tc=tc,
        alt_ft=alt,
        alt_gnss_ft=alt_gnss,
        squawk=squawk,
        has_squawk=has_squawk,
        callsign=cs_chars,
        has_callsign=has_callsign,
        gs_kt=gs,
        track_deg=trk,
        vrate_fpm=vrate,
        airspeed_kt=airspeed,
        airspeed_is_tas=airspeed_is_tas,
        heading_deg=heading,
        geo_minus_baro_ft=geo_minus_baro,
        on_ground=on_ground,
        is_position=is_position,
        is_surface=surface,
        cpr_odd=_me(me, 54, 1) == 1,
        cpr_lat=_me(me, 55, 17),
        cpr_lon=_me(me, 72, 17),
        nic_b=np.where(is_position & ~surface, _me(me, 40, 1), -1),
        version=np.where(opstatus, _me(me, 73, 3), -1),
        nic_a=np.where(opstatus, _me(me, 76, 1), -1),
        nic_c=np.where(opstatus & (sub3 == 1), _me(me, 52, 1), -1),
        nacp=nacp,
        sil=sil,
        is_opstatus=opstatus,
        has_accuracy=opstatus | target_state,
        native=~is_es | _TC_NATIVE[tcx] | is_tc28,
    )
