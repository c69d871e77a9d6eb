"""Item D (schedule) read into rules, and the question "is it active at time t?".

Understood (clauses separated by commas; a clause without days keeps the days of the one before)::

    H24 | DAILY | 0600-2200 | 2130-0330 (crosses midnight) | 0500-0730 1830-2000
    MON-FRI 0700-1700 | TUE WED THU SAT 0800-0830 | SAT SUN SR-SS | SS-SR | SR MINUS30-SS PLUS30
    24-27 1900-2230, 28 0330-0800 | AUG 24 26 27 SEP 01-04 0600-1800 | AUG 21-OCT 24 0700-1530
    31 AUG SR-SS | 0700-1700 EXC SAT SUN | AUG 24-OCT 24 0700-1700 EXC SUN
    JUN 10-12 0600-1800, JUL 01 0600-1800, 15 0600-1800   (a month carries to later day-only clauses)
    08 0800-12 2000 | FEB 08 0800-MAR 12 2000   (continuous date-time periods)
    22 0700-1700 23 0430-1800   (days after times, with their own times: a new clause) | 0730 TO 1500

Days without a month are resolved against item B (the first such day on or after B). ``SR``/``SS``
are sunrise and sunset at the NOTAM's location (Q-line centre), computed with ``astral`` (NOAA solar
equations, sun's upper limb at the horizon with refraction). What cannot be read gives a
``Schedule`` with ``readable=False``, the reason, and the NOTAM is then active for its whole B–C window.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from astral import Observer
from astral.sun import sunrise, sunset

from airpicture.model.notam import DayBound, Schedule, ScheduleRule, TimeOfDay

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
WEEKDAYS = {d: i for i, d in enumerate(("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"))}

_TOKEN = re.compile(
    r"(?P<range>(?P<a>\d{4}|SR|SS)(?:\s?(?P<asign>PLUS|MINUS)\s?(?P<aoff>\d+)(?:MIN)?)?\s?-\s?"
    r"(?P<b>\d{4}|SR|SS)(?:\s?(?P<bsign>PLUS|MINUS)\s?(?P<boff>\d+)(?:MIN)?)?)(?![\d])"
    r"|(?P<h24>H24)|(?P<daily>DAILY)|(?P<exc>EXC)"
    r"|(?P<weekday>MON|TUE|WED|THU|FRI|SAT|SUN)"
    r"|(?P<month>JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
    r"|(?P<day>\d{1,2})(?!\d)|(?P<dash>-)|(?P<comma>,)|(?P<space>\s+|EVERY\b|AND\b)|(?P<other>\S+)"
)


class _Unreadable(ValueError):
    pass


def _time(value: str, sign: str | None, offset: str | None, is_end: bool) -> TimeOfDay:
    delta = int(offset or 0) * (-1 if sign == "MINUS" else 1)
    if value == "SR":
        return TimeOfDay(DayBound.SUNRISE, delta)
    if value == "SS":
        return TimeOfDay(DayBound.SUNSET, delta)
    hours, minutes = int(value[:2]), int(value[2:])
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise _Unreadable(f"time {value} is not hhmm")
    total = hours * 60 + minutes
    if is_end and total == 0:
        total = 24 * 60
    return TimeOfDay(DayBound.CLOCK, total)


def _resolve(month: int | None, day: int, start: date) -> date:
    """A day of month (and month, if given) as the first such date on or after ``start``'s month."""
    try:
        if month is None:
            candidate = date(start.year, start.month, day)
            if day < start.day:
                nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
                candidate = date(nxt.year, nxt.month, day)
            return candidate
        year = start.year + (1 if month < start.month - 6 else 0)
        return date(year, month, day)
    except ValueError:
        raise _Unreadable(f"day {day} does not exist in month {month or start.month}") from None


