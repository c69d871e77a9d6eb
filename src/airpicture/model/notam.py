"""The NOTAM and restriction vocabulary (ICAO Annex 15 / PANS-AIM format, spec/notam.md).

A ``Notam`` is lossless: it keeps its raw text, and every item (``TextItem``) and every coordinate
(``Coordinate``) carries the character span it was read from (offsets into ``Notam.raw``). What the
parser could not read is listed in ``Notam.issues`` (NOTAM id, item, offset, reason) and the NOTAM is
kept, partly parsed. Geometry is GeoJSON text (RFC 7946, lon/lat order) so this module needs no
geometry library. Vertical limits are in feet; flight levels and metres are converted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from airpicture.model.errors import NotamParseError

FT_PER_M = 3.28084
FT_PER_FL = 100


class NotamKind(StrEnum):
    """The message type after the NOTAM number."""

    NEW = "N"
    REPLACE = "R"
    CANCEL = "C"


class ParseStatus(StrEnum):
    """How much of a NOTAM was read."""

    PARSED = "parsed"
    """Every item was read."""
    PARTIAL = "partial"
    """The NOTAM id and validity were read; some item was not (see ``issues``)."""
    FAILED = "failed"
    """Not even the id, Q-line and validity could be read; kept raw only."""


class GeometrySource(StrEnum):
    """Where an area's lateral limits come from."""

    Q_LINE = "q-line"
    """The Q-line circle: approximate, encloses the whole area (fallback)."""
    ITEM_E = "item-e"
    """Coordinates, circles, arcs or border segments given in item E."""
    NAMED = "named"
    """A named area (e.g. ``EGD098E``) whose shape is not published in the NOTAM."""


