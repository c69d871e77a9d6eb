"""ICAO 24-bit address blocks per State (ICAO Annex 10 Vol III, chapter 9 appendix), most specific wins.

Shipped as ``data/icao/icao24_country_ranges.csv`` (see its SOURCE.txt). Blocks nest: the EUR/NAT regional
block 500000–5FFFFF holds Belarus 510000–5103FF; an address takes the smallest block that contains it.
The nesting is flattened once into sorted, disjoint intervals so that arrays of addresses are looked up
with one ``np.searchsorted``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from airpicture.model.errors import ReferenceDataError
from airpicture.model.reference_types import AddressBlock
from airpicture.reference._files import data_file

RANGES_FILE = ("icao", "icao24_country_ranges.csv")
_HEX6 = re.compile(r"[0-9a-f]{6}")


def normalize_icao24(text: str, where: str = "icao24") -> str:
    """A Mode S address as lowercase 6-hex (``14C5A9`` → ``14c5a9``; a leading ``~`` is not an address)."""
    value = text.strip().lower()
    if value.startswith("0x"):
        value = value[2:]
    if not _HEX6.fullmatch(value):
        raise ReferenceDataError(
            "not an ICAO 24-bit address", where=where, found=text, expected="6 hexadecimal digits, e.g. 14C5A9"
        )
    return value


@dataclass(frozen=True, slots=True)
class AddressBlocks:
    """The allocation table and its flattened, most-specific-wins interval index."""

    blocks: tuple[AddressBlock, ...]
    _starts: npt.NDArray[np.int64]
    _ends: npt.NDArray[np.int64]
    _block_of: npt.NDArray[np.int64]  # index into ``blocks`` for each flat interval

    @classmethod
    def load(cls) -> AddressBlocks:
        text = data_file(*RANGES_FILE).read_text(encoding="utf-8")
        blocks = tuple(
            AddressBlock(
                start=int(row["start_hex"], 16),
                end=int(row["end_hex"], 16),
                country=row["iso2"],
                name=row["country"],
                kind=row["kind"],
            )
            for row in csv.DictReader(io.StringIO(text))
        )
        return cls.from_blocks(blocks)

    @classmethod
    def from_blocks(cls, blocks: tuple[AddressBlock, ...]) -> AddressBlocks:
        """Flatten nested blocks: each elementary interval takes the smallest block covering it."""
        edges = np.unique(np.array([b.start for b in blocks] + [b.end + 1 for b in blocks], dtype=np.int64))
        starts, ends, owner = [], [], []
        sizes = np.array([b.size for b in blocks], dtype=np.int64)
        lo = np.array([b.start for b in blocks], dtype=np.int64)
        hi = np.array([b.end for b in blocks], dtype=np.int64)
        for left, right in zip(edges[:-1], edges[1:] - 1, strict=True):
            covering = np.flatnonzero((lo <= left) & (hi >= right))
            if covering.size:
                best = covering[np.argmin(sizes[covering])]  # ties: first listed (argmin is stable)
                starts.append(left)
                ends.append(right)
                owner.append(best)
        return cls(
            blocks=blocks,
            _starts=np.array(starts, dtype=np.int64),
            _ends=np.array(ends, dtype=np.int64),
            _block_of=np.array(owner, dtype=np.int64),
        )

    def block_of(self, icao24: str) -> AddressBlock | None:
        """The most specific block holding ``icao24`` (hex text), ``None`` if no block holds it."""
        address = int(normalize_icao24(icao24), 16)
        i = int(np.searchsorted(self._starts, address, side="right")) - 1
        if i < 0 or address > self._ends[i]:
            return None
        return self.blocks[int(self._block_of[i])]

    def country_of(self, icao24: str) -> str | None:
        """ISO 3166-1 alpha-2 code of the State the address is allocated to; ``None`` if none is."""
        block = self.block_of(icao24)
        return block.country or None if block is not None else None

    def countries_of(self, addresses: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Vectorised ``country_of``: ISO codes for an array of addresses, ``""`` where no State holds one.

        ``addresses`` are integers, or hex strings (as in positions' ``icao24`` column; invalid ones get ``""``).
        """
        values = _as_ints(addresses)
        result = np.full(values.shape, "", dtype="<U2")
        i = np.searchsorted(self._starts, values, side="right") - 1
        inside = (i >= 0) & (values <= self._ends[np.clip(i, 0, None)]) & (values >= 0)
        countries = np.array([b.country for b in self.blocks], dtype="<U2")
        result[inside] = countries[self._block_of[i[inside]]]
        return result


def _as_ints(addresses: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Integers as they are; hex strings parsed column-wise (not 6 hex digits: -1)."""
    arr = np.asarray(addresses)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    text = pl.Series(arr.ravel().astype(str)).str.strip_chars().str.to_lowercase()
    parsed = (
        pl.when(text.str.contains(r"^[0-9a-f]{6}$")).then(text.str.to_integer(base=16, strict=False)).otherwise(None)
    )
    values = pl.select(parsed.fill_null(-1).cast(pl.Int64)).to_series().to_numpy()
    return np.asarray(values, dtype=np.int64).reshape(arr.shape)
