"""NOTAM → ``Restriction``: areas, vertical limits in feet, schedule; plus the activity test."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from airpicture.decode.notam.chains import in_force
from airpicture.decode.notam.geometry import BorderLookup, build_areas
from airpicture.decode.notam.parser import parse_notam
from airpicture.decode.notam.schedule import parse_schedule, schedule_active
from airpicture.model.notam import Notam, NotamIssue, Restriction, VerticalLimit

RESTRICTION_SUBJECTS = frozenset({"RA", "RD", "RM", "RO", "RP", "RR", "RT", "GW", "GA"})
"""Q-code subjects that restrict or warn about airspace (plus every ``W*`` warning subject)."""


def is_restrictive(restriction: Restriction) -> bool:
    """R* airspace restrictions, W* navigation warnings and GNSS (GW/GA) outages."""
    q = restriction.notam.qline
    return q is not None and (q.subject in RESTRICTION_SUBJECTS or q.subject.startswith("W"))


def _limit_ft(limit: VerticalLimit | None, fl: int | None, upper: bool) -> float | None:
    if limit is not None:
        return limit.ft
    if fl is None:
        return None if upper else 0.0
    if upper and fl >= 999:
        return None
    return float(fl * 100)


def decode_restriction(notam: Notam, border_lookup: BorderLookup | None = None) -> Restriction:
    """Geometry, limits and schedule of one parsed NOTAM. Issues met are appended to ``notam.issues``."""
    areas, issues = build_areas(notam, border_lookup)
    q = notam.qline
    schedule = None
    extra: list[NotamIssue] = list(issues)
    if notam.schedule and notam.valid_from is not None:
        schedule = parse_schedule(notam.schedule, notam.valid_from)
        if not schedule.readable:
            d = notam.item("D")
            extra.append(
                NotamIssue(
                    notam.id,
                    "D",
                    d.span.start if d else 0,
                    f"schedule not read ({schedule.reason}): active for the whole B-C window",
                )
            )
    if extra:
        notam = replace(notam, issues=notam.issues + tuple(extra))
    return Restriction(
        notam=notam,
        areas=areas,
        lower_ft=_limit_ft(notam.lower, q.lower_fl if q else None, upper=False),
        upper_ft=_limit_ft(notam.upper, q.upper_fl if q else None, upper=True),
        schedule=schedule,
    )


def decode_text(text: str, border_lookup: BorderLookup | None = None) -> Restriction:
    """Parse and decode one NOTAM text."""
    return decode_restriction(parse_notam(text), border_lookup)


def active_at(restriction: Restriction, at: datetime, by_id: dict[str, Restriction]) -> bool:
    """In force at ``at`` (window and chain) and inside its schedule (SR/SS at the Q-line centre)."""
    if not in_force(restriction, at, by_id):
        return False
    q = restriction.notam.qline
    centre = q.centre if q else None
    return schedule_active(
        restriction.schedule, at, centre.lat_deg if centre else None, centre.lon_deg if centre else None
    )
