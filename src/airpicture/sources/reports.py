"""Observer-report intake from files: CSV or JSON as exported from a chat bot or a web form.

Only known columns survive (a whitelist, by construction): every other column is dropped before anything
is parsed or stored, with a warning that names the column — never its values. Identity-looking columns
(phone, user name or id, e-mail, IP address, device, name, handle, chat, …) get their own warning. Nested
JSON objects are flattened (``from.username`` → ``from_username``) before the check, so a bot's sender
block is dropped whole.

A dropped column's name is shown only when every word of it is a plain export word (``chat_id``,
``from_username``, ``Phone Number``); other names (``reactions_@user``, a name or number as a header) are
counted, never shown, since a column name can itself carry an identity. A ``reporter`` column is dropped
too: bot exports fill it with the sender's user name, which must not be hashed as if it were a token.

Free text is redacted before storage (:mod:`airpicture.sources.redact`). Every numeric field is checked
against its range (non-finite, negative, too many digits: rejected) and rounded to the precision it means,
so digits cannot ride along in a number. Errors name the row and field and what was expected; they never
echo a value. Limits (:data:`MAX_FILE_BYTES`, :data:`MAX_ROWS`, :data:`MAX_TEXT_CHARS` and the CSV limits
of :mod:`airpicture.sources.report_csv`) bound memory; past them the file or the row is rejected.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from airpicture.model.errors import SourceError
from airpicture.model.reports import HowKnown, ReportCategory
from airpicture.sources.bounded import read_bounded
from airpicture.sources.redact import looks_like_contact, redact_text
from airpicture.sources.report_csv import CsvShapeError, read_csv

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest report export read (bytes); a larger file is rejected whole, unread."""
MAX_ROWS = 100_000
"""Most data rows in one export."""
MAX_TEXT_CHARS = 10_000
"""Longest free text of one report (characters, before redaction); a longer one rejects the row."""
MAX_MEDIA_PER_ROW = 20
"""Most media files one report may name."""

FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time", "observed_at", "timestamp", "datetime", "date", "when", "seen_at", "time_utc"),
    "time_precision": ("time_precision", "time_precision_min", "precision_min", "time_accuracy_min"),
    "lat": ("lat", "latitude", "lat_deg"),
    "lon": ("lon", "lng", "long", "longitude", "lon_deg"),
    "coords": ("coords", "coordinates", "latlon", "lat_lon", "location_coords"),
    "accuracy_km": ("accuracy_km", "place_precision_km", "radius_km"),
    "place": ("place", "location", "settlement", "town", "city", "village", "where", "place_name"),
    "category": ("category", "type", "what", "kind"),
    "count": ("count", "number", "quantity", "how_many"),
    "direction": ("direction", "heading", "course", "direction_of_travel", "towards"),
    "text": ("text", "message", "description", "comment", "details", "note", "free_text"),
    "media": ("media", "photo", "photos", "image", "images", "files", "attachments", "media_files"),
    "reporter_token": ("reporter_token", "pseudonym", "token"),
    "how_known": ("how_known", "how"),
}
_ALIAS = {alias: canonical for canonical, aliases in FIELD_ALIASES.items() for alias in aliases}
_IDENTITY = re.compile(
    r"phone|tel|mobile|msisdn|user|login|account|mail|(^|_)ip($|_)|ip_?addr|remote|device|imei|imsi|serial|"
    r"name|handle|telegram|(^|_)tg($|_)|chat|sender|from|author|contact|nick|address|cookie|session|agent|"
    r"passport|birth|(^|_)id($|_)|uid|owner|gps|ssn|reporter|profile|link|url|vk|instagram|viber|whatsapp|signal"
)
_PLAIN_TEXT = (
    "id uid user users username usernames name names first last full middle nick nickname handle login account "
    "phone phones tel telephone mobile number msisdn mail email e address addr ip remote device model serial imei "
    "imsi chat chats title sender from author contact contacts owner session cookie agent passport birth gps "
    "telegram tg viber whatsapp signal vk instagram profile link url reporter date unixtime edited reply to via "
    "forwarded bot type reactions reaction text entities photo file width height duration thumbnail mime sticker "
    "emoji poll location weather source channel message messages group peer actor member members count raw extra "
    "notes tags tag status lang language city country region street house flat zip postal code"
)
_PLAIN_WORDS = frozenset(_PLAIN_TEXT.split())

