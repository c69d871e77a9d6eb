"""Readers of the small NOTAM fields: coordinates, date-times, vertical limits.

Coordinates (spec/notam.md, "Geometry in item E")::

    523000N0274500E      DMS, lat 6 digits + hemisphere, lon 7 digits + hemisphere
    5230N02745E          DM
    523000N 0274500E     spaced
    540848.62N 0031353.44W   decimal seconds (or minutes)
    N480930 E0161028     prefix hemisphere (also after "PSN:")
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from airpicture.model.notam import FT_PER_FL, FT_PER_M, Coordinate, LimitReference, Span, VerticalLimit

_SUFFIX = re.compile(
    r"(?<![\d.])(?P<lat>\d{4}|\d{6})(?P<latf>\.\d+)?\s?(?P<ns>[NS])\s?"
    r"(?P<lon>\d{5}|\d{7})(?P<lonf>\.\d+)?(?P<ew>[EW])(?![A-Z0-9])"
)
_PREFIX = re.compile(
    r"(?<![A-Z0-9])(?P<ns>[NS])\s?(?P<lat>\d{4}|\d{6})(?P<latf>\.\d+)?\s?"
    r"(?P<ew>[EW])\s?(?P<lon>\d{5}|\d{7})(?P<lonf>\.\d+)?(?![\d.])"
)


def _degrees(digits: str, fraction: str | None, deg_len: int) -> float:
    deg = int(digits[:deg_len])
    minutes = int(digits[deg_len : deg_len + 2])
    seconds = float(digits[deg_len + 2 :] + (fraction or "")) if len(digits) > deg_len + 2 else 0.0
    if len(digits) == deg_len + 2 and fraction:
        minutes_f = minutes + float(fraction)
        return deg + minutes_f / 60.0
    return deg + minutes / 60.0 + seconds / 3600.0


def _valid(lat: float, lon: float, lat_digits: str, lon_digits: str) -> bool:
    # minutes and seconds must be < 60; degrees within range
    for digits, deg_len in ((lat_digits, 2), (lon_digits, 3)):
        if int(digits[deg_len : deg_len + 2]) >= 60:
            return False
        if len(digits) > deg_len + 2 and int(digits[deg_len + 2 : deg_len + 4]) >= 60:
            return False
    return lat <= 90.0 and lon <= 180.0


def coordinate_from_match(match: re.Match[str], base: int) -> Coordinate | None:
    """A ``Coordinate`` from a match of one of the coordinate patterns; ``None`` if out of range."""
    lat = _degrees(match["lat"], match["latf"], 2)
    lon = _degrees(match["lon"], match["lonf"], 3)
    if not _valid(lat, lon, match["lat"], match["lon"]):
        return None
    if match["ns"] == "S":
        lat = -lat
    if match["ew"] == "W":
        lon = -lon
    return Coordinate(
        lat_deg=round(lat, 7),
        lon_deg=round(lon, 7),
        raw=match.group(0),
        span=Span(base + match.start(), base + match.end()),
    )


def find_coordinates(text: str, base: int = 0) -> Iterator[Coordinate]:
    """Every coordinate in ``text`` in reading order; spans are offset by ``base``."""
    found: list[Coordinate] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_SUFFIX, _PREFIX):
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            coordinate = coordinate_from_match(match, base)
            if coordinate is not None:
                found.append(coordinate)
                taken.append((match.start(), match.end()))
    found.sort(key=lambda c: c.span.start)
    yield from found


def out_of_range_coordinates(text: str, base: int = 0) -> Iterator[tuple[int, str]]:
    """Fragments written like coordinates whose minutes or seconds reach 60 or whose degrees pass 90°/180°
    (``913000N0274500E``): ``(offset + base, raw)``, for the parser to reject rather than drop a vertex."""
    good = [(c.span.start - base, c.span.end - base) for c in find_coordinates(text)]
    for pattern in (_SUFFIX, _PREFIX):
        for match in pattern.finditer(text):
            if coordinate_from_match(match, base) is None and not any(
                s < match.end() and match.start() < e for s, e in good
            ):
                yield base + match.start(), match.group(0)


_QGEO = re.compile(r"^(?P<lat>\d{4})(?P<ns>[NS])(?P<lon>\d{5})(?P<ew>[EW])(?P<radius>\d{3})?$")


def parse_qgeo(text: str, base: int) -> tuple[Coordinate | None, int | None]:
    """The Q-line GEO field ``ddmm[NS]dddmm[EW]rrr``: centre and radius in NM. Raises ``ValueError``."""
    match = _QGEO.match(text)
    if match is None:
        raise ValueError("expected ddmm[NS]dddmm[EW]rrr")
    lat = int(match["lat"][:2]) + int(match["lat"][2:]) / 60.0
    lon = int(match["lon"][:3]) + int(match["lon"][3:]) / 60.0
    if int(match["lat"][2:]) >= 60 or int(match["lon"][3:]) >= 60 or lat > 90 or lon > 180:
        raise ValueError("coordinate out of range")
    centre = Coordinate(
        lat_deg=round(-lat if match["ns"] == "S" else lat, 7),
        lon_deg=round(-lon if match["ew"] == "W" else lon, 7),
        raw=text[: match.end("ew")],
        span=Span(base, base + match.end("ew")),
    )
    return centre, int(match["radius"]) if match["radius"] else None


def parse_datetime(text: str) -> datetime:
    """``YYMMDDhhmm`` (UTC; years 00–99 are 2000–2099). ``2400`` is the end of the day. Raises ``ValueError``."""
    if len(text) != 10 or not text.isdigit():
        raise ValueError("expected YYMMDDhhmm")
    year, month, day, hour, minute = (int(text[i : i + 2]) for i in range(0, 10, 2))
    if hour == 24 and minute == 0:
        base = datetime(2000 + year, month, day, 23, 59, tzinfo=UTC)
        return base.replace(minute=59, second=59)
    return datetime(2000 + year, month, day, hour, minute, tzinfo=UTC)


_LIMIT = re.compile(
    r"^(?:(?P<ground>SFC|GND)|(?P<unl>UNL|UNLIMITED)|FL\s?(?P<fl>\d{1,3})|"
    r"(?P<value>\d+(?:\.\d+)?)\s?(?P<unit>FT|M)\s?(?P<ref>AMSL|MSL|AGL|SFC|GND|ALT)?)\.?$"
)


def parse_limit(text: str) -> VerticalLimit:
    """Item F/G: ``SFC``, ``GND``, ``UNL``, ``FL100``, ``2000FT AMSL``, ``500FT AGL``, ``3050M AMSL``.

    Metres and flight levels become feet. Raises ``ValueError`` for anything else.
    """
    cleaned = " ".join(text.split()).upper()
    match = _LIMIT.match(cleaned)
    if match is None:
        raise ValueError("expected SFC, GND, UNL, FLnnn, or a height in FT or M with AMSL/AGL")
    if match["ground"]:
        return VerticalLimit(raw=text, ft=0.0, reference=LimitReference.SFC)
    if match["unl"]:
        return VerticalLimit(raw=text, ft=None, reference=LimitReference.UNL)
    if match["fl"]:
        return VerticalLimit(raw=text, ft=float(int(match["fl"]) * FT_PER_FL), reference=LimitReference.FL)
    value = float(match["value"])
    ft = value if match["unit"] == "FT" else round(value * FT_PER_M, 1)
    ref = LimitReference.AGL if match["ref"] in ("AGL", "SFC", "GND") else LimitReference.AMSL
    return VerticalLimit(raw=text, ft=ft, reference=ref)
