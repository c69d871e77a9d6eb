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


def extract_fields(matrix: U8, lengths: I64) -> FrameFields:
    """Decode every stateless field of N frames held in an N×14 matrix with their byte lengths."""
    n = matrix.shape[0]
    df = (matrix[:, 0] >> 3).astype(np.int64)
    df = np.where(df >= 24, 24, df)
    long_frame = df >= 16
    length_ok = np.where(long_frame, lengths == LONG_BYTES, lengths == SHORT_BYTES)

    syn = np.zeros(n, dtype=np.int64)
    short_idx = np.flatnonzero(~long_frame)
    long_idx = np.flatnonzero(long_frame)
    if short_idx.size:
        syn[short_idx] = syndrome(matrix[short_idx], SHORT_BYTES)
    if long_idx.size:
        syn[long_idx] = syndrome(matrix[long_idx], LONG_BYTES)

    ca = (matrix[:, 0] & 7).astype(np.int64)
    aa = uint(matrix, 9, 24)
    is_es = np.isin(df, (17, 18)) | ((df == 19) & (ca == 0))
    ap = np.isin(df, ADDRESS_PARITY_DFS)
    icao = np.where(ap, syn, aa)

    tc = np.where(is_es, uint(matrix, 33, 5), -1)
    sub = uint(matrix, 38, 3)

    # Altitude: AC13 in DF0/4/16/20 (bits 20-32); AC12 in airborne position (ME bits 9-20).
    code13 = uint(matrix, 20, 13)
    alt = np.where(np.isin(df, (0, 4, 16, 20)), fld.altitude_ac13_ft(code13), np.nan)
    ac12 = uint(matrix, 41, 12)
    baro_pos = is_es & (((tc >= 9) & (tc <= 18)) | (tc == 0))
    gnss_pos = is_es & (tc >= 20) & (tc <= 22)
    alt = np.where(baro_pos, fld.altitude_ac12_ft(ac12), alt)
    alt_gnss = np.where(gnss_pos, fld.gnss_height_ft(ac12), np.nan)

    # Identity: ID13 in DF5/21; TC28 subtype 1 (emergency/priority status) ME bits 12-24.
    is_tc28 = is_es & (tc == 28) & (sub == 1)
    id13 = np.where(is_tc28, uint(matrix, 44, 13), code13)
    has_squawk = np.isin(df, (5, 21)) | is_tc28
    squawk = fld.squawk_digits(id13)

    # Callsign: TC1-4 (ME bits 9-56) and Comm-B BDS 2,0 in DF20/21 (MB byte 1 = 0x20, all characters valid).
    cs_chars, cs_valid = fld.callsign_chars(uint(matrix, 41, 48))
    ident = is_es & (tc >= 1) & (tc <= 4)
    bds20 = np.isin(df, (20, 21)) & (matrix[:, 4] == 0x20) & cs_valid
    has_callsign = ident | bds20

    # Airborne velocity (TC19, DO-260B 2.2.3.2.6).
    vel = is_es & (tc == 19)
    gs_sub = vel & ((sub == 1) | (sub == 2))
    air_sub = vel & ((sub == 3) | (sub == 4))
    scale = np.where(sub == 2, 4.0, 1.0)
    v_we = fld.signed_component(uint(matrix, 46, 1), uint(matrix, 47, 10)) * scale
    v_sn = fld.signed_component(uint(matrix, 57, 1), uint(matrix, 58, 10)) * scale
    gs = np.where(gs_sub, np.hypot(v_we, v_sn), np.nan)
    trk = np.where(gs_sub, np.mod(np.degrees(np.arctan2(v_we, v_sn)), 360.0), np.nan)
    as_raw = uint(matrix, 58, 10)
    airspeed = np.where(air_sub & (as_raw > 0), (as_raw - 1) * np.where(sub == 4, 4.0, 1.0), np.nan)
    heading = np.where(air_sub & (uint(matrix, 46, 1) == 1), uint(matrix, 47, 10) * (360.0 / 1024), np.nan)
    vr_raw = uint(matrix, 70, 9)
    vrate = np.where(vel & (vr_raw > 0), (vr_raw - 1) * 64.0 * np.where(uint(matrix, 69, 1) == 1, -1, 1), np.nan)
    diff_raw = uint(matrix, 82, 7)
    gmb_ok = vel & (diff_raw > 0) & (diff_raw < 127)
    geo_minus_baro = np.where(gmb_ok, (diff_raw - 1) * 25.0 * np.where(uint(matrix, 81, 1) == 1, -1, 1), np.nan)

    # Surface position (TC5-8): movement and ground track.
    surface = is_es & (tc >= 5) & (tc <= 8)
    gs = np.where(surface, fld.surface_speed_kt(uint(matrix, 38, 7)), gs)
    trk = np.where(surface & (uint(matrix, 45, 1) == 1), uint(matrix, 46, 7) * (360.0 / 128), trk)

    is_position = is_es & (((tc >= 5) & (tc <= 18)) | ((tc >= 20) & (tc <= 22)))

    # On ground: surface position; CA 4/5 (DF11/17); FS 1/3 vs 0/2 (DF4/5/20/21); VS (DF0/16).
    on_ground = np.full(n, -1, dtype=np.int64)
    ca_df = np.isin(df, (11, 17))
    on_ground = np.where(ca_df & (ca == 4), 1, np.where(ca_df & (ca == 5), 0, on_ground))
    fs_df = np.isin(df, (4, 5, 20, 21))
    on_ground = np.where(fs_df & np.isin(ca, (1, 3)), 1, np.where(fs_df & np.isin(ca, (0, 2)), 0, on_ground))
    vs_df = np.isin(df, (0, 16))
    on_ground = np.where(vs_df, (matrix[:, 0] >> 2) & 1, on_ground)
    on_ground = np.where(surface, 1, np.where(is_position, 0, on_ground))

    # Accuracy and integrity: NIC-B in airborne position (ME bit 8); TC29 and TC31 NACp/SIL; TC31 version.
    opstatus = is_es & (tc == 31)
    target_state = is_es & (tc == 29) & (uint(matrix, 38, 2) == 1)
    nacp = np.where(opstatus, uint(matrix, 77, 4), np.where(target_state, uint(matrix, 72, 4), -1))
    sil = np.where(opstatus, uint(matrix, 83, 2), np.where(target_state, uint(matrix, 77, 2), -1))
    native_tc = ((tc >= 0) & (tc <= 22)) | (tc == 29) | (tc == 31) | is_tc28

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
        airspeed_is_tas=air_sub & (uint(matrix, 57, 1) == 1),
        heading_deg=heading,
        geo_minus_baro_ft=geo_minus_baro,
        on_ground=on_ground,
        is_position=is_position,
        is_surface=surface,
        cpr_odd=uint(matrix, 54, 1) == 1,
        cpr_lat=uint(matrix, 55, 17),
        cpr_lon=uint(matrix, 72, 17),
        nic_b=np.where(is_position & ~surface, uint(matrix, 40, 1), -1),
        version=np.where(opstatus, uint(matrix, 73, 3), -1),
        nic_a=np.where(opstatus, uint(matrix, 76, 1), -1),
        nic_c=np.where(opstatus & (sub == 1), uint(matrix, 52, 1), -1),
        nacp=nacp,
        sil=sil,
        is_opstatus=opstatus,
        has_accuracy=opstatus | target_state,
        native=~is_es | native_tc,
    )
