"""Reference data shipped in the package: borders, airfields, aircraft of interest, ICAO blocks, regions.

May import only ``model``. Nothing is read at import time: a :class:`ReferenceData` loads each dataset on
first use. The module-level functions use one shared default instance (shipped data only, no user copy)::

    from airpicture import reference
    reference.aircraft("14C5A9").role          # AircraftRole.AEW_C
    reference.country_of_address("510123")     # "BY"
    reference.airfield("Zyabrovka").ident      # "BY-4247"
    reference.border("BY", "UA")               # shapely LineString

Code that has settings builds ``ReferenceData(settings.reference_path, settings.region_dirs)`` instead.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt
import shapely

from airpicture.model.reference_types import AddressBlock, Aircraft, AircraftRole, Airfield, Runway
from airpicture.model.region import Region
from airpicture.reference._reference import ReferenceData
from airpicture.reference.addresses import normalize_icao24
from airpicture.reference.aircraft import parse_plane_alert
from airpicture.reference.airfields import fold_name, normalize_name

_default: ReferenceData | None = None
_default_lock = threading.Lock()


def default() -> ReferenceData:
    """The shared instance behind the module-level functions (created on first call)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ReferenceData()
        return _default


def aircraft(icao24: str) -> Aircraft | None:
    return default().aircraft(icao24)


def country_of_address(icao24: str) -> str | None:
    return default().country_of_address(icao24)


def airfield(name_or_code: str) -> Airfield:
    return default().airfield(name_or_code)


def nearest_airfield(lat: float, lon: float) -> tuple[Airfield, float]:
    return default().nearest_airfield(lat, lon)


def border(a: str, b: str) -> shapely.Geometry:
    return default().border(a, b)


def country_at(lat: float, lon: float) -> str | None:
    return default().country_at(lat, lon)


def countries_at(lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.str_]:
    return default().countries_at(lats, lons)


def region(name: str) -> Region:
    return default().region(name)


__all__ = [
    "AddressBlock",
    "Aircraft",
    "AircraftRole",
    "Airfield",
    "ReferenceData",
    "Region",
    "Runway",
    "aircraft",
    "airfield",
    "border",
    "countries_at",
    "country_at",
    "country_of_address",
    "default",
    "fold_name",
    "nearest_airfield",
    "normalize_icao24",
    "normalize_name",
    "parse_plane_alert",
    "region",
]
