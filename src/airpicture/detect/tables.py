"""Column helpers shared by detectors: trusted positioned fixes in (address, time) order, as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.model.events import Evidence, EvidenceKind
from airpicture.model.schemas import PositionFlag

SUSPECT_FLAGS = (
    PositionFlag.CPR_AMBIGUOUS
    | PositionFlag.IMPOSSIBLE_SPEED
    | PositionFlag.POSITION_JUMP
    | PositionFlag.FROZEN_POSITION
)
"""Fixes with any of these bits never create an event on their own (spoofed or implausible)."""

FIXES_COLUMNS = frozenset(
    {"icao24", "ts", "lat_deg", "lon_deg", "alt_ft", "flags", "on_ground", "callsign", "source_file", "source_offset"}
)
"""The position columns :class:`Fixes` reads (a detector built on it declares at least these)."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _hex_pair_table() -> npt.NDArray[np.int32]:
    """Value (0–255) of every two-byte lowercase-hex string read as a little-endian uint16; -1 otherwise."""
    digit = np.full(256, -1, dtype=np.int32)
    digit[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16)
    low, high = np.meshgrid(np.arange(256), np.arange(256), indexing="xy")  # first byte low, second high
    table = digit[low] * 16 + digit[high]
    return np.asarray(np.where((digit[low] >= 0) & (digit[high] >= 0), table, -1), dtype=np.int32).ravel()


_HEX_PAIRS: list[npt.NDArray[np.int32]] = []


def address_numbers(column: Any) -> npt.NDArray[np.int64] | None:
    """ICAO addresses as integers, read straight from the string buffer, when every value is six lowercase hex
    digits (the decoders' form) — then integer order is the strings' order. ``None`` otherwise (nulls, other
    lengths or characters, e.g. a non-ICAO ``~`` address): callers fall back to string handling."""
    array: Any = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_string(array.type) or array.null_count:
        return None
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset : array.offset + n + 1]
    if int(offsets[-1] - offsets[0]) != 6 * n or not bool(np.all(np.diff(offsets) == 6)):
        return None
    if not _HEX_PAIRS:
        _HEX_PAIRS.append(_hex_pair_table())  # built on first use, not at import
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    pairs = _HEX_PAIRS[0][data.view("<u2").reshape(n, 3)]  # three bytes of the address per row
    if bool((pairs < 0).any()):
        return None
    numbers: npt.NDArray[np.int64] = (
        (pairs[:, 0].astype(np.int64) << 16) | (pairs[:, 1].astype(np.int64) << 8) | pairs[:, 2]
    )
    return numbers


def micros_to_datetime(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(micros))


def datetime_to_micros(value: datetime) -> int:
    return int((value - EPOCH) / timedelta(microseconds=1))


def _address_codes(column: Any) -> tuple[npt.NDArray[np.int64], list[str]]:
    """A code per row and the address of each code (codes in order of first appearance). On a table in
    canonical order with ordinary addresses, from the runs of equal addresses (no string hashing)."""
    numbers = address_numbers(column)
    if numbers is not None and len(numbers) and bool(np.all(numbers[1:] >= numbers[:-1])):
        new = np.r_[True, numbers[1:] != numbers[:-1]]
        starts = np.flatnonzero(new)
        return np.cumsum(new, dtype=np.int64) - 1, [f"{a:06x}" for a in numbers[starts].tolist()]
    encoded: Any = pc.dictionary_encode(column).combine_chunks()
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64), encoded.dictionary.to_pylist()


