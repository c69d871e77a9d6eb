"""Vectorised field decoders: altitude codes, identity (squawk), callsign, velocity, surface movement, NIC.

Every function takes and returns whole NumPy columns. Missing values are NaN (floats) or -1 (small ints).
Bit layouts are given in ICAO Annex 10 Vol IV and RTCA DO-260B; each decoder names the one it follows.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
BoolArr = npt.NDArray[np.bool_]

# 6-bit ICAO character set (Annex 10 Vol IV, Table 3-9): 1-26 A-Z, 32 space, 48-57 digits, rest invalid.
CALLSIGN_CHARSET = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"


def _bit(code: I64, pos: int, width: int = 13) -> I64:
    """Bit ``pos`` (0 = most significant) of a ``width``-bit code."""
    return (code >> (width - 1 - pos)) & 1


def _gray_to_int(n: I64) -> I64:
    n = n ^ (n >> 8)
    n = n ^ (n >> 4)
    n = n ^ (n >> 2)
    return n ^ (n >> 1)


def gillham_altitude_ft(ac13: I64) -> F64:
    """100 ft Gillham (Gray) altitude of a 13-bit AC code ``C1 A1 C2 A2 C4 A4 M B1 Q B2 D2 B4 D4``; NaN if invalid."""
    c1, a1, c2, a2, c4, a4 = (_bit(ac13, p) for p in range(6))
    b1, b2, d2, b4, d4 = _bit(ac13, 7), _bit(ac13, 9), _bit(ac13, 10), _bit(ac13, 11), _bit(ac13, 12)
    gc500 = (d2 << 7) | (d4 << 6) | (a1 << 5) | (a2 << 4) | (a4 << 3) | (b1 << 2) | (b2 << 1) | b4
    gc100 = (c1 << 2) | (c2 << 1) | c4
    n500 = _gray_to_int(gc500)
    n100 = _gray_to_int(gc100)
    invalid = (n100 == 0) | (n100 == 5) | (n100 == 6)
    n100 = np.where(n100 == 7, 5, n100)
    n100 = np.where(n500 % 2 == 1, 6 - n100, n100)
    alt = (n500 * 500 + n100 * 100 - 1300).astype(np.float64)
    return np.where(invalid, np.nan, alt)


def altitude_ac13_ft(ac13: I64) -> F64:
    """Altitude of a 13-bit AC field (DF0/4/16/20): Q=1 → 25 ft steps, Q=0 → Gillham; M=1 (metres) → NaN."""
    m_bit = (ac13 >> 6) & 1
    q_bit = (ac13 >> 4) & 1
    n = ((ac13 >> 2) & 0x7E0) | ((ac13 >> 1) & 0x10) | (ac13 & 0xF)
    alt25 = (n * 25 - 1000).astype(np.float64)
    out = np.where(q_bit == 1, alt25, gillham_altitude_ft(ac13))
    return np.where((ac13 == 0) | (m_bit == 1), np.nan, out)


def altitude_ac12_ft(ac12: I64) -> F64:
    """Barometric altitude of the 12-bit ADS-B field (TC 9-18): the AC13 code without its M bit."""
    return altitude_ac13_ft(((ac12 >> 6) << 7) | (ac12 & 0x3F))


def gnss_height_ft(ac12: I64) -> F64:
    """GNSS height of TC 20-22 (12-bit integer metres, DO-260B 2.2.3.2.3.4.4), truncated to whole feet."""
    ft = np.trunc(ac12 * 3.28084)
    return np.where(ac12 == 0, np.nan, ft)


def squawk_digits(id13: I64) -> U8:
    """The four octal Mode A digits (N×4 uint8, ASCII) of a 13-bit ID field ``C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4``."""
    a = (_bit(id13, 5) << 2) | (_bit(id13, 3) << 1) | _bit(id13, 1)
    b = (_bit(id13, 11) << 2) | (_bit(id13, 9) << 1) | _bit(id13, 7)
    c = (_bit(id13, 4) << 2) | (_bit(id13, 2) << 1) | _bit(id13, 0)
    d = (_bit(id13, 12) << 2) | (_bit(id13, 10) << 1) | _bit(id13, 8)
    return (np.stack([a, b, c, d], axis=1) + ord("0")).astype(np.uint8)


def callsign_chars(bits48: I64) -> tuple[U8, BoolArr]:
    """Eight ASCII characters (N×8) of a 48-bit 6-bit-coded callsign, and whether every slot is valid."""
    lut = np.frombuffer(CALLSIGN_CHARSET.encode("ascii"), dtype=np.uint8)
    idx = np.stack([(bits48 >> (42 - 6 * i)) & 0x3F for i in range(8)], axis=1)
    chars = lut[idx]
    return chars, np.all(chars != ord("#"), axis=1)


def ascii_strings(chars: U8, present: BoolArr, *, strip: bool = False) -> pa.StringArray:
    """Fixed-width ASCII rows → an Arrow string column (null where not ``present``; empty after strip → null)."""
    n, width = chars.shape
    validity = pa.array(present, type=pa.bool_()).buffers()[1] if not present.all() else None
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), n, [validity, pa.py_buffer(np.ascontiguousarray(chars).tobytes())]
    )
    out = fixed.cast(pa.binary()).cast(pa.string())
    if strip:
        out = pc.utf8_trim_whitespace(out)
        out = pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)
    return out  # type: ignore[no-any-return]


@cache
def _movement_table() -> F64:
    """Surface movement (DO-260B Table 2-13): 7-bit code → ground speed in kt (NaN: no information)."""
    bounds = [(2, 0.125, 0.125), (9, 1.0, 0.25), (13, 2.0, 0.5), (39, 15.0, 1.0), (94, 70.0, 2.0), (109, 100.0, 5.0)]
    table = np.full(128, np.nan)
    table[1] = 0.0
    table[124] = 175.0
    for code in range(2, 124):
        lower, kt, step = max(b for b in bounds if b[0] <= code)
        table[code] = kt + (code - lower) * step
    return table


def surface_speed_kt(movement: I64) -> F64:
    return _movement_table()[movement]


def signed_component(sign: I64, magnitude: I64) -> F64:
    """``magnitude - 1`` with the direction bit applied; NaN when magnitude is 0 (not available)."""
    value = (magnitude - 1).astype(np.float64)
    value = np.where(sign == 1, -value, value)
    return np.where(magnitude == 0, np.nan, value)


# NIC from type code and supplement bits (DO-260B Tables 2-14, 2-15; DO-260A for version 1).
# Rows: type code 0-31. Columns: supplement key (v2: 2*NIC-A + NIC-B airborne / NIC-C surface; v1: NIC-S).
# -1 = combination not defined; such rows get the lowest NIC defined for that type code (conservative).
@cache
def nic_tables() -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    v1 = np.full((32, 4), -1, dtype=np.int8)
    v2 = np.full((32, 4), -1, dtype=np.int8)
    flat = {5: 11, 6: 10, 9: 11, 10: 10, 12: 7, 13: 6, 14: 5, 15: 4, 17: 1, 18: 0, 20: 11, 21: 10, 22: 0}
    for tc, nic in flat.items():
        v1[tc, :] = nic
        v2[tc, :] = nic
    v1[7, :], v1[8, :] = 9, 0
    v1[11, 0], v1[11, 1] = 8, 9
    v1[16, 0], v1[16, 1] = 2, 3
    v2[7, 0], v2[7, 2] = 8, 9
    v2[8, 0], v2[8, 1], v2[8, 2], v2[8, 3] = 0, 6, 6, 7
    v2[11, 0], v2[11, 3] = 8, 9
    v2[16, 0], v2[16, 3] = 2, 3
    for table in (v1, v2):
        for tc in range(32):
            row = table[tc]
            if (row >= 0).any():
                row[row < 0] = row[row >= 0].min()
    return v1, v2


def nic(tc: I64, version: I64, nic_a: I64, nic_b_or_c: I64) -> npt.NDArray[np.int8]:
    """NIC of position messages (-1 where the type code carries none). ``version`` -1 (unknown) and 0 use the
    version 2 table with the supplements known so far, version 1 its own table (supplement = NIC-A)."""
    v1, v2 = nic_tables()
    tcc = np.clip(tc, 0, 31)
    key_v2 = (2 * np.clip(nic_a, 0, 1) + np.clip(nic_b_or_c, 0, 1)).astype(np.int64)
    key_v1 = np.clip(nic_a, 0, 1).astype(np.int64)
    return np.where(version == 1, v1[tcc, key_v1], v2[tcc, key_v2]).astype(np.int8)
