"""Item D forms met in real NOTAMs (issue #13, NOTAM parser item 5): month carried to later clauses, continuous
date-time periods, lists without separators, ``TO``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from airpicture.decode.notam import decode_text, intervals, parse_schedule


def _iv(schedule: str, b: datetime, until: datetime) -> list[tuple[str, str]]:
    s = parse_schedule(schedule, b)
    assert s.readable, s.reason
    return [(a.strftime("%m-%d %H:%M"), z.strftime("%m-%d %H:%M")) for a, z in intervals(s, b, until)]


B = datetime(2022, 6, 1, tzinfo=UTC)
END = datetime(2022, 8, 1, tzinfo=UTC)


def test_a_month_is_carried_to_later_day_only_clauses() -> None:
    got = _iv("JUN 10-12 0600-1800, JUL 01 0600-1800, 15 0600-1800", B, END)
    assert got[-2:] == [("07-01 06:00", "07-01 18:00"), ("07-15 06:00", "07-15 18:00")]
    assert ("06-15 06:00", "06-15 18:00") not in got


def test_a_following_month_still_names_the_days_before_it() -> None:
    assert _iv("JUL 01 0600-1800, 31 AUG SR-SS", B, datetime(2022, 9, 2, tzinfo=UTC))[-1][0] == "08-31 00:00"


@pytest.mark.parametrize(
    ("schedule", "b", "expected"),
    [
        ("08 0800-12 2000", datetime(2022, 2, 1, tzinfo=UTC), [("02-08 08:00", "02-12 20:00")]),
        ("FEB 08 0800-MAR 12 2000", datetime(2022, 2, 1, tzinfo=UTC), [("02-08 08:00", "03-12 20:00")]),
        ("MAY 29 2200-MAY 30 2200", datetime(2022, 5, 1, tzinfo=UTC), [("05-29 22:00", "05-30 22:00")]),
        ("08 0800-12 2000, 20 0800-21 0600", datetime(2022, 2, 1, tzinfo=UTC),
         [("02-08 08:00", "02-12 20:00"), ("02-20 08:00", "02-21 06:00")]),
    ],
)  # fmt: skip
def test_continuous_date_time_periods(schedule: str, b: datetime, expected: list[tuple[str, str]]) -> None:
    assert _iv(schedule, b, datetime(2022, 12, 1, tzinfo=UTC)) == expected


def test_a_list_without_separators_is_read_clause_by_clause() -> None:
    got = _iv("22 0700-1700 23 0430-1800", datetime(2022, 7, 20, tzinfo=UTC), END)
    assert got == [("07-22 07:00", "07-22 17:00"), ("07-23 04:30", "07-23 18:00")]  # never 04:30-18:00 on the 22nd


def test_days_after_times_without_times_of_their_own_keep_those_times() -> None:
    s = parse_schedule("0700-1700 MON WED FRI", B)
    assert [(r.weekdays, len(r.times)) for r in s.rules] == [(frozenset({0, 2, 4}), 1)]


def test_to_between_times_is_a_range() -> None:
    assert _iv("0730 TO 1500", B, datetime(2022, 6, 3, tzinfo=UTC)) == [
        ("06-01 07:30", "06-01 15:00"),
        ("06-02 07:30", "06-02 15:00"),
    ]


def test_a_period_that_ends_before_it_starts_is_flagged() -> None:
    s = parse_schedule("FEB 12 2000-FEB 08 0800", datetime(2022, 2, 1, tzinfo=UTC))
    assert not s.readable and "ends before it starts" in s.reason


def test_a_notam_with_a_period_schedule_is_active_only_inside_it() -> None:
    r = decode_text(
        "A0900/22 NOTAMN\nQ) UMMV/QRTCA/IV/BO/W/000/100/5145N02930E020\nA) UMMV B) 2202010000 C) 2203312359\n"
        "D) 08 0800-12 2000\nE) TEMPO RESTRICTED AREA."
    )
    assert not r.notam.issues and r.schedule is not None and r.schedule.readable
    lo, hi = datetime(2022, 2, 1, tzinfo=UTC), datetime(2022, 4, 1, tzinfo=UTC)
    assert intervals(r.schedule, lo, hi) == [
        (datetime(2022, 2, 8, 8, tzinfo=UTC), datetime(2022, 2, 12, 20, tzinfo=UTC))
    ]