def _day_spec(
    tokens: list[tuple[str, str]], start: date, carried: int | None = None
) -> tuple[set[str], set[int], int | None]:
    """Dates and weekdays named by a run of day tokens (with '-' ranges), and the month in use at the end.

    ``carried`` is the month named last in an earlier clause: a day without a month takes it
    (``JUL 01 0600-1800, 15 0600-1800`` → 15 July), unless a month follows the days (``31 AUG``).
    """
    dates: set[str] = set()
    weekdays: set[int] = set()
    month: int | None = carried
    pending: list[int] = []  # items read before any month named in this clause, for "31 AUG"
    named = False
    items: list[tuple[str, int, int | None]] = []  # (kind, value, month)
    for k, (kind, value) in enumerate(tokens):
        if kind == "month":
            month = MONTHS[value]
            if pending and not named and not any(t == "day" for t, _ in tokens[k + 1 :]):
                for idx in pending:
                    items[idx] = (items[idx][0], items[idx][1], month)
            pending = []
            named = True
        elif kind == "day":
            if not named:
                pending.append(len(items))
            items.append(("day", int(value), month))
        elif kind == "weekday":
            items.append(("weekday", WEEKDAYS[value], None))
        elif kind == "dash":
            items.append(("dash", 0, None))
    i = 0
    while i < len(items):
        kind, num, mon = items[i]
        if i + 2 < len(items) and items[i + 1][0] == "dash":
            kind2, num2, mon2 = items[i + 2]
            if kind != kind2:
                raise _Unreadable("range mixes dates and weekdays")
            if kind == "weekday":
                weekdays.update((num + k) % 7 for k in range((num2 - num) % 7 + 1))
            else:
                first, last = _resolve(mon, num, start), _resolve(mon2 if mon2 else mon, num2, start)
                if last < first:
                    raise _Unreadable("date range ends before it starts")
                day = first
                while day <= last:
                    dates.add(day.isoformat())
                    day += timedelta(days=1)
            i += 3
            continue
        if kind == "dash":
            raise _Unreadable("'-' without a range")
        if kind == "weekday":
            weekdays.add(num)
        else:
            dates.add(_resolve(mon, num, start).isoformat())
        i += 1
    return dates, weekdays, month


_MONTH = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
_PERIOD = re.compile(
    rf"(?<![\dA-Z])(?:(?P<m1>{_MONTH})\s?)?(?P<d1>\d{{1,2}})\s(?P<t1>\d{{4}})\s?-\s?"
    rf"(?:(?P<m2>{_MONTH})\s?)?(?P<d2>\d{{1,2}})\s(?P<t2>\d{{4}})(?!\d)"
)
_TO = re.compile(r"(?<=[\dA-Z])\s+TO\s+(?=[\dA-Z])")


def _period_rules(match: re.Match[str], start: date, carried: int | None) -> tuple[list[ScheduleRule], int | None]:
    """A continuous date-time period (``08 0800-12 2000``, ``FEB 08 0800-MAR 12 2000``) as rules: the
    first day from its time, whole days between, the last day up to its time."""
    m1 = MONTHS[match["m1"]] if match["m1"] else carried
    first = _resolve(m1, int(match["d1"]), start)
    m2 = MONTHS[match["m2"]] if match["m2"] else (first.month if m1 is not None else None)
    last = _resolve(m2, int(match["d2"]), first)
    begin = _time(match["t1"], None, None, False)
    end = _time(match["t2"], None, None, True)
    if last < first or (last == first and end.offset_min <= begin.offset_min):
        raise _Unreadable(f"period {match.group(0)!r} ends before it starts")
    whole_day = (TimeOfDay(DayBound.CLOCK, 0), TimeOfDay(DayBound.CLOCK, 24 * 60))
    if last == first:
        return [ScheduleRule(frozenset({first.isoformat()}), None, ((begin, end),))], m2
    rules = [ScheduleRule(frozenset({first.isoformat()}), None, ((begin, whole_day[1]),))]
    middle = []
    day = first + timedelta(days=1)
    while day < last:
        middle.append(day.isoformat())
        day += timedelta(days=1)
    if middle:
        rules.append(ScheduleRule(frozenset(middle), None, (whole_day,)))
    if end.offset_min > 0:
        rules.append(ScheduleRule(frozenset({last.isoformat()}), None, ((whole_day[0], end),)))
    return rules, m2


def parse_schedule(text: str, valid_from: datetime) -> Schedule:
    """Read item D; never raises (an unreadable schedule is returned flagged, see module docstring)."""
    cleaned = " ".join(text.upper().split())
    try:
        return _parse(cleaned, text, valid_from.date())
    except _Unreadable as exc:
        return Schedule(raw=text, rules=(), readable=False, reason=str(exc))