class LimitReference(StrEnum):
    """The datum of a vertical limit."""

    SFC = "SFC"
    AMSL = "AMSL"
    AGL = "AGL"
    FL = "FL"
    UNL = "UNL"


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` in ``Notam.raw``."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TextItem:
    """One lettered item (``Q``, ``A`` … ``G``) as written: text stripped, span of the text."""

    letter: str
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Coordinate:
    """A position read from the text: degrees (north, east positive), the raw fragment and its span."""

    lat_deg: float
    lon_deg: float
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class QLine:
    """Item Q: ``FIR/QCODE/TRAFFIC/PURPOSE/SCOPE/LOWER/UPPER/GEO``.

    ``lower_fl``/``upper_fl`` are flight levels (000 surface, 999 unlimited); ``radius_nm`` in nautical
    miles. Fields that were absent are ``None`` or empty.
    """

    fir: str
    subject: str
    condition: str
    traffic: str
    purpose: str
    scope: str
    lower_fl: int | None
    upper_fl: int | None
    centre: Coordinate | None
    radius_nm: int | None
    raw: str
    span: Span

    @property
    def code(self) -> str:
        """The five-letter Q-code, e.g. ``QRTCA``."""
        return f"Q{self.subject}{self.condition}"


@dataclass(frozen=True, slots=True)
class VerticalLimit:
    """Item F or G. ``ft`` is ``None`` for unlimited; ``ft`` is 0 for SFC/GND."""

    raw: str
    ft: float | None
    reference: LimitReference


@dataclass(frozen=True, slots=True)
class NotamIssue:
    """Something the parser could not read: where (NOTAM id, item, offset in ``raw``) and why."""

    notam_id: str | None
    item: str
    offset: int
    reason: str
    rejected: bool = False
    """An impossible value (item C before item B, an area radius beyond any FIR): the NOTAM is not used,
    its status is FAILED and ingest quarantines it with this reason."""

    def as_error(self, source: str = "") -> NotamParseError:
        """The typed error, for callers that raise or print one line."""
        where = ":".join(p for p in (source, self.notam_id or "?", f"item {self.item}", f"offset {self.offset}") if p)
        return NotamParseError(self.reason, where=where)


class DayBound(StrEnum):
    """A schedule time that is not a clock time."""

    CLOCK = "clock"
    SUNRISE = "SR"
    SUNSET = "SS"


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    """A schedule time: minutes after 00:00 UTC, or sunrise/sunset plus ``offset_min``."""

    bound: DayBound
    offset_min: int


@dataclass(frozen=True, slots=True)
class ScheduleRule:
    """One clause of item D: on which days, during which time ranges.

    ``dates`` (ISO ``YYYY-MM-DD`` strings, resolved against item B) and ``weekdays`` (0 = Monday) are
    ``None`` when the clause does not restrict by them (both ``None``: every day). ``except_*`` remove days.
    """

    dates: frozenset[str] | None
    weekdays: frozenset[int] | None
    times: tuple[tuple[TimeOfDay, TimeOfDay], ...]
    except_dates: frozenset[str] = frozenset()
    except_weekdays: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Schedule:
    """Item D read into rules. ``readable`` False: kept raw, flagged, and the NOTAM counts as active for
    its whole B–C window. ``h24`` True: no restriction within the window."""

    raw: str
    rules: tuple[ScheduleRule, ...]
    readable: bool
    h24: bool = False
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Notam:
    """One NOTAM as read, with every item's text and span. See the module docstring."""

    raw: str
    id: str | None
    series: str | None
    number: int | None
    year: int | None
    kind: NotamKind | None
    ref_id: str | None
    qline: QLine | None
    locations: tuple[str, ...]
    part: tuple[int, int] | None
    valid_from: datetime | None
    valid_to: datetime | None
    valid_to_estimated: bool
    permanent: bool
    schedule: str | None
    text: str
    lower: VerticalLimit | None
    upper: VerticalLimit | None
    items: tuple[TextItem, ...]
    coordinates: tuple[Coordinate, ...]
    issues: tuple[NotamIssue, ...]

    @property
    def status(self) -> ParseStatus:
        if self.id is None or self.valid_from is None or (self.qline is None and self.kind is not NotamKind.CANCEL):
            return ParseStatus.FAILED
        if self.rejected:
            return ParseStatus.FAILED
        return ParseStatus.PARTIAL if self.issues else ParseStatus.PARSED

    @property
    def rejected(self) -> bool:
        """Some value is impossible (see ``NotamIssue.rejected``): the NOTAM is quarantined, never used."""
        return any(i.rejected for i in self.issues)

    def item(self, letter: str) -> TextItem | None:
        """The item with this letter, if the NOTAM has it."""
        return next((i for i in self.items if i.letter == letter), None)


@dataclass(frozen=True, slots=True)
class Area:
    """One lateral area of a restriction: a separate feature, never merged with the NOTAM's others.

    ``geometry`` is GeoJSON text (``None`` for a named area whose shape is not in the NOTAM);
    ``raw``/``span`` the fragment of item E it was read from (empty for the Q-line circle).
    """

    index: int
    name: str | None
    source: GeometrySource
    geometry: str | None
    raw: str
    span: Span | None


@dataclass(frozen=True, slots=True)
class Restriction:
    """A NOTAM decoded for use: areas, vertical limits in feet, schedule, chain links."""

    notam: Notam
    areas: tuple[Area, ...]
    lower_ft: float | None
    upper_ft: float | None
    schedule: Schedule | None
    superseded_by: str | None = None

    @property
    def id(self) -> str:
        return self.notam.id or "?"


@dataclass(frozen=True, slots=True)
class RawNotam:
    """What a NOTAM reader hands the parser: the text of one NOTAM and where it came from.

    ``source_file`` is the file's content hash or name, ``offset`` the character offset (text) or record
    number (XML, JSON) of the NOTAM. ``reference`` holds structured fields the source published alongside
    the text (PIB XML, JSON), used to check the parse, never instead of it.
    """

    text: str
    source_file: str
    offset: int
    reference: tuple[tuple[str, str], ...] = ()
    line: int = 0
    """1-based line of the NOTAM's first character in a text file (0: not from a text file)."""
