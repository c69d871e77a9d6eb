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

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros_to_datetime(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(micros))


def datetime_to_micros(value: datetime) -> int:
    return int((value - EPOCH) / timedelta(microseconds=1))


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
    """The positioned rows these arrays come from; text columns are read from it only when needed."""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_table(cls, positions: pa.Table, *, trusted_only: bool = False) -> Fixes:
        mask: Any = pc.and_(pc.is_valid(positions["lat_deg"]), pc.is_valid(positions["lon_deg"]))
        if trusted_only:
            flags: Any = pc.cast(positions["flags"], pa.int64())
            masked: Any = pc.bit_wise_and(flags, pa.scalar(int(SUSPECT_FLAGS), pa.int64()))
            suspect = pc.not_equal(masked, pa.scalar(0, pa.int64()))
            mask = pc.and_(mask, pc.invert(suspect))
        table = positions.filter(mask)
        encoded: Any = pc.dictionary_encode(table["icao24"]).combine_chunks()
        alt: Any = pc.cast(table["alt_ft"], pa.float64()).to_numpy(zero_copy_only=False)
        ground: Any = pc.fill_null(pc.cast(table["on_ground"], pa.int8()), pa.scalar(-1, pa.int8()))
        return cls(
            address_code=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
            addresses=encoded.dictionary.to_pylist(),
            ts_us=pc.cast(table["ts"], pa.int64()).to_numpy(),
            lat=table["lat_deg"].to_numpy(),
            lon=table["lon_deg"].to_numpy(),
            alt_ft=np.asarray(alt, dtype=np.float64),
            flags=pc.cast(table["flags"], pa.int64()).to_numpy(),
            on_ground=np.asarray(ground.to_numpy(), dtype=np.int8),
            source_offset=table["source_offset"].to_numpy(),
            table=table,
        )

    @property
    def callsign(self) -> npt.NDArray[np.object_]:
        """Callsign per row (``None`` when the row has none); materialised on first use."""
        if "callsign" not in self._cache:
            self._cache["callsign"] = np.asarray(self.table["callsign"].to_numpy(zero_copy_only=False), dtype=object)
        values: npt.NDArray[np.object_] = self._cache["callsign"]
        return values

    def source_file(self, row: int) -> str:
        return str(self.table["source_file"][int(row)].as_py())

    def __len__(self) -> int:
        return len(self.ts_us)

    def evidence(self, *rows: int) -> tuple[Evidence, ...]:
        return tuple(Evidence(EvidenceKind.POSITION, self.source_file(r), int(self.source_offset[r])) for r in rows)

    def address(self, row: int) -> str:
        return self.addresses[int(self.address_code[row])]

    def last_callsign(self, row: int) -> str | None:
        """The newest callsign of this address at or before ``row``."""
        source = int(self._callsign_source()[row])
        return str(self.table["callsign"][source].as_py()) if source >= 0 else None

    def _callsign_source(self) -> npt.NDArray[np.int64]:
        """Per row, the index of the newest row of the same address with a callsign (-1: none yet).

        Computed once (a running maximum of row indices that carry a callsign, reset per address)."""
        cached = self._cache.get("callsign_source")
        if cached is None:
            n = len(self)
            lengths: Any = pc.utf8_length(self.table["callsign"])
            named: Any = pc.fill_null(pc.greater(lengths, pa.scalar(0, lengths.type)), False)
            has = np.asarray(named.to_numpy(zero_copy_only=False), dtype=bool)
            running = np.maximum.accumulate(np.where(has, np.arange(n), -1)) if n else np.zeros(0, dtype=np.int64)
            # The first row of each address: a callsign from before it belongs to another aircraft.
            start = np.zeros(n, dtype=np.int64)
            if n:
                firsts = np.r_[0, np.flatnonzero(self.address_code[1:] != self.address_code[:-1]) + 1]
                start[firsts] = firsts
                start = np.maximum.accumulate(start)
            cached = np.where(running >= start, running, -1).astype(np.int64)
            self._cache["callsign_source"] = cached
        return cached

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
