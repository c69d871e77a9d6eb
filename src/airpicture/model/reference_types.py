"""Vocabulary of the reference data: aircraft of interest, airfields, runways, ICAO address blocks.

These are the few, small records the reference stage hands out one at a time. Bulk look-ups (millions
of positions, thousands of addresses) return columns instead (see ``airpicture.reference``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AircraftRole(StrEnum):
    """What an aircraft of interest is for, derived from its type, ICAO type code and tags."""

    AEW_C = "AEW&C"
    TANKER = "tanker"
    BOMBER = "bomber"
    FIGHTER = "fighter"
    ISR = "ISR"
    PATROL = "patrol"
    UAV = "UAV"
    TRANSPORT = "transport"
    HELICOPTER = "helicopter"
    GOVERNMENT = "government"
    TRAINER = "trainer"
    OTHER = "other"


class OperatorClass(StrEnum):
    """plane-alert-db's ``#CMPG`` column: military, government, civil or police."""

    MILITARY = "Mil"
    GOVERNMENT = "Gov"
    CIVIL = "Civ"
    POLICE = "Pol"


@dataclass(frozen=True, slots=True)
class Aircraft:
    """One aircraft of interest from the watch-list (plane-alert-db).

    ``icao24`` is the lowercase 6-hex Mode S address; ``icao_type`` the ICAO type designator (e.g. ``A50``);
    ``tags`` plane-alert-db's free-text tags, in order, empty ones dropped.
    """

    icao24: str
    registration: str
    operator: str
    type: str
    icao_type: str
    operator_class: OperatorClass | None
    category: str
    role: AircraftRole
    tags: tuple[str, ...] = ()
    link: str = ""


@dataclass(frozen=True, slots=True)
class Runway:
    """One runway of an airfield. Threshold positions and headings are ``None`` when OurAirports lacks them.

    ``le`` is the low-numbered end, ``he`` the high-numbered end; headings are true degrees.
    """

    le_ident: str
    he_ident: str
    length_ft: float | None
    width_ft: float | None
    surface: str
    closed: bool
    le_lat: float | None
    le_lon: float | None
    le_heading_deg: float | None
    he_lat: float | None
    he_lon: float | None
    he_heading_deg: float | None


@dataclass(frozen=True, slots=True)
class Airfield:
    """An airfield (OurAirports), with its runways and the aliases users type for it.

    ``ident`` is OurAirports' unique identifier (the ICAO code when there is one, else e.g. ``BY-4247``);
    ``kind`` OurAirports' type (``small_airport``, ``closed``, ``heliport`` ...). ``approximate`` marks
    a project-added airfield whose position is only known to the nearest town (see docs/reference-data.md).
    """

    ident: str
    name: str
    kind: str
    lat: float
    lon: float
    elevation_ft: float | None
    country: str
    region: str
    municipality: str
    gps_code: str
    iata_code: str
    aliases: tuple[str, ...] = ()
    runways: tuple[Runway, ...] = ()
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class AddressBlock:
    """A block of ICAO 24-bit addresses allocated to a State (ICAO Annex 10 Vol III, chapter 9).

    ``start``/``end`` are inclusive integers; ``country`` is ISO 3166-1 alpha-2, empty for ICAO special
    and unassigned regional blocks (``kind`` says which).
    """

    start: int
    end: int
    country: str
    name: str
    kind: str

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @property
    def start_hex(self) -> str:
        return f"{self.start:06x}"

    @property
    def end_hex(self) -> str:
        return f"{self.end:06x}"
