"""The scenario vocabulary: what a scenario TOML file says, checked and resolved (see docs/formats/scenario.md).

Every record is frozen; airfields are already resolved to positions and runway headings, times are UTC.
``where`` fields carry ``file:line key`` so later checks (kinematics) can still name the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class AircraftClass(StrEnum):
    """Kinematic class: sets speed, bank, climb and runway limits (``LIMITS``)."""

    AIRLINER = "airliner"
    HEAVY = "heavy"
    """Four-engine military jets: AEW&C, tankers, heavy transports (A-50, Il-76, Il-78)."""
    TURBOPROP = "turboprop"
    FIGHTER = "fighter"
    HELICOPTER = "helicopter"


@dataclass(frozen=True, slots=True)
class Limits:
    """Kinematic envelope of a class: ground speeds in kt, bank in degrees, rates in ft/min, runway in m."""

    min_kt: float
    max_kt: float
    max_bank_deg: float
    climb_fpm: float
    descent_fpm: float
    ceiling_ft: float
    rotate_kt: float
    takeoff_roll_m: float
    landing_roll_m: float
    approach_kt: float


LIMITS: dict[AircraftClass, Limits] = {
    AircraftClass.AIRLINER: Limits(120, 560, 30, 3000, 3000, 43000, 150, 1500, 1400, 140),
    AircraftClass.HEAVY: Limits(130, 520, 30, 2000, 2500, 40000, 160, 1800, 1600, 150),
    AircraftClass.TURBOPROP: Limits(90, 340, 30, 1800, 2000, 30000, 110, 900, 800, 115),
    AircraftClass.FIGHTER: Limits(130, 1300, 70, 20000, 15000, 55000, 160, 800, 900, 150),
    AircraftClass.HELICOPTER: Limits(0, 170, 30, 1500, 1500, 15000, 0, 0, 0, 60),
}


class TransmitMode(StrEnum):
    """What a transponder sends from a given time."""

    ADSB = "adsb"
    """Full ADS-B (extended squitter) plus Mode S replies."""
    MODE_S = "mode-s"
    """Mode S only: all-call, altitude and identity replies; no position."""
    SILENT = "silent"
    """Transponder off."""


class SpoofKind(StrEnum):
    FROZEN = "frozen"
    """The reported position stays where it was when spoofing began."""
    OFFSET = "offset"
    """The reported position is the true one shifted by a fixed east/north offset."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who an aircraft is: 24-bit address, callsign (may be empty), registration, type, role, class, squawk."""

    address: int
    callsign: str
    registration: str
    type: str
    role: str
    kind: AircraftClass
    squawk: str
    of_interest: bool = False

    @property
    def icao24(self) -> str:
        return f"{self.address:06x}"


@dataclass(frozen=True, slots=True)
class Runway:
    """A resolved runway for a take-off or landing: airfield, threshold, true heading, elevation."""

    airfield: str
    """The reference ident (``UMLI``)."""
    airfield_name: str
    threshold_lat: float
    threshold_lon: float
    heading_deg: float
    elevation_ft: float
    length_m: float


@dataclass(frozen=True, slots=True)
class Start:
    """Airborne start of a flight (enters the scene already flying)."""

    lat: float
    lon: float
    alt_ft: float
    gs_kt: float
    at: datetime
    where: str


@dataclass(frozen=True, slots=True)
class Depart:
    runway: Runway
    at: datetime
    where: str


@dataclass(frozen=True, slots=True)
class Waypoint:
    lat: float
    lon: float
    alt_ft: float
    gs_kt: float | None
    at: datetime | None
    where: str


@dataclass(frozen=True, slots=True)
class Orbit:
    """A racetrack (two straight legs joined by half circles) or a circle, flown for ``duration_s``."""

    shape: str
    centre_lat: float
    centre_lon: float
    leg_km: float
    width_km: float
    heading_deg: float
    alt_ft: float
    gs_kt: float
    duration_s: float
    clockwise: bool
    where: str


@dataclass(frozen=True, slots=True)
class Land:
    runway: Runway
    where: str


RouteElement = Start | Depart | Waypoint | Orbit | Land


@dataclass(frozen=True, slots=True)
class TransmitChange:
    at: datetime
    mode: TransmitMode