@dataclass(frozen=True, slots=True)
class Fixes:
    """Positioned rows as arrays, in the table's (canonical: address, time) order."""

    address_code: npt.NDArray[np.int64]
    addresses: list[str]
    ts_us: npt.NDArray[np.int64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    alt_ft: npt.NDArray[np.float64]
    flags: npt.NDArray[np.int64]
    on_ground: npt.NDArray[np.int8]
    """1 on the ground, 0 airborne, -1 unknown (many military transponders never say)."""
    source_offset: npt.NDArray[np.int64]
    table: pa.Table = field(repr=False, compare=False)
    """The table these arrays come from; text columns are read from it only when needed."""
    rows: npt.NDArray[np.int64] | None = field(default=None, repr=False, compare=False)
    """Row of ``table`` for each fix (``None``: fix *k* is row *k*, every row is a fix)."""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_table(cls, positions: pa.Table, *, trusted_only: bool = False) -> Fixes:
        """The rows of ``positions`` with a position (and, with ``trusted_only``, no suspect flag). Numeric
        columns become NumPy arrays of those rows; the table itself is kept as it is, not filtered."""
        lat_column, lon_column = positions["lat_deg"], positions["lon_deg"]
        flags = pc.cast(positions["flags"], pa.int64()).to_numpy()
        keep: npt.NDArray[np.bool_] | None = None
        if lat_column.null_count or lon_column.null_count:
            valid: Any = pc.and_(pc.is_valid(lat_column), pc.is_valid(lon_column))
            keep = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)
        if trusted_only:
            clean = (flags & int(SUSPECT_FLAGS)) == 0
            keep = clean if keep is None else keep & clean
        rows = None if keep is None or bool(keep.all()) else np.flatnonzero(keep)

        def pick(values: Any, dtype: Any) -> Any:
            array = np.asarray(values, dtype=dtype)
            return array if rows is None else array[rows]

        codes, addresses = _address_codes(positions["icao24"])
        ground: Any = pc.fill_null(pc.cast(positions["on_ground"], pa.int8()), pa.scalar(-1, pa.int8()))
        return cls(
            address_code=pick(codes, np.int64),
            addresses=addresses,
            ts_us=pick(pc.cast(positions["ts"], pa.int64()).to_numpy(), np.int64),
            lat=pick(lat_column.to_numpy(), np.float64),
            lon=pick(lon_column.to_numpy(), np.float64),
            alt_ft=pick(positions["alt_ft"].to_numpy(), np.float64),
            flags=pick(flags, np.int64),
            on_ground=pick(ground.to_numpy(), np.int8),
            source_offset=pick(positions["source_offset"].to_numpy(), np.int64),
            table=positions,
            rows=rows,
        )

    def table_rows(self, fixes: Any) -> Any:
        """Rows of ``table`` for fix indices ``fixes`` (an int or an integer array)."""
        return fixes if self.rows is None else self.rows[fixes]

    @property
    def callsign(self) -> npt.NDArray[np.object_]:
        """Callsign per fix (``None`` when the row has none); materialised on first use."""
        if "callsign" not in self._cache:
            values = np.asarray(self.table["callsign"].to_numpy(), dtype=object)
            self._cache["callsign"] = values if self.rows is None else values[self.rows]
        callsigns: npt.NDArray[np.object_] = self._cache["callsign"]
        return callsigns

    def source_file(self, row: int) -> str:
        return str(self.table["source_file"][int(self.table_rows(int(row)))].as_py())

    def source_files(self, rows: npt.NDArray[np.int64]) -> list[str]:
        """The source file of each of the fixes ``rows`` (one Arrow take for many)."""
        return [str(f) for f in self.table["source_file"].take(self.table_rows(rows)).to_pylist()]

    def last_callsigns(self, rows: npt.NDArray[np.int64]) -> list[str | None]:
        """:meth:`last_callsign` of each of the fixes ``rows``, at once."""
        sources = self._callsign_sources(np.asarray(rows, dtype=np.int64))
        known = sources >= 0
        found: list[str | None] = [None] * len(rows)
        if known.any():
            names = self.table["callsign"].take(self.table_rows(sources[known])).to_pylist()
            for k, name in zip(np.flatnonzero(known).tolist(), names, strict=True):
                found[k] = name
        return found

    def __len__(self) -> int:
        return len(self.ts_us)

    def evidence(self, *rows: int) -> tuple[Evidence, ...]:
        return tuple(Evidence(EvidenceKind.POSITION, self.source_file(r), int(self.source_offset[r])) for r in rows)

    def address(self, row: int) -> str:
        return self.addresses[int(self.address_code[row])]

    def last_callsign(self, row: int) -> str | None:
        """The newest callsign of this address at or before fix ``row``."""
        return self.last_callsigns(np.array([row], dtype=np.int64))[0]

    def _callsign_sources(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """For each fix in ``rows``, the newest fix at or before it of the same address that carries a callsign
        (-1: none yet). Binary searches in two arrays computed once: fixes with a callsign, first fix of each
        address."""
        cached = self._cache.get("callsign_index")
        if cached is None:
            lengths: Any = pc.utf8_length(self.table["callsign"])
            named: Any = pc.fill_null(pc.greater(lengths, pa.scalar(0, lengths.type)), False)
            has = np.asarray(named.to_numpy(), dtype=bool)
            has = has if self.rows is None else has[self.rows]
            firsts = np.flatnonzero(np.r_[True, self.address_code[1:] != self.address_code[:-1]])
            cached = (np.flatnonzero(has), np.asarray(firsts[: len(self)], dtype=np.int64))
            self._cache["callsign_index"] = cached
        named_fixes, firsts = cached
        if len(rows) == 0 or len(named_fixes) == 0:
            return np.full(len(rows), -1, dtype=np.int64)
        k = np.searchsorted(named_fixes, rows, side="right") - 1
        source = named_fixes[np.maximum(k, 0)]
        # a callsign from before the address's first fix belongs to another aircraft
        first = firsts[np.searchsorted(firsts, rows, side="right") - 1]
        return np.where((k >= 0) & (source >= first), source, -1).astype(np.int64)

    def segments(self, max_gap_s: float) -> npt.NDArray[np.int64]:
        """A segment id per row: a new segment at each new address and after each silence > ``max_gap_s``."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        new = np.r_[True, (self.address_code[1:] != self.address_code[:-1]) | (np.diff(self.ts_us) > max_gap_s * 1e6)]
        return np.cumsum(new) - 1

    def thinned(self, step_s: float) -> npt.NDArray[np.int64]:
        """Row indices keeping the first fix of each address in each ``step_s`` bucket."""
        if len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        bucket = self.ts_us // int(step_s * 1e6)
        keep = np.r_[True, (self.address_code[1:] != self.address_code[:-1]) | (bucket[1:] != bucket[:-1])]
        return np.flatnonzero(keep)
