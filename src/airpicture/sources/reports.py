"""Observer-report intake from files: CSV or JSON as exported from a chat bot or a web form.

Only known columns survive (a whitelist, by construction): every other column is dropped before anything
is parsed or stored, with a warning that names the column — never its values. Identity-looking columns
(phone, user name or id, e-mail, IP address, device, name, handle, chat, …) get their own warning. Nested
JSON objects are flattened (``from.username`` → ``from_username``) before the check, so a bot's sender
block is dropped whole.

Free text is redacted before storage (:func:`redact_text`): links, e-mail addresses, IP addresses,
@handles and phone-like digit runs (≥ 7 digits) become ``[link]``, ``[e-mail]``, ``[ip]``, ``[handle]``,
``[phone]``. Errors name the row and field and what was expected; they never echo report content (only a
value that parsed as a number is shown).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from airpicture.model.errors import SourceError
from airpicture.model.reports import HowKnown, ReportCategory

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
    "reporter_token": ("reporter_token", "pseudonym", "token", "reporter"),
    "how_known": ("how_known", "how"),
}
_ALIAS = {alias: canonical for canonical, aliases in FIELD_ALIASES.items() for alias in aliases}
_IDENTITY = re.compile(
    r"phone|tel|mobile|msisdn|user|login|account|mail|(^|_)ip($|_)|ip_?addr|remote|device|imei|imsi|serial|"
    r"name|handle|telegram|(^|_)tg($|_)|chat|sender|from|author|contact|nick|address|cookie|session|agent|"
    r"passport|birth|(^|_)id($|_)|uid|owner|gps|ssn"
)

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

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(?:https?://|www\.|t\.me/|telegram\.me/)\S+"), "[link]"),
    (re.compile(r"(?i)[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "[ip]"),
    (re.compile(r"(?i)\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\b"), "[ip]"),
    (re.compile(r"(?<![\w@])@\w{3,}"), "[handle]"),
    (re.compile(r"(?<!\w)\+?\d(?:[\s\-()]*\d){6,}(?!\w)"), "[phone]"),
)
_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def redact_text(text: str) -> str:
    """Replace identity-looking tokens in free text (see the module docstring); ISO dates are kept."""
    days: list[str] = []

    def keep_day(match: re.Match[str]) -> str:
        days.append(match.group(0))
        return f"\x00{len(days) - 1}\x00"

    out = _ISO_DAY.sub(keep_day, text)
    for pattern, replacement in _REDACTIONS:
        out = pattern.sub(replacement, out)
    return re.sub(r"\x00(\d+)\x00", lambda m: days[int(m.group(1))], out)


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


def vet_columns(records: Iterable[Mapping[str, Any]]) -> ReportRows:
    """Keep known columns only (as text; lists joined by ``;``); warn once per dropped column name."""
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
    warnings = [
        f"dropped column {name!r}: looks like identity; never stored"
        if why == "looks like identity"
        else f"dropped unknown column {name!r}; not stored"
        for name, why in sorted(dropped.items())
    ]
    return ReportRows(tuple(rows), tuple(warnings))


def read_report_file(path: Path) -> ReportRows:
    """Read a CSV (header row) or JSON (array of objects, or ``{"reports": [...]}``) report export.

    Raises ``SourceError`` naming the file when it is neither.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", where=str(path)) from exc
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError("not UTF-8 text", where=f"{path}, byte {exc.start}", expected="CSV or JSON") from None
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SourceError(f"not valid JSON: {exc.msg}", where=f"{path}, line {exc.lineno}") from None
        records = loaded.get("reports") if isinstance(loaded, dict) else loaded
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SourceError(
                "unexpected JSON shape", where=str(path), expected='an array of objects or {"reports": [...]}'
            )
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise SourceError("no header row", where=str(path), expected="CSV with a header row, or JSON")
        records = [{k: v for k, v in r.items() if k is not None} for r in reader]
    vetted = vet_columns(records)
    return ReportRows(vetted.rows, vetted.warnings, digest)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ".").strip())
    except ValueError:
        return None


