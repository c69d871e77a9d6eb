"""Place names → coordinates: shipped settlements (GeoNames, CC BY 4.0) for BY, UA, PL, LT, LV and
western Russia, in Latin, Cyrillic and common transliterations.

Matching is on a normalised key: Unicode NFKC, case-folded, apostrophes and soft/hard signs dropped,
hyphens and runs of spaces made one space; every name is indexed both as written and transliterated to
Latin (``Unidecode``), and a query is tried both ways too, so ``Мазыр``, ``Мозырь``, ``Mazyr`` and
``Mozyr`` all find the same place. A trailing country qualifier (``"Brest, BY"``, ``"Brest (BY)"``)
restricts the search. Among several places of one name the preferred countries win, then the larger
population. Airfields come from ``airpicture.reference.airfields`` (OurAirports + curated aliases) when
passed to :meth:`Gazetteer.load`. Data: ``reference/data/settlements/<CC>.tsv.gz`` (derivation:
``scripts/derive_settlements.py``; provenance: ``SOURCE.txt`` there). Nothing is read until
:meth:`Gazetteer.load` is called.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Protocol

from unidecode import unidecode

from airpicture.model.reference_types import Airfield

SETTLEMENT_COUNTRIES = ("BY", "UA", "PL", "LT", "LV", "RU")
_DROP = str.maketrans("", "", "'’ʼ‘`´\"ьъЬЪ.")
_QUALIFIER = re.compile(r"^(?P<name>.*?\S)\s*+[,(]\s*+(?P<cc>[A-Za-z]{2})\s*+\)?\s*+$")  # linear (issue 19)
_MIN_KEY_CHARS = 3


def place_key(text: str) -> str:
    """The normalised matching key of a place name (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_DROP)
    folded = re.sub(r"[\s\-‐–—_/]+", " ", folded)
    return folded.strip()


def place_keys(text: str) -> set[str]:
    """The key as written and the key of its Latin transliteration."""
    keys = {place_key(text), place_key(unidecode(text))}
    return {k for k in keys if len(k) >= _MIN_KEY_CHARS}


@dataclass(frozen=True, slots=True)
class Place:
    """A named place: canonical name, WGS 84 point, ISO country code, kind and where the entry came from."""

    name: str
    lat_deg: float
    lon_deg: float
    country: str
    kind: str = "settlement"
    population: int = 0
    ref: str = ""
    """Origin of the entry, e.g. ``geonames:625324`` or ``airfield:UMMS``."""


_AIRFIELD_WORDS = re.compile(
    r"(?i:\b(air ?base|airfield|airport|aerodrome|aerodrom|lotnisko|аэродром|аэрадром|аеродром|аэропорт|аэрапорт|"
    r"аеропорт|авиабаза|авіябаза|авіабаза)\b)|^[A-Z]{4}$"
)


class AirfieldLookup(Protocol):
    """What the gazetteer needs from ``airpicture.reference.airfields.Airfields``."""

    def find_row(self, name_or_code: str) -> int | None: ...

    def record(self, row: int) -> Airfield: ...


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """An index from normalised name keys to places, plus (optionally) the airfield reference.

    A name that says it is an airfield (``air base``, ``аэродром`` …, or a 4-letter ICAO code) resolves to an
    airfield first; any other name to a settlement first, then to an airfield.
    """

    places: tuple[Place, ...]
    _index: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)
    airfields: AirfieldLookup | None = None

    @classmethod
    def load(
        cls,
        countries: Sequence[str] = SETTLEMENT_COUNTRIES,
        extra: Iterable[tuple[Place, Iterable[str]]] = (),
        airfields: AirfieldLookup | None = None,
    ) -> Gazetteer:
        """Load the shipped settlements of ``countries`` plus ``extra`` places with their names (e.g. airfields).

        Raises ``KeyError`` for a country with no shipped settlements list.
        """
        entries: list[tuple[Place, Iterable[str]]] = list(extra)
        base = resources.files("airpicture.reference") / "data" / "settlements"
        for cc in countries:
            resource = base / f"{cc.upper()}.tsv.gz"
            if not resource.is_file():
                raise KeyError(f"no shipped settlements for country {cc!r}")
            text = gzip.decompress(resource.read_bytes()).decode("utf-8")
            for line in text.splitlines():
                if not line:
                    continue
                gid, name, lat, lon, population, _admin1, alternates = line.split("\t")
                place = Place(
                    name, float(lat), float(lon), cc.upper(), "settlement", int(population), f"geonames:{gid}"
                )
                entries.append((place, [name, *alternates.split("|")]))
        index: dict[str, list[int]] = {}
        places: list[Place] = []
        for place, names in entries:
            number = len(places)
            places.append(place)
            for name in {place.name, *names}:
                for key in place_keys(name):
                    bucket = index.setdefault(key, [])
                    if not bucket or bucket[-1] != number:
                        bucket.append(number)
        return cls(tuple(places), {k: tuple(v) for k, v in index.items()}, airfields)

    def candidates(self, text: str) -> list[Place]:
        """Every place the name may mean (qualifier applied), best first."""
        name, country = text.strip(), None
        match = _QUALIFIER.match(name)
        if match and match.group("cc").upper() in SETTLEMENT_COUNTRIES:
            name, country = match.group("name"), match.group("cc").upper()
        found: dict[int, Place] = {}
        for key in place_keys(name):
            for number in self._index.get(key, ()):
                found[number] = self.places[number]
        result = [p for p in found.values() if country is None or p.country == country]
        return sorted(result, key=lambda p: (-p.population, p.ref))

    def airfield(self, text: str) -> Place | None:
        """The airfield ``text`` names (code or name), or None."""
        if self.airfields is None:
            return None
        row = self.airfields.find_row(text.strip())
        if row is None:
            return None
        a = self.airfields.record(row)
        return Place(a.name, a.lat, a.lon, a.country, "airfield", 0, f"airfield:{a.ident}")

    def resolve(self, text: str, prefer_countries: Sequence[str] = ()) -> Place | None:
        """The best place for ``text`` (see the class docstring): a preferred country, then the largest; or None."""
        if _AIRFIELD_WORDS.search(text.strip()):
            hit = self.airfield(text)
            if hit is not None:
                return hit
        found = self.candidates(text)
        if not found:
            return self.airfield(text)
        preferred = [p for p in found if p.country in {c.upper() for c in prefer_countries}]
        return (preferred or found)[0]
