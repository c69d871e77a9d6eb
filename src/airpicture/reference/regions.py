"""Regions are configuration: ``<name>.toml`` files, user folders first, then the shipped ones.

Every key is documented in docs/regions.md. Loading checks the file completely: unknown or missing keys,
wrong types, an unknown time zone (``ConfigError``); an unknown country code, airfield name, or a border
segment between countries that share no border (``ReferenceDataError``). Each error names the file and key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from datetime import time
from importlib.abc import Traversable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from airpicture.model.errors import ConfigError, ReferenceDataError
from airpicture.model.region import Region
from airpicture.reference._files import data_file

REQUIRED_KEYS = ("title", "watched_country", "neighbours", "timezone", "night_start", "night_end", "airfields")
OPTIONAL_KEYS = ("name", "description", "border_segments", "area_bbox")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")

RegionSource = Path | Traversable


def region_files(region_dirs: Sequence[Path] = ()) -> dict[str, RegionSource]:
    """Region name -> file; a user folder's file shadows a shipped one of the same name."""
    found: dict[str, RegionSource] = {}
    shipped = data_file("regions")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found[entry.name[: -len(".toml")]] = entry
    for folder in reversed(tuple(region_dirs)):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = path
    return found


def find_region_file(name: str, region_dirs: Sequence[Path] = ()) -> RegionSource:
    files = region_files(region_dirs)
    key = name.strip().lower()
    if key not in files:
        raise ReferenceDataError(
            "unknown region", where="region", found=name, expected=f"one of {', '.join(sorted(files))}"
        )
    return files[key]


def parse_region(
    source: RegionSource,
    *,
    is_country: Callable[[str], bool],
    is_airfield: Callable[[str], bool],
    shares_border: Callable[[str, str], bool],
) -> Region:
    """Read and validate one region file; the callables check names against the reference data."""
    where = str(source)
    stem = source.name[: -len(".toml")] if source.name.endswith(".toml") else source.name
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read region file: {exc}", where=where) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=where) from exc
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        expected = f"keys {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}"
        raise ConfigError("unknown key", where=f"{where}: key {unknown[0]}", found=unknown[0], expected=expected)
    for key in REQUIRED_KEYS:
        if key not in data:
            raise ConfigError("missing key", where=f"{where}: key {key}", expected="see docs/regions.md")

    def text(key: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise ConfigError("bad value", where=f"{where}: key {key}", found=repr(value), expected="a string")
        return value

    def texts(key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("bad value", where=f"{where}: key {key}", found=repr(value), expected="a list of strings")
        return value

    def country(code: str, key: str) -> str:
        upper = code.strip().upper()
        if not is_country(upper):
            raise ReferenceDataError(
                "unknown country code", where=f"{where}: key {key}", found=code, expected="an ISO 3166-1 alpha-2 code"
            )
        return upper

    name = text("name", stem)
    if not _NAME.fullmatch(name):
        raise ConfigError(
            "bad region name", where=f"{where}: key name", found=name, expected="lowercase a-z, 0-9, - and _"
        )
    watched = country(text("watched_country"), "watched_country")
    neighbours = tuple(country(c, "neighbours") for c in texts("neighbours"))
    zone = text("timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            "unknown time zone", where=f"{where}: key timezone", found=zone, expected="an IANA zone, e.g. Europe/Minsk"
        ) from exc
    airfields = texts("airfields")
    for airfield in airfields:
        if not is_airfield(airfield):
            raise ReferenceDataError(
                "unknown airfield",
                where=f"{where}: key airfields",
                found=airfield,
                expected="a name, alias or code known to 'airpicture reference airfield'",
            )
    segments = _segments(data.get("border_segments", []), where, watched, country, shares_border)
    return Region(
        name=name,
        title=text("title"),
        watched_country=watched,
        neighbours=neighbours,
        timezone=zone,
        night_start=_time(data["night_start"], f"{where}: key night_start"),
        night_end=_time(data["night_end"], f"{where}: key night_end"),
        airfields=tuple(airfields),
        border_segments=segments,
        description=" ".join(text("description", "").split()),
        area_bbox=_bbox(data.get("area_bbox"), f"{where}: key area_bbox"),
    )


def _segments(
    value: Any,
    where: str,
    watched: str,
    country: Callable[[str, str], str],
    shares_border: Callable[[str, str], bool],
) -> tuple[tuple[str, str], ...]:
    key = f"{where}: key border_segments"
    if not isinstance(value, list):
        raise ConfigError("bad value", where=key, found=repr(value), expected='a list of pairs, e.g. [["BY", "UA"]]')
    segments = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(c, str) for c in pair)):
            raise ConfigError("bad value", where=key, found=repr(pair), expected='a pair of codes, e.g. ["BY", "UA"]')
        a, b = country(pair[0], "border_segments"), country(pair[1], "border_segments")
        if a != watched:
            raise ConfigError("segment must start with the watched country", where=key, found=f"{a}–{b}",
                              expected=f"{watched}–…")  # fmt: skip
        if not shares_border(a, b):
            raise ReferenceDataError("the two countries share no land border", where=key, found=f"{a}–{b}")
        segments.append((a, b))
    return tuple(segments)


def _time(value: Any, where: str) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError("bad time", where=where, found=repr(value), expected='local time "HH:MM"')


def _bbox(value: Any, where: str) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    expected = "[south_lat, west_lon, north_lat, east_lon] in degrees"
    if not (isinstance(value, list) and len(value) == 4 and all(isinstance(v, int | float) for v in value)):
        raise ConfigError("bad value", where=where, found=repr(value), expected=expected)
    south, west, north, east = (float(v) for v in value)
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise ConfigError("bad bounding box", where=where, found=repr(value), expected=expected)
    return (south, west, north, east)


FRAME_MARGIN_DEG = 3.0
"""How far (degrees) a region's frame reaches beyond its area, so approaches from outside are seen."""


def region_frame(
    region: Region, watched_bounds: tuple[float, float, float, float], margin_deg: float = FRAME_MARGIN_DEG
) -> tuple[float, float, float, float]:
    """The region's frame as ``(south_lat, west_lon, north_lat, east_lon)`` in degrees: its ``area_bbox`` (or,
    without one, ``watched_bounds``, the watched country's extent as shapely gives it: west, south, east,
    north) padded by ``margin_deg``. Everything the region sees is inside it: detectors get only positions in
    it, the assessment counts only data in it (docs/regions.md). South and west are inclusive, north and east
    exclusive."""
    if region.area_bbox is not None:
        south, west, north, east = region.area_bbox
    else:
        west, south, east, north = watched_bounds
    return (
        max(-90.0, south - margin_deg),
        max(-180.0, west - margin_deg),
        min(90.0, north + margin_deg),
        min(180.0, east + margin_deg),
    )