def _shown(text: str) -> str:
    """A value safe to echo in an error: only numbers."""
    value = _number(text)
    return f" ({value:g})" if value is not None else ""


def parse_time(text: str, zone: ZoneInfo) -> tuple[datetime, float | None]:
    """ISO 8601 (naive → ``zone``) or Unix seconds; a date alone means that day, midday ± 12 h."""
    raw = text.strip()
    value = _number(raw)
    if value is not None and re.fullmatch(r"\d{9,11}(\.\d+)?", raw):
        return datetime.fromtimestamp(value, UTC), None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = datetime.fromisoformat(raw).replace(tzinfo=zone)
        return (day + timedelta(hours=12)).astimezone(UTC), 720.0
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
    """Parse one vetted row; the first problem is returned as a ``RowError``."""
    notes: list[str] = []
    if not row.get("time", "").strip():
        return RowError(number, "time", "missing", "ISO 8601 date-time, e.g. 2022-07-11T21:14+03:00")
    try:
        observed_at, implied = parse_time(row["time"], zone)
    except (ValueError, OverflowError, OSError):
        return RowError(number, "time", "not a date-time", "ISO 8601, e.g. 2022-07-11T21:14+03:00, or Unix seconds")
    if observed_at > now + timedelta(minutes=future_tolerance_min):
        return RowError(number, "time", "in the future", f"no later than {future_tolerance_min:g} min after now")
    precision = implied if implied is not None else default_precision_min
    if row.get("time_precision", "").strip():
        given = _number(row["time_precision"])
        if given is None or not 0 <= given <= 7 * 1440:
            return RowError(
                number,
                "time_precision",
                f"not a number of minutes{_shown(row['time_precision'])}",
                "0 to 10080 minutes (half-width)",
            )
        precision = given
    category = _CATEGORY.get(row.get("category", "").strip().casefold())
    if category is None:
        return RowError(number, "category", "not a known category", ", ".join(c.value for c in ReportCategory))
    lat = lon = None
    if row.get("coords", "").strip() and not row.get("lat"):
        parts = re.split(r"[;\s]+|,\s+", row["coords"].strip())
        if len(parts) != 2:
            return RowError(number, "coords", "not a coordinate pair", "'lat, lon' in decimal degrees")
        row = {**row, "lat": parts[0], "lon": parts[1]}
    if row.get("lat", "").strip() or row.get("lon", "").strip():
        lat, lon = _number(row.get("lat", "")), _number(row.get("lon", ""))
        if lat is None or lon is None:
            return RowError(number, "lat/lon", "coordinates are not numbers", "decimal degrees (WGS 84)")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return RowError(
                number,
                "lat/lon",
                f"coordinates out of range ({lat:g}, {lon:g})",
                "latitude -90..90 and longitude -180..180, not 0,0",
            )
    place = row.get("place", "").strip() or None
    if lat is None and place is None:
        return RowError(number, "place", "no coordinates and no place name", "lat/lon or a place name")
    accuracy = _number(row.get("accuracy_km", "")) if row.get("accuracy_km", "").strip() else None
    count = None
    if row.get("count", "").strip():
        value = _number(row["count"])
        if value is None or value != int(value) or not 1 <= value <= 1000:
            return RowError(number, "count", f"not a whole number 1..1000{_shown(row['count'])}", "1 to 1000")
        count = int(value)
    direction = None
    if row.get("direction", "").strip():
        direction = _direction(row["direction"])
        if direction is None:
            notes.append(
                f"row {number}: field direction: not understood, left empty (expected degrees or a compass point)"
            )
    how = row.get("how_known", "").strip().casefold()
    how_known = next((h for h in HowKnown if h.value == how), HowKnown.DIRECT)
    media = tuple(m.strip() for m in re.split(r"[;|\n]", row.get("media", "")) if m.strip())
    token = row.get("reporter_token", "").strip() or None
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
        text=redact_text(row.get("text", "").strip()),
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
        return value % 360.0 if 0 <= value <= 360 else None
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
    "vet_columns",
]
