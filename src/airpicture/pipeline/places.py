"""Where a claim happened, in words: the nearest airfield or town from the shipped gazetteer.

The report layer may import only ``model``, so names are resolved here and passed in
(``ReportInputs.places``, claim id → phrase); coordinates stay in the JSON and the endnotes.

- an airfield within ``AIRFIELD_NEAR_KM``: "near Minsk Machulishchy Air Base";
- else the nearest settlement of at least ``MIN_POPULATION`` people: "near Mazyr" within ``TOWN_NEAR_KM``,
  "25 km NE of Mazyr" up to ``TOWN_MAX_KM`` (distances over 10 km rounded to 5 km; eight compass points);
- else nothing (the report falls back to coordinates).

**One romanisation.** Belarusian places are written in the BGN/PCGN (1979) romanisation of their Belarusian
name, in plain ASCII (the soft sign and apostrophe dropped): "Mazyr", "Pyetrykaw", "Baranavichy",
"Machulishchy". The Belarusian Cyrillic form is taken from the shipped gazetteer's alternate names (GeoNames)
or the airfield aliases; a Belarusian airfield is "<romanised Belarusian name> Air Base". Places outside
Belarus, and Belarusian ones with no Belarusian form on file, keep their GeoNames / OurAirports name
(docs/report.md).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from airpicture.geo import haversine_km
from airpicture.geo.distance import initial_bearing_deg
from airpicture.model.judgments import ClaimFacts
from airpicture.model.reference_types import Airfield
from airpicture.reference.airfields import Airfields
from airpicture.reference.gazetteer import Gazetteer, Place

AIRFIELD_NEAR_KM = 3.0
TOWN_NEAR_KM = 5.0
TOWN_MAX_KM = 60.0
MIN_POPULATION = 10_000
MAP_MIN_POPULATION = 50_000
_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")

_BGN_PCGN_BE = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "ye", "ё": "yo", "ж": "zh", "з": "z",
    "і": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ў": "w", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "'": "", "’": "", "ʼ": "",
}  # fmt: skip
"""BGN/PCGN 1979 romanisation of Belarusian, ASCII (the prime for the soft sign and apostrophe dropped)."""
_NOT_BELARUSIAN = set("иъщїє")
_ONLY_BELARUSIAN = set("іў")


def romanise_belarusian(cyrillic: str) -> str:
    """BGN/PCGN romanisation of a Belarusian Cyrillic name: "Петрыкаў" → "Pyetrykaw"."""
    out = []
    for ch in cyrillic:
        lower = ch.lower()
        latin = _BGN_PCGN_BE.get(lower, ch)
        out.append(latin[:1].upper() + latin[1:] if ch != lower and latin else latin)
    return "".join(out)


def belarusian_form(names: Iterable[str]) -> str | None:
    """The Belarusian Cyrillic name among ``names`` (names of one Belarusian place in several languages), or None.

    Forms with a letter Belarusian lacks (и, щ, ъ, ї, є) are Russian or Ukrainian. Of the rest, the Belarusian
    form is the one with letters Belarusian has and Russian lacks (і, ў), then with э (Брэст, not Брест), then
    the one with fewest "о"
    (Belarusian writes unstressed о as а: Бабруйск, not Бобруйск), then without "ь" (Мінск, not Ukrainian
    Мінськ)."""
    cyrillic = [n for n in dict.fromkeys(names) if n and all(_cyrillic(c) for c in n if c.isalpha())]
    candidates = [n for n in cyrillic if any(c.isalpha() for c in n) and not (set(n.lower()) & _NOT_BELARUSIAN)]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda n: (
            0 if set(n.lower()) & _ONLY_BELARUSIAN else 1 if "э" in n.lower() else 2,
            n.lower().count("о"),
            "ь" in n.lower(),
            len(n),
            n,
        ),
    )


def _cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


@lru_cache(maxsize=1)
def _belarusian_settlement_names() -> dict[str, str]:
    """GeoNames id → romanised Belarusian name, from the shipped Belarus settlements list."""
    resource = resources.files("airpicture.reference") / "data" / "settlements" / "BY.tsv.gz"
    out: dict[str, str] = {}
    for line in gzip.decompress(resource.read_bytes()).decode("utf-8").splitlines():
        if not line:
            continue
        gid, _name, _lat, _lon, _population, _admin1, alternates = line.split("\t")
        form = belarusian_form(alternates.split("|"))
        if form:
            out[f"geonames:{gid}"] = romanise_belarusian(form)
    return out


def settlement_name(place: Place) -> str:
    """A settlement's name in the report's romanisation (see the module docstring)."""
    if place.country == "BY":
        return _belarusian_settlement_names().get(place.ref, place.name)
    return place.name


def airfield_name(airfield: Airfield) -> str:
    """ "Machulishchy Air Base": a Belarusian airfield by its romanised Belarusian alias; others by their
    OurAirports name, with an ASCII alias in parentheses when it says something the name does not."""
    if airfield.country == "BY":
        form = belarusian_form(airfield.aliases)
        if form:
            return f"{romanise_belarusian(form)} Air Base"
    alias = next((a for a in airfield.aliases if a.isascii()), "")
    return airfield.name if not alias or alias.lower() in airfield.name.lower() else f"{airfield.name} ({alias})"


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
            tuple(settlement_name(p) for p in towns),
            np.array([p.lat_deg for p in towns], dtype=np.float64),
            np.array([p.lon_deg for p in towns], dtype=np.float64),
            Airfields.load(),
        )

    def phrase(self, lat_deg: float, lon_deg: float) -> str | None:
        """ "near X" / "25 km NE of X" for a point, or None when nothing named is close enough."""
        airfield, km = self.airfields.nearest(lat_deg, lon_deg)
        if km <= AIRFIELD_NEAR_KM and airfield.kind != "closed":
            return f"near {airfield_name(airfield)}"
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


def map_places(
    country: str, bbox: tuple[float, float, float, float], min_population: int = MAP_MIN_POPULATION
) -> tuple[tuple[str, float, float], ...]:
    """Towns of ``country`` with at least ``min_population`` people inside ``bbox`` (west, south, east, north),
    as (name, lon, lat) in the report's romanisation, largest first: the place names of the map."""
    west, south, east, north = bbox
    towns = [
        p
        for p in Gazetteer.load().places
        if p.kind == "settlement" and p.country == country and p.population >= min_population
        and west <= p.lon_deg <= east and south <= p.lat_deg <= north
    ]  # fmt: skip
    towns.sort(key=lambda p: -p.population)
    return tuple((settlement_name(p), p.lon_deg, p.lat_deg) for p in towns)


@lru_cache(maxsize=1)
def place_namer() -> PlaceNamer:
    """The shipped gazetteer's towns and airfields, loaded on first use."""
    return PlaceNamer.load()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped gazetteer (settlements and airfields) for resolving place names, loaded on first use."""
    return Gazetteer.load(airfields=Airfields.load())


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
