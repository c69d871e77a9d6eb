"""A region: what a monitoring group watches. Regions are configuration (TOML files), not code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Region:
    """A watched country, its neighbours, local time, night window, airfields and border segments.

    ``night_start``/``night_end`` are local wall-clock times in ``timezone``; a night that starts
    before midnight ends the next morning. ``airfields`` are names or codes as users type them,
    resolved through the airfield reference. ``border_segments`` are pairs of ISO 3166-1 alpha-2
    codes, the watched country first. ``area_bbox`` optionally narrows the watch to part of the watched
    country, as ``(south_lat, west_lon, north_lat, east_lon)`` in degrees (e.g. Russia's Kaliningrad oblast).
    """

    name: str
    title: str
    watched_country: str
    neighbours: tuple[str, ...]
    timezone: str
    night_start: time
    night_end: time
    airfields: tuple[str, ...]
    border_segments: tuple[tuple[str, str], ...]
    description: str = ""
    area_bbox: tuple[float, float, float, float] | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def countries(self) -> tuple[str, ...]:
        """The watched country followed by its neighbours."""
        return (self.watched_country, *self.neighbours)