CATEGORY_WORDS: dict[ReportCategory, tuple[str, ...]] = {
    ReportCategory.FIXED_WING: (
        "fixed-wing",
        "fixed wing",
        "plane",
        "aircraft",
        "airplane",
        "jet",
        "самолет",
        "самолёт",
        "самалёт",
        "літак",
        "samolot",
    ),
    ReportCategory.HELICOPTER: ("helicopter", "heli", "вертолет", "вертолёт", "верталёт", "гелікоптер", "śmigłowiec"),
    ReportCategory.DRONE: ("drone", "uav", "shahed", "дрон", "бпла", "беспилотник", "шахед", "dron"),
    ReportCategory.MISSILE_LAUNCH: ("missile launch", "missile", "launch", "ракета", "пуск", "запуск ракеты"),
    ReportCategory.EXPLOSION: ("explosion", "blast", "взрыв", "выбух", "вибух", "wybuch"),
    ReportCategory.MILITARY_VEHICLES: ("military vehicles", "vehicles", "convoy", "колонна", "техника", "калона"),
    ReportCategory.AIRFIELD_ACTIVITY: ("airfield activity", "airfield", "аэродром", "аэрадром", "аеродром"),
    ReportCategory.AIRSPACE_CLOSURE: ("airspace closure", "airspace closed", "closure", "закрытие неба"),
    ReportCategory.OTHER: ("other", "другое", "іншае", "інше"),
}
_CATEGORY = {w: c for c, words in CATEGORY_WORDS.items() for w in words}
_COMPASS = {
    "n": 0, "nne": 22.5, "ne": 45, "ene": 67.5, "e": 90, "ese": 112.5, "se": 135, "sse": 157.5, "s": 180,
    "ssw": 202.5, "sw": 225, "wsw": 247.5, "w": 270, "wnw": 292.5, "nw": 315, "nnw": 337.5,
    "north": 0, "northeast": 45, "east": 90, "southeast": 135, "south": 180, "southwest": 225, "west": 270,
    "northwest": 315, "с": 0, "св": 45, "в": 90, "юв": 135, "ю": 180, "юз": 225, "з": 270, "сз": 315,
    "север": 0, "восток": 90, "юг": 180, "запад": 270,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row: which row (1-based data row), which field, what was wrong, what was expected."""

    row: int
    field: str
    message: str
    expected: str = ""

    def __str__(self) -> str:
        text = f"row {self.row}: field {self.field}: {self.message}"
        return text + (f" (expected {self.expected})" if self.expected else "")


@dataclass(frozen=True, slots=True)
class ReportRows:
    """Rows of one import, reduced to known fields, with the column warnings."""

    rows: tuple[Mapping[str, str], ...]
    warnings: tuple[str, ...] = ()
    file_sha256: str = ""
    damaged: Mapping[int, str] = field(default_factory=dict)
    """Data rows (1-based) that could not be read, and why (no content)."""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A row's fields parsed and checked; the place name is resolved later (the gazetteer is not here)."""

    row: int
    observed_at: datetime
    time_precision_min: float
    category: ReportCategory
    lat_deg: float | None = None
    lon_deg: float | None = None
    accuracy_km: float | None = None
    place_text: str | None = None
    count: int | None = None
    direction_deg: float | None = None
    text: str = ""
    media: tuple[str, ...] = ()
    reporter_token: str | None = None
    how_known: HowKnown = HowKnown.DIRECT
    notes: tuple[str, ...] = field(default=())


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}_"))
        else:
            flat[name] = value
    return flat


def _column_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().casefold()).strip("_")