def _parse(cleaned: str, raw: str, start: date) -> Schedule:
    if cleaned in ("H24", "DAILY H24"):
        return Schedule(raw=raw, rules=(), readable=True, h24=True)
    cleaned = _TO.sub("-", cleaned)  # "0730 TO 1500"
    # Continuous date-time periods become rules of their own and a clause break in the text.
    pieces: list[str | re.Match[str]] = []
    cursor = 0
    for period in _PERIOD.finditer(cleaned):
        pieces.extend((cleaned[cursor : period.start()], period))
        cursor = period.end()
    pieces.append(cleaned[cursor:])
    rules: list[ScheduleRule] = []
    carried: int | None = None
    previous: tuple[frozenset[str] | None, frozenset[int] | None] = (None, None)
    for piece in pieces:
        if isinstance(piece, str):
            carried, previous = _clauses(piece, start, carried, previous, rules)
        else:
            found, carried = _period_rules(piece, start, carried)
            rules.extend(found)
    if not rules:
        raise _Unreadable("no days or times")
    return Schedule(raw=raw, rules=tuple(rules), readable=True)


def _has_times_ahead(tokens: list[tuple[str, str, re.Match[str]]], k: int) -> bool:
    """Whether a time range follows token ``k`` before the next comma or EXC."""
    for kind, _, _ in tokens[k:]:
        if kind in ("comma", "exc"):
            return False
        if kind in ("range", "h24"):
            return True
    return False


