"""Who an event is about: the subject of an address, with identity from the reference data."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from airpicture.model.events import Subject


@lru_cache(maxsize=65536)
def _identity(reference: Any, icao24: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(registration, type, role, country of address) of an address; memoised per reference object."""
    registration = type_code = role = None
    aircraft = reference.aircraft(icao24)
    if aircraft is not None:
        registration, type_code, role = aircraft.registration, aircraft.icao_type or aircraft.type, str(aircraft.role)
    return registration, type_code, role, reference.country_of_address(icao24)


def subject_for(icao24: str, callsign: str | None, reference: Any) -> Subject:
    """A ``Subject`` with registration, type, role and country of address when the reference knows them.

    ``reference`` is the context's reference data (``airpicture.reference.ReferenceData``) or ``None``.
    """
    registration = type_code = role = country = None
    if reference is not None:
        registration, type_code, role, country = _identity(reference, icao24)
    return Subject(
        icao24=icao24,
        callsign=callsign.strip() or None if callsign else None,
        registration=registration,
        type_code=type_code,
        role=role,
        country_of_address=country,
    )
