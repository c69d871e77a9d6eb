"""Where a claim happened, in words: the nearest airfield or town from the shipped gazetteer.

The report layer may import only ``model``, so names are resolved here and passed in
(``ReportInputs.places``, claim id → phrase); coordinates stay in the JSON and the endnotes.

- an airfield within ``AIRFIELD_NEAR_KM``: "near Minsk Machulishchy Air Base";
- else the nearest settlement of at least ``MIN_POPULATION`` people: "near Mazyr" within ``TOWN_NEAR_KM``,
  "25 km NE of Mazyr" up to ``TOWN_MAX_KM`` (distances over 10 km rounded to 5 km; eight compass points);
- else nothing (the report falls back to coordinates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from airpicture.geo import haversine_km
from airpicture.geo.distance import initial_bearing_deg
from airpicture.model.judgments import ClaimFacts
from airpicture.reference.airfields import Airfields
from airpicture.reference.gazetteer import Gazetteer

AIRFIELD_NEAR_KM = 3.0
TOWN_NEAR_KM = 5.0
TOWN_MAX_KM = 60.0
MIN_POPULATION = 10_000
_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


@dataclass(frozen=True, slots=True)
class PlaceNamer:
    """Settlements (name, lat, lon as arrays) and the airfield reference, loaded once."""

    names: tuple[str, ...]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    airfields: Airfields

    @classmethod
    def load(cls) -> PlaceNamer:
        towns = [p for p in Gazetteer.load().places if p.kind == "settlement" and p.population >= MIN_POPULATION]
        return cls(
            tuple(p.name for p in towns),
            np.array([p.lat_deg for p in towns], dtype=np.float64),
            np.array([p.lon_deg for p in towns], dtype=np.float64),
            Airfields.load(),
        )

    def phrase(self, lat_deg: float, lon_deg: float) -> str | None:
        """ "near X" / "25 km NE of X" for a point, or None when nothing named is close enough."""
        airfield, km = self.airfields.nearest(lat_deg, lon_deg)
        if km <= AIRFIELD_NEAR_KM and airfield.kind != "closed":
            alias = next((a for a in airfield.aliases if a.isascii()), "")
            name = (
                airfield.name if not alias or alias.lower() in airfield.name.lower() else f"{airfield.name} ({alias})"
            )
            return f"near {name}"
        if not self.names:
            return None
        dist = haversine_km(lat_deg, lon_deg, self.lat, self.lon)
        i = int(np.argmin(dist))
        d = float(dist[i])
        if d <= TOWN_NEAR_KM:
            return f"near {self.names[i]}"
        if d > TOWN_MAX_KM:
            return None
        bearing = float(initial_bearing_deg(self.lat[i], self.lon[i], lat_deg, lon_deg))
        point = _POINTS[int((bearing + 22.5) // 45) % 8]
        shown = round(d) if d < 10 else int(5 * round(d / 5))
        return f"{shown} km {point} of {self.names[i]}"


@lru_cache(maxsize=1)
def place_namer() -> PlaceNamer:
    """The shipped gazetteer's towns and airfields, loaded on first use."""
    return PlaceNamer.load()


def claim_point(facts: ClaimFacts) -> tuple[float, float] | None:
    """The point a claim is about: the centre of the claim's own event when it has one (an orbit's centre, not
    the first point of its line), else the claim's own point — for an observer's claim, where the observer
    placed it, never the centre of an event that merely corroborates it."""
    for event in facts.events:
        if event.type != facts.claim.event_type:
            continue
        lat, lon = event.attributes.get("centre_lat_deg"), event.attributes.get("centre_lon_deg")
        if lat is not None and lon is not None:
            return float(lat), float(lon)
    if facts.claim.lat_deg is not None and facts.claim.lon_deg is not None:
        return facts.claim.lat_deg, facts.claim.lon_deg
    return None


def place_phrases(claims: Iterable[ClaimFacts], namer: PlaceNamer | None = None) -> dict[str, str]:
    """Claim id → place phrase for every claim with a point and a named place near it."""
    namer = namer or place_namer()
    out: dict[str, str] = {}
    for facts in claims:
        point = claim_point(facts)
        if point is None:
            continue
        phrase = namer.phrase(*point)
        if phrase:
            out[facts.claim.claim_id] = phrase
    return out
