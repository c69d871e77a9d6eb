"""Observer reports: what a person on the ground saw, kept without anything that identifies them.

There are no identity fields here, by construction (DESIGN.md, "Protecting the people who report"): a
reporter is only ``reporter_hash``, an HMAC-SHA256 of a random pseudonym token the reporter holds, keyed
with a file kept outside the workspace. Media are ``Artifact`` s addressed by the SHA-256 of their
metadata-free re-encoding plus a 64-bit perceptual hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReportCategory(StrEnum):
    """What the observer says they saw (the intake's fixed list)."""

    FIXED_WING = "fixed-wing"
    HELICOPTER = "helicopter"
    DRONE = "drone"
    MISSILE_LAUNCH = "missile launch"
    EXPLOSION = "explosion"
    MILITARY_VEHICLES = "military vehicles"
    AIRFIELD_ACTIVITY = "airfield activity"
    AIRSPACE_CLOSURE = "airspace closure"
    OTHER = "other"


class HowKnown(StrEnum):
    """How the reporter knows (spec §6): saw it, read an instrument, read a document, heard it from someone."""

    DIRECT = "direct"
    SENSOR = "sensor"
    DOCUMENT = "document"
    SECOND_HAND = "second-hand"


@dataclass(frozen=True, slots=True)
class Reporter:
    """A reporter: only the keyed hash of their pseudonym token, and how they usually know."""

    reporter_hash: str
    how_known: HowKnown = HowKnown.DIRECT


@dataclass(frozen=True, slots=True)
class Artifact:
    """A stored media file or raw record (spec §6).

    ``sha256`` is of the stored (metadata-stripped, re-encoded) bytes; ``phash`` a 64-bit perceptual hash as
    16 hex digits (near-identical images differ in few bits); ``exif_stripped`` is always true for media
    that reached the store. ``geolocated``/``chronolocated`` are set by an analyst who verified the place and
    time shown (both make the artifact a primary root).
    """

    sha256: str
    phash: str
    media_type: str
    width_px: int
    height_px: int
    size_bytes: int
    retrieved_at: datetime
    exif_stripped: bool = True
    geolocated: bool = False
    chronolocated: bool = False


@dataclass(frozen=True, slots=True)
class ObserverReport:
    """One vetted report row.

    ``observed_at`` ± ``time_precision_min`` is when it was seen (UTC). The place is WGS 84
    ``lat_deg``/``lon_deg`` with ``place_precision_km``; ``place_name`` is the gazetteer's canonical name
    when the reporter named a place (never the raw text typed). ``direction_deg`` is where the object was
    heading (0 = north, clockwise). ``text`` has had phone numbers, e-mail addresses, @handles, URLs and IP
    addresses redacted. ``received_at`` is truncated to the hour. ``source_row`` is the 1-based data row in
    the imported file whose SHA-256 is ``source_file``.
    """

    report_id: str
    observed_at: datetime
    time_precision_min: float
    lat_deg: float
    lon_deg: float
    place_precision_km: float
    category: ReportCategory
    received_at: datetime
    place_name: str | None = None
    count: int | None = None
    direction_deg: float | None = None
    text: str = ""
    reporter_hash: str | None = None
    how_known: HowKnown = HowKnown.DIRECT
    media: tuple[str, ...] = ()
    source_file: str = ""
    source_row: int = 0

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None or self.received_at.tzinfo is None:
            raise ValueError("report times must be timezone-aware UTC")