def shown_column(name: str) -> bool:
    """Whether a dropped column's name may be printed: short, ASCII, no digits, every word a plain export
    word (a column name can carry an identity: ``reactions_@user``, a phone number as a header)."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z _.-]{0,39}", name)) and all(
        word in _PLAIN_WORDS for word in _column_key(name).split("_")
    )


def vet_columns(records: Iterable[Mapping[str, Any]]) -> ReportRows:
    """Keep known columns only (as text; lists joined by ``;``); warn once per dropped column (by name only
    when :func:`shown_column`; the others are counted)."""
    rows: list[dict[str, str]] = []
    dropped: dict[str, str] = {}
    for record in records:
        kept: dict[str, str] = {}
        for column, value in _flatten(record).items():
            key = _column_key(str(column))
            canonical = _ALIAS.get(key)
            if canonical is None:
                dropped.setdefault(str(column), "looks like identity" if _IDENTITY.search(key) else "unknown")
                continue
            if value is None:
                continue
            kept[canonical] = ";".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        rows.append(kept)
    warnings = []
    withheld = 0
    for name, why in sorted(dropped.items()):
        if not shown_column(name):
            withheld += 1
        elif _column_key(name) == "reporter":
            warnings.append(
                "dropped column 'reporter': bot exports put the sender's user name there; never stored or hashed "
                "(send a random pseudonym in 'reporter_token' instead)"
            )
        elif why == "looks like identity":
            warnings.append(f"dropped column {name!r}: looks like identity; never stored")
        else:
            warnings.append(f"dropped unknown column {name!r}; not stored")
    if withheld:
        warnings.append(
            f"dropped {withheld} more column(s) whose names are not shown (a name may carry an identity); never stored"
        )
    return ReportRows(tuple(rows), tuple(warnings))


def read_report_file(path: Path, label: str = "the report file") -> ReportRows:
    """Read a CSV (header row) or JSON (array of objects, or ``{"reports": [...]}``) report export.

    Raises ``SourceError`` naming the file by ``label`` (never its path: a delivered export's folder and file
    names can carry a reporter's name or number) when it is neither, or over the limits. Damaged CSV rows
    are returned in ``ReportRows.damaged`` (the rest are kept).
    """
    data = read_bounded(path, MAX_FILE_BYTES, label=label, what="report file", follow_links=True)
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError("not UTF-8 text", where=f"{label}, byte {exc.start}", expected="CSV or JSON") from None
    del data
    stripped = text.lstrip()
    damaged: dict[int, str] = {}
    if stripped.startswith(("[", "{")):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"not valid JSON: {exc.msg}", where=f"{label}, line {exc.lineno}") from None
        except RecursionError:
            raise SourceError("JSON nested too deeply", where=label) from None
        records = loaded.get("reports") if isinstance(loaded, dict) else loaded
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SourceError(
                "unexpected JSON shape", where=label, expected='an array of objects or {"reports": [...]}'
            )
    else:
        try:
            table = read_csv(text)
        except CsvShapeError as exc:
            raise SourceError(str(exc), where=label, expected="CSV with a header row, or JSON") from None
        records = [row or {} for row in table.rows]
        damaged = table.damaged
    if len(records) > MAX_ROWS:
        raise SourceError("too many rows", where=label, expected=f"at most {MAX_ROWS:,} rows per file")
    try:
        vetted = vet_columns(records)
    except RecursionError:
        raise SourceError("JSON nested too deeply", where=label) from None
    return ReportRows(vetted.rows, vetted.warnings, digest, damaged)


_DECIMAL = re.compile(r"[+-]?\d{1,7}(?:[.,]\d{1,9})?")
"""A plain decimal number: no exponent, no ``nan``/``inf``, at most 7 integer and 9 fractional digits."""


def _number(text: str) -> float | None:
    """A plain decimal number, or None (non-finite, exponent, too many digits, not a number)."""
    raw = text.strip()
    if not _DECIMAL.fullmatch(raw):
        return None
    value = float(raw.replace(",", "."))
    return value if math.isfinite(value) else None


def _in_range(
    number: int, row: Mapping[str, str], name: str, low: float, high: float, expected: str
) -> float | RowError | None:
    """The field as a number within ``low..high`` (None when empty); the error never echoes the value."""
    text = row.get(name, "").strip()
    if not text:
        return None
    value = _number(text)
    if value is None:
        return RowError(number, name, "not a plain decimal number", expected)
    if not low <= value <= high:
        return RowError(number, name, "out of range", expected)
    return value


def parse_time(text: str, zone: ZoneInfo) -> tuple[datetime, float | None]:
    """ISO 8601 (naive → ``zone``) or Unix seconds; a date alone means that day, midday ± 12 h."""
    raw = text.strip()
    if re.fullmatch(r"\d{9,11}(\.\d{1,6})?", raw):
        return datetime.fromtimestamp(float(raw), UTC), None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = datetime.fromisoformat(raw).replace(tzinfo=zone)
        return (day + timedelta(hours=12)).astimezone(UTC), 720.0
    if len(raw) > 40:
        raise ValueError("too long for a date-time")
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "T", 1))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC), None


def parse_row(
    number: int,
    row: Mapping[str, str],
    *,
    now: datetime,
    zone: ZoneInfo,
    default_precision_min: float,
    future_tolerance_min: float,
) -> ParsedRow | RowError:
    """Parse one vetted row; the first problem is returned as a ``RowError`` (never echoing a value).

    Stored precision is what the field means, no finer: the time to the whole minute, its precision to the
    minute, coordinates to 4 decimals (≈ 11 m), accuracy to 0.1 km, direction to the degree.
    """
    notes: list[str] = []
    if not row.get("time", "").strip():
        return RowError(number, "time", "missing", "ISO 8601 date-time, e.g. 2022-07-11T21:14+03:00")
    try:
        observed_at, implied = parse_time(row["time"], zone)
    except (ValueError, OverflowError, OSError):
        return RowError(number, "time", "not a date-time", "ISO 8601, e.g. 2022-07-11T21:14+03:00, or Unix seconds")
    observed_at = observed_at.replace(second=0, microsecond=0)
    if observed_at > now + timedelta(minutes=future_tolerance_min):
        return RowError(number, "time", "in the future", f"no later than {future_tolerance_min:g} min after now")
    if observed_at.year < 1990:
        return RowError(number, "time", "before 1990", "a date-time of this era")
    precision = implied if implied is not None else default_precision_min
    given = _in_range(number, row, "time_precision", 0, 7 * 1440, "0 to 10080 minutes (half-width)")
    if isinstance(given, RowError):
        return given
    if given is not None:
        precision = float(round(given))
    category = _CATEGORY.get(row.get("category", "").strip().casefold())
    if category is None:
        return RowError(number, "category", "not a known category", ", ".join(c.value for c in ReportCategory))
    lat = lon = None
    if row.get("coords", "").strip() and not row.get("lat"):
        parts = re.split(r"[;\s]+|,\s+", row["coords"].strip()[:100])
        if len(parts) != 2:
            return RowError(number, "coords", "not a coordinate pair", "'lat, lon' in decimal degrees")
        row = {**row, "lat": parts[0], "lon": parts[1]}
    if row.get("lat", "").strip() or row.get("lon", "").strip():
        lat, lon = _number(row.get("lat", "")), _number(row.get("lon", ""))
        if lat is None or lon is None:
            return RowError(number, "lat/lon", "coordinates are not numbers", "decimal degrees (WGS 84)")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return RowError(
                number, "lat/lon", "coordinates out of range", "latitude -90..90 and longitude -180..180, not 0,0"
            )
        lat, lon = round(lat, 4), round(lon, 4)
    place = row.get("place", "").strip()[:200] or None
    if lat is None and place is None:
        return RowError(number, "place", "no coordinates and no place name", "lat/lon or a place name")
    accuracy = _in_range(number, row, "accuracy_km", 0.01, 500, "0.01 to 500 km")
    if isinstance(accuracy, RowError):
        return accuracy
    if accuracy is not None:
        accuracy = max(0.1, round(accuracy, 1))
    count = None
    value = _in_range(number, row, "count", 1, 1000, "a whole number 1 to 1000")
    if isinstance(value, RowError):
        return value
    if value is not None:
        if value != int(value):
            return RowError(number, "count", "not a whole number", "a whole number 1 to 1000")
        count = int(value)
    direction = None
    if row.get("direction", "").strip():
        direction = _direction(row["direction"][:40])
        if direction is None:
            notes.append(
                f"row {number}: field direction: not understood, left empty (expected degrees or a compass point)"
            )
    how = row.get("how_known", "").strip().casefold()
    how_known = next((h for h in HowKnown if h.value == how), HowKnown.DIRECT)
    text = row.get("text", "").strip()
    if len(text) > MAX_TEXT_CHARS:
        return RowError(number, "text", "too long", f"at most {MAX_TEXT_CHARS:,} characters")
    media = tuple(m.strip() for m in re.split(r"[;|\n]", row.get("media", "")) if m.strip())
    if len(media) > MAX_MEDIA_PER_ROW:
        return RowError(number, "media", "too many media files", f"at most {MAX_MEDIA_PER_ROW} per report")
    token = row.get("reporter_token", "").strip() or None
    if token is not None and (len(token) > 200 or looks_like_contact(token)):
        token = None
        notes.append(
            f"row {number}: field reporter_token: looks like a user name or contact, not a random pseudonym "
            "token; dropped, never stored or hashed"
        )
    return ParsedRow(
        row=number,
        observed_at=observed_at,
        time_precision_min=float(precision),
        category=category,
        lat_deg=lat,
        lon_deg=lon,
        accuracy_km=accuracy,
        place_text=place,
        count=count,
        direction_deg=direction,
        text=redact_text(text),
        media=media,
        reporter_token=token,
        how_known=how_known,
        notes=tuple(notes),
    )


def _direction(text: str) -> float | None:
    raw = text.strip().casefold().replace("-", "").replace(" ", "")
    raw = raw.removeprefix("to").removeprefix("на")
    value = _number(raw.removesuffix("°").removesuffix("deg"))
    if value is not None:
        return float(round(value % 360.0)) % 360.0 if 0 <= value <= 360 else None
    found = _COMPASS.get(raw)
    return float(found) if found is not None else None


__all__: Sequence[str] = [
    "FIELD_ALIASES",
    "ParsedRow",
    "ReportRows",
    "RowError",
    "parse_row",
    "read_report_file",
    "redact_text",
    "shown_column",
    "vet_columns",
]
