"""``ReferenceData``: one object that loads each dataset on first use and keeps it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely

from airpicture.model.errors import ReferenceDataError
from airpicture.model.reference_types import AddressBlock, Aircraft, Airfield
from airpicture.model.region import Region
from airpicture.reference.addresses import AddressBlocks, normalize_icao24
from airpicture.reference.aircraft import Watchlist
from airpicture.reference.airfields import Airfields
from airpicture.reference.borders import Borders
from airpicture.reference.regions import find_region_file, parse_region, region_files


class ReferenceData:
    """Borders, airfields, aircraft of interest, ICAO address blocks and regions, loaded lazily.

    ``user_dir`` holds user-refreshed data (``Settings.reference_path``; the watch-list written by
    ``airpicture reference update``), preferred over the shipped copy. ``region_dirs`` are searched for
    region files before the shipped ones. Nothing is read until first asked for; each dataset is read once.
    """

    def __init__(self, user_dir: Path | None = None, region_dirs: Sequence[Path] = ()) -> None:
        self.user_dir = user_dir
        self.region_dirs = tuple(region_dirs)
        self._lock = threading.Lock()
        self._regions: dict[str, Region] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled as its folders and resolved regions only (a distributed worker reloads the datasets it
        uses from the same files; the lock is not picklable)."""
        return {"user_dir": self.user_dir, "region_dirs": self.region_dirs, "regions": dict(self._regions)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["user_dir"], state["region_dirs"])  # type: ignore[misc]
        self._regions.update(state["regions"])

    # -- datasets, each read on first use ------------------------------------------------------------
    @cached_property
    def borders(self) -> Borders:
        return Borders.load()

    @cached_property
    def airfields(self) -> Airfields:
        return Airfields.load()

    @cached_property
    def watchlist(self) -> Watchlist:
        return Watchlist.load(self.user_dir)

    @cached_property
    def address_blocks(self) -> AddressBlocks:
        return AddressBlocks.load()

    # -- aircraft ------------------------------------------------------------------------------------
    def aircraft(self, icao24: str) -> Aircraft | None:
        """The watch-list entry for an address (any case), ``None`` when it is not on the list."""
        return self.watchlist.aircraft(normalize_icao24(icao24))

    def aircraft_many(self, icao24: pl.Series) -> pl.DataFrame:
        """Vectorised watch-list look-up: one row per address, in order (see ``Watchlist.lookup``)."""
        return self.watchlist.lookup(icao24)

    def address_block(self, icao24: str) -> AddressBlock | None:
        """The most specific ICAO block holding the address."""
        return self.address_blocks.block_of(icao24)

    def country_of_address(self, icao24: str) -> str | None:
        """ISO code of the State the address is allocated to, ``None`` for unallocated/special blocks."""
        return self.address_blocks.country_of(icao24)

    def countries_of_addresses(self, addresses: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """Vectorised ``country_of_address`` (hex strings or integers; ``""`` where none)."""
        return self.address_blocks.countries_of(addresses)

    # -- airfields -----------------------------------------------------------------------------------
    def airfield(self, name_or_code: str) -> Airfield:
        """The airfield a user means (name, alias, ICAO/GPS/IATA code); unknown: ``ReferenceDataError``."""
        return self.airfields.airfield(name_or_code)

    def nearest_airfield(self, lat: float, lon: float) -> tuple[Airfield, float]:
        """The airfield nearest to a position and its distance in km."""
        return self.airfields.nearest(lat, lon)

    def nearest_airfields(
        self, lats: npt.ArrayLike, lons: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.float64]]:
        """Vectorised: (ident, distance km) of the nearest airfield per position; ``""``/NaN for NaN input."""
        rows, km = self.airfields.nearest_rows(lats, lons)
        idents = np.asarray(self.airfields.table["ident"].to_numpy(), dtype=str)
        out = np.where(rows >= 0, idents[np.clip(rows, 0, None)], "")
        return out, km

    # -- borders -------------------------------------------------------------------------------------
    def country(self, code: str) -> shapely.MultiPolygon:
        return self.borders.country(code)

    def country_name(self, code: str) -> str:
        return self.borders.name(code)

    def country_at(self, lat: float, lon: float) -> str | None:
        return self.borders.country_at(lat, lon)

    def countries_at(self, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.str_]:
        return self.borders.countries_at(lats, lons)

    def border(self, a: str, b: str) -> shapely.Geometry:
        """The border between two countries as a (Multi)LineString, lon/lat degrees."""
        return self.borders.border(a, b)

    # -- regions -------------------------------------------------------------------------------------
    def region_names(self) -> tuple[str, ...]:
        return tuple(sorted(region_files(self.region_dirs)))

    def region(self, name: str) -> Region:
        """A region by name, validated against the reference data (see ``regions.parse_region``)."""
        key = name.strip().lower()
        with self._lock:
            if key not in self._regions:
                self._regions[key] = parse_region(
                    find_region_file(key, self.region_dirs),
                    is_country=lambda c: c in self.borders.codes,
                    is_airfield=lambda a: self.airfields.find_row(a) is not None,
                    shares_border=self._shares_border,
                )
            return self._regions[key]

    def _shares_border(self, a: str, b: str) -> bool:
        try:
            self.borders.border(a, b)
        except ReferenceDataError:
            return False
        return True