@dataclass(frozen=True, slots=True)
class Spoof:
    start: datetime
    end: datetime
    kind: SpoofKind
    offset_east_km: float = 0.0
    offset_north_km: float = 0.0


@dataclass(frozen=True, slots=True)
class Flight:
    """One flight of one aircraft: identity, route, transmitter behaviour over time, spoofing windows."""

    identity: Identity
    route: tuple[RouteElement, ...]
    transmit: tuple[TransmitChange, ...]
    spoof: tuple[Spoof, ...]
    night: date
    label: str
    where: str
    background: bool = False


@dataclass(frozen=True, slots=True)
class Receiver:
    name: str
    lat: float
    lon: float
    antenna_m: float
    """Antenna height above mean sea level in metres (sets the radio horizon)."""
    range_km: float
    gaps: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True, slots=True)
class Jamming:
    """GNSS jamming: every aircraft inside the circle reports NIC 0 / NACp 0 while it lasts."""

    name: str
    lat: float
    lon: float
    radius_km: float
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class MessageRates:
    """Transmissions per second of each message kind (DO-260B nominal rates; replies depend on radars)."""

    position_hz: float = 2.0
    velocity_hz: float = 2.0
    identification_hz: float = 0.2
    status_hz: float = 0.4
    all_call_hz: float = 1.0
    altitude_reply_hz: float = 0.5
    identity_reply_hz: float = 0.2
    commb_hz: float = 0.1


@dataclass(frozen=True, slots=True)
class SortiePattern:
    """Recurring local military flights from one airfield: ``per_night`` sorties (overridden per night)."""

    name: str
    runway: Runway
    aircraft: tuple[tuple[Identity, TransmitMode], ...]
    per_night: int
    nights: dict[date, int]
    area_lat: float
    area_lon: float
    area_radius_km: float
    duration_min: tuple[float, float]
    alt_ft: tuple[float, float]
    gs_kt: tuple[float, float]
    where: str


@dataclass(frozen=True, slots=True)
class TrafficRoute:
    origin: str
    destination: str
    origin_lat: float
    origin_lon: float
    destination_lat: float
    destination_lon: float
    origin_runway: Runway | None
    destination_runway: Runway | None
    airline: str
    weight: float


@dataclass(frozen=True, slots=True)
class Traffic:
    """Background civil traffic: ``per_night`` flights a night on the listed routes, addresses from a pool."""

    per_night: int
    routes: tuple[TrafficRoute, ...]
    box: tuple[float, float, float, float]
    """(south, west, north, east): the part of each route that is simulated."""
    airlines: dict[str, tuple[str, int]]
    """airline code → (address block prefix, fleet size), e.g. ``BRU`` → (``"5100"``, 30)."""


@dataclass(frozen=True, slots=True)
class Notam:
    """A NOTAM to issue: ICAO items composed from these fields (see ``documents.notam_text``)."""

    id: str
    issued: datetime
    fir: str
    qcode: str
    lower_fl: int
    upper_fl: int
    locations: str
    start: datetime
    end: datetime
    polygon: tuple[tuple[float, float], ...]
    text: str
    lower: str
    upper: str
    schedule: str
    where: str


@dataclass(frozen=True, slots=True)
class Observer:
    pseudonym: str
    reliability: str
    """Admiralty source reliability A–F as the monitoring group would grade this (fictional) observer."""


class ReportTruth(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"
    ECHO = "echo"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    observer: str
    observed_at: datetime
    reported_at: datetime
    lat: float
    lon: float
    place: str
    category: str
    text: str
    truth: ReportTruth
    refers_to: str
    """The report this one echoes or duplicates (empty otherwise)."""
    where: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario, resolved. ``nights`` are local evening dates; each night is simulated from
    ``window_utc[0]`` on that date to ``window_utc[1]`` on the next."""

    name: str
    title: str
    description: str
    region: str
    seed: int
    nights: tuple[date, ...]
    window_start_min: int
    window_end_min: int
    surge_nights: tuple[date, ...]
    flights: tuple[Flight, ...]
    sorties: tuple[SortiePattern, ...]
    traffic: Traffic | None
    receivers: tuple[Receiver, ...]
    jamming: tuple[Jamming, ...]
    rates: MessageRates
    notams: tuple[Notam, ...]
    observers: tuple[Observer, ...]
    reports: tuple[Report, ...]
    source: str
