"""Frames as an N×14 byte matrix: padding, CRC-24 syndrome and header fields, all columnar.

Mode S frame layout (bits numbered from 1, most significant first)::

    short (56 bits):  | DF 5 | 3 | 24 bits (AA / header + AC/ID) | AP/PI 24 |
    long (112 bits):  | DF 5 | CA 3 | AA 24 | ME / MB / MV 56 | PI/AP 24 |

The 24-bit parity uses the generator polynomial 0x1FFF409 (ICAO Annex 10 Vol IV, 3.1.2.3.3). The
*syndrome* (remainder of the whole frame, parity included) is 0 for an error-free DF17/18; for DF11 it
holds the interrogator code in its low 7 bits; for the address/parity formats (DF0/4/5/16/20/21) it is
the aircraft address itself.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

CRC_GENERATOR = 0x1FFF409
LONG_BYTES = 14
SHORT_BYTES = 7


def frames_matrix(frames: pa.Array | pa.ChunkedArray) -> tuple[U8, I64]:
    """Pad a binary column into an N×14 uint8 matrix (zeros after the frame's end).

    Returns ``(matrix, length_bytes)``; null frames have length 0. Bytes beyond 14 are not copied (the
    length tells the caller the frame was too long).
    """
    if isinstance(frames, pa.ChunkedArray):
        frames = frames.combine_chunks() if frames.num_chunks != 1 else frames.chunk(0)
    if pa.types.is_binary(frames.type):
        frames = frames.cast(pa.large_binary())
    elif not pa.types.is_large_binary(frames.type):
        raise TypeError(f"frame column must be binary, got {frames.type}")
    n = len(frames)
    bufs = frames.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=frames.offset * 8)  # type: ignore[union-attr]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size else np.zeros(1, np.uint8)
    lengths = np.diff(offsets)
    if frames.null_count:
        lengths = np.where(frames.is_null().to_numpy(zero_copy_only=False), 0, lengths)
    cols = np.arange(LONG_BYTES, dtype=np.int64)
    valid = cols[None, :] < np.minimum(lengths, LONG_BYTES)[:, None]
    idx = np.where(valid, offsets[:-1, None] + cols[None, :], 0)
    matrix = np.where(valid, data[idx], 0).astype(np.uint8)
    return matrix, lengths.astype(np.int64)


def _mod_generator(value: int) -> int:
    """Remainder of ``value`` (a polynomial over GF(2)) divided by the Mode S generator."""
    for shift in range(value.bit_length() - 25, -1, -1):
        if value >> (shift + 24) & 1:
            value ^= CRC_GENERATOR << shift
    return value


@cache
def syndrome_tables(n_bytes: int) -> U32:
    """Per-byte-position contribution tables: syndrome = XOR_k table[k, byte_k] (the remainder is linear)."""
    table = np.zeros((n_bytes, 256), dtype=np.uint32)
    for k in range(n_bytes):
        shift = 8 * (n_bytes - 1 - k)
        for v in range(256):
            table[k, v] = _mod_generator(v << shift)
    return table


def syndrome(matrix: U8, n_bytes: int) -> U32:
    """The CRC-24 remainder of each row's first ``n_bytes`` bytes (parity included)."""
    table = syndrome_tables(n_bytes)
    out = np.zeros(matrix.shape[0], dtype=np.uint32)
    for k in range(n_bytes):
        out ^= table[k][matrix[:, k]]
    return out


def parity_of(payload: bytes) -> int:
    """The 24-bit parity to append to ``payload`` (4 or 11 bytes) so the frame's syndrome is 0."""
    return _mod_generator(int.from_bytes(payload, "big") << 24)


def uint(matrix: U8, first_bit: int, n_bits: int) -> I64:
    """Unsigned field of ``n_bits`` starting at 1-based bit ``first_bit`` of each row (n_bits ≤ 56)."""
    first_byte = (first_bit - 1) // 8
    last_byte = (first_bit - 1 + n_bits - 1) // 8
    acc = np.zeros(matrix.shape[0], dtype=np.int64)
    for b in range(first_byte, last_byte + 1):
        acc = (acc << 8) | matrix[:, b].astype(np.int64)
    tail = (last_byte + 1) * 8 - (first_bit - 1 + n_bits)
    return (acc >> tail) & ((1 << n_bits) - 1)
