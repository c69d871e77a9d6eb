"""Wiring for ``airpicture reference …``: reference data built from settings, the watch-list update.

The update is validated completely before anything is written, then written with ``store.atomic`` (temp
file, fsync, rename) into ``Settings.reference_path``; a bad file leaves the previous copy untouched.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import shapely
from pyproj import Geod

from airpicture.model.errors import ReferenceDataError, UsageError
from airpicture.model.reference_types import AddressBlock, Aircraft, Airfield
from airpicture.model.region import Region
from airpicture.model.settings import Settings
from airpicture.reference import ReferenceData, normalize_icao24, parse_plane_alert
from airpicture.reference.aircraft import PLANE_ALERT_FILE_NAME
from airpicture.store.atomic import atomic_write_bytes

_GEOD = Geod(ellps="WGS84")
BORDER_FORMATS = ("summary", "geojson", "wkt")


def reference_data(settings: Settings) -> ReferenceData:
    """The reference data as configured: the user copy folder and the user region folders."""
    return ReferenceData(settings.reference_path, settings.region_dirs)


def find_aircraft(settings: Settings, icao24: str) -> Aircraft:
    """The watch-list entry for ``icao24``; not on the list: ``ReferenceDataError``."""
    address = normalize_icao24(icao24, where="aircraft")
    data = reference_data(settings)
    found = data.aircraft(address)
    if found is None:
        raise ReferenceDataError(
            f"not on the watch-list ({data.watchlist.source})",
            where="aircraft",
            found=icao24,
            expected="an address listed in plane-alert-db",
        )
    return found


@dataclass(frozen=True, slots=True)
class AddressOwner:
    """Who an ICAO address is allocated to."""

    icao24: str
    country: str | None
    country_name: str
    block: AddressBlock | None


def address_owner(settings: Settings, icao24: str) -> AddressOwner:
    address = normalize_icao24(icao24, where="country-of")
    block = reference_data(settings).address_block(address)
    return AddressOwner(
        icao24=address,
        country=(block.country or None) if block else None,
        country_name=block.name if block else "unallocated",
        block=block,
    )


@dataclass(frozen=True, slots=True)
class AircraftLookup:
    """An address looked up: its allocation block (always) and its watch-list entry (when listed)."""

    owner: AddressOwner
    aircraft: Aircraft | None
    watchlist: str
    """Where the watch-list came from (the shipped copy or the user's update)."""

    def allocation(self) -> str:
        """``Belarus, block 510000–5103FF`` (or ``unallocated``)."""
        block = self.owner.block
        if block is None:
            return self.owner.country_name
        return f"{self.owner.country_name}, block {block.start_hex.upper()}–{block.end_hex.upper()}"


def lookup_aircraft(settings: Settings, icao24: str) -> AircraftLookup:
    """Any address: the State's block, and the watch-list entry if there is one (not listed is an answer)."""
    address = normalize_icao24(icao24, where="aircraft")
    data = reference_data(settings)
    block = data.address_block(address)
    owner = AddressOwner(
        icao24=address,
        country=(block.country or None) if block else None,
        country_name=block.name if block else "unallocated",
        block=block,
    )
    return AircraftLookup(owner=owner, aircraft=data.aircraft(address), watchlist=str(data.watchlist.source))


def find_airfield(settings: Settings, name_or_code: str) -> Airfield:
    return reference_data(settings).airfield(name_or_code)


@dataclass(frozen=True, slots=True)
class BorderLine:
    a: str
    b: str
    a_name: str
    b_name: str
    geometry: shapely.Geometry
    length_km: float


def find_border(settings: Settings, a: str, b: str) -> BorderLine:
    data = reference_data(settings)
    line = data.border(a, b)
    return BorderLine(
        a=a.upper(),
        b=b.upper(),
        a_name=data.country_name(a),
        b_name=data.country_name(b),
        geometry=line,
        length_km=_GEOD.geometry_length(line) / 1000.0,
    )


def border_text(border: BorderLine, fmt: str) -> str:
    """A border as GeoJSON (a Feature) or WKT."""
    if fmt == "geojson":
        feature = {
            "type": "Feature",
            "properties": {"a": border.a, "b": border.b, "length_km": round(border.length_km, 3)},
            "geometry": json.loads(shapely.to_geojson(border.geometry)),
        }
        return json.dumps(feature)
    if fmt == "wkt":
        return str(shapely.to_wkt(border.geometry, rounding_precision=5))
    raise UsageError("unknown format", where="--format", found=fmt, expected=f"one of {', '.join(BORDER_FORMATS)}")


def find_region(settings: Settings, name: str) -> Region:
    return reference_data(settings).region(name)


def list_regions(settings: Settings) -> list[Region]:
    data = reference_data(settings)
    return [data.region(name) for name in data.region_names()]


@dataclass(frozen=True, slots=True)
class WatchlistUpdate:
    path: Path
    aircraft: int
    previous: int | None


def update_plane_alert(settings: Settings, source: Path) -> WatchlistUpdate:
    """Validate ``source`` as a plane-alert-db CSV and install it as the user watch-list, atomically."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ReferenceDataError(f"cannot read file: {exc.strerror}", where=str(source)) from exc
    table = parse_plane_alert(data, str(source))
    target = settings.reference_path / PLANE_ALERT_FILE_NAME
    previous = None
    if target.is_file():
        try:
            previous = parse_plane_alert(target.read_bytes(), str(target)).height
        except ReferenceDataError:
            previous = None  # a damaged user copy is replaced; the new file is valid
    atomic_write_bytes(target, data)
    return WatchlistUpdate(path=target, aircraft=table.height, previous=previous)


def as_dict(record: Any) -> dict[str, Any]:
    """A reference record (frozen dataclass) as plain data for ``--json``."""
    out: dict[str, Any] = dataclasses.asdict(record)
    return {k: v.strftime("%H:%M") if isinstance(v, time) else v for k, v in out.items()}