def _clauses(
    text: str,
    start: date,
    carried: int | None,
    previous: tuple[frozenset[str] | None, frozenset[int] | None],
    rules: list[ScheduleRule],
) -> tuple[int | None, tuple[frozenset[str] | None, frozenset[int] | None]]:
    """Read the clauses of ``text`` into ``rules``; returns the month and days in use at the end.

    Clauses are separated by commas, and also where days follow times without a comma
    (``22 0700-1700 23 0430-1800`` is two clauses, never one window over both days)."""
    tokens: list[tuple[str, str, re.Match[str]]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        if kind in ("asign", "aoff", "bsign", "boff", "a", "b"):
            kind = "range"
        if kind == "space":
            continue
        if kind == "other":
            raise _Unreadable(f"cannot read {match.group(0)!r}")
        tokens.append((kind, match.group(0), match))
    clauses: list[list[tuple[str, str, re.Match[str]]]] = [[]]
    for k, token in enumerate(tokens):
        kind = token[0]
        if kind == "comma":
            clauses.append([])
            continue
        current = clauses[-1]
        if (
            kind in ("day", "month", "weekday", "daily")
            and any(t in ("range", "h24") for t, _, _ in current)
            and not any(t == "exc" for t, _, _ in current)
            and _has_times_ahead(tokens, k)
        ):
            clauses.append([])  # days after times, with times of their own: a new clause
        clauses[-1].append(token)
    for clause in clauses:
        if not clause:
            continue
        exc_at = next((i for i, t in enumerate(clause) if t[0] == "exc"), len(clause))
        main, excluded = clause[:exc_at], clause[exc_at + 1 :]
        day_tokens = [(k, v) for k, v, _ in main if k in ("day", "month", "weekday", "dash")]
        times: list[tuple[TimeOfDay, TimeOfDay]] = []
        for kind, _, match in main:
            if kind == "range":
                times.append(
                    (
                        _time(match["a"], match["asign"], match["aoff"], False),
                        _time(match["b"], match["bsign"], match["boff"], True),
                    )
                )
            elif kind == "h24":
                times.append((TimeOfDay(DayBound.CLOCK, 0), TimeOfDay(DayBound.CLOCK, 24 * 60)))
        if not times:
            times.append((TimeOfDay(DayBound.CLOCK, 0), TimeOfDay(DayBound.CLOCK, 24 * 60)))
        if day_tokens:
            dates, weekdays, carried = _day_spec(day_tokens, start, carried)
            spec = (frozenset(dates) or None, frozenset(weekdays) or None)
        else:
            spec = previous
        ex_dates: set[str] = set()
        ex_weekdays: set[int] = set()
        if excluded:
            ex_dates, ex_weekdays, _ = _day_spec([(k, v) for k, v, _ in excluded], start, carried)
        rules.append(ScheduleRule(spec[0], spec[1], tuple(times), frozenset(ex_dates), frozenset(ex_weekdays)))
        previous = spec
    return carried, previous


@lru_cache(maxsize=65536)
def _sun(lat_deg: float, lon_deg: float, day: date, rise: bool) -> datetime:
    observer = Observer(latitude=lat_deg, longitude=lon_deg)
    try:
        value = sunrise(observer, day, tzinfo=UTC) if rise else sunset(observer, day, tzinfo=UTC)
    except ValueError:
        # polar day or night: no sunrise/sunset; take the day's bounds (active all day at SR-SS)
        value = datetime.combine(day, time(0, 0) if rise else time(23, 59), tzinfo=UTC)
    return value


def _at(day: date, value: TimeOfDay, lat_deg: float | None, lon_deg: float | None) -> datetime:
    if value.bound is DayBound.CLOCK:
        return datetime.combine(day, time(0, 0), tzinfo=UTC) + timedelta(minutes=value.offset_min)
    if lat_deg is None or lon_deg is None:
        # no location: civil approximation of sunrise 06:00 / sunset 18:00 UTC is not used; whole day
        hour = 0 if value.bound is DayBound.SUNRISE else 24
        return datetime.combine(day, time(0, 0), tzinfo=UTC) + timedelta(hours=hour)
    base = _sun(round(lat_deg, 2), round(lon_deg, 2), day, value.bound is DayBound.SUNRISE)
    return base + timedelta(minutes=value.offset_min)


def _rule_applies(rule: ScheduleRule, day: date) -> bool:
    iso = day.isoformat()
    if iso in rule.except_dates or day.weekday() in rule.except_weekdays:
        return False
    if rule.dates is None and rule.weekdays is None:
        return True
    return (rule.dates is not None and iso in rule.dates) or (
        rule.weekdays is not None and day.weekday() in rule.weekdays
    )


def day_intervals(
    schedule: Schedule, day: date, lat_deg: float | None = None, lon_deg: float | None = None
) -> list[tuple[datetime, datetime]]:
    """The active intervals that start on ``day`` (UTC). An interval whose end is not after its start
    runs into the next day (``2130-0330``)."""
    out = []
    for rule in schedule.rules:
        if not _rule_applies(rule, day):
            continue
        for begin, end in rule.times:
            t0 = _at(day, begin, lat_deg, lon_deg)
            t1 = _at(day, end, lat_deg, lon_deg)
            if t1 <= t0:
                t1 = _at(day + timedelta(days=1), end, lat_deg, lon_deg)
            out.append((t0, t1))
    return out


def schedule_active(
    schedule: Schedule | None, at: datetime, lat_deg: float | None = None, lon_deg: float | None = None
) -> bool:
    """Whether the schedule allows activity at ``at`` (the B–C window is checked by the caller).

    ``None``, H24 and unreadable schedules are always active.
    """
    if schedule is None or schedule.h24 or not schedule.readable:
        return True
    for day in (at.date() - timedelta(days=1), at.date()):
        for t0, t1 in day_intervals(schedule, day, lat_deg, lon_deg):
            if t0 <= at < t1:
                return True
    return False


def intervals(
    schedule: Schedule | None,
    start: datetime,
    end: datetime,
    lat_deg: float | None = None,
    lon_deg: float | None = None,
) -> list[tuple[datetime, datetime]]:
    """Active intervals clipped to ``[start, end)``, sorted and merged."""
    if schedule is None or schedule.h24 or not schedule.readable:
        return [(start, end)] if start < end else []
    found: list[tuple[datetime, datetime]] = []
    day = start.date() - timedelta(days=1)
    while day <= end.date():
        for t0, t1 in day_intervals(schedule, day, lat_deg, lon_deg):
            a, b = max(t0, start), min(t1, end)
            if a < b:
                found.append((a, b))
        day += timedelta(days=1)
    found.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in found:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
