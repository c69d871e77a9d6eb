"""Novelty: an event class not seen for a long time — "for the first time since April 4".

An event's *class* is (event type, role, aircraft type, area) for events about an aircraft on the
watch-list (a subject with a role). The area is the airfield of a take-off or landing, the country
entered, the border approached, or the country under an orbit; the region for the rest. For each class
seen today the earliest event of the day is compared with the latest earlier event of that class (the
driver hands stored events over as ``ctx.earlier_events``):

- an earlier event at least ``min_gap_days`` before → ``novelty`` "first time since <date>", citing it;
- none, and monitoring (``ctx.monitoring_since``) began at least ``min_gap_days`` before → "first time
  since monitoring began";
- otherwise nothing (a young archive cannot call anything new).

"First time since" is only as good as the records between: the days of the interval (after the earlier
event, or monitoring's start, up to the day before) with no positions inside the region's frame (the
driver's ``coverage`` aggregate in ``ctx.history``) are listed in ``uncovered`` as date ranges, and when
they are more than ``max_uncovered_share`` of the interval the event says ``coverage_thin`` and is not
novel evidence (the indicators board does not call it novel). The phrase names the coverage: "for the
first time in our records since 4 April 2022; no receiver data 5 April – 26 June 2022".

The novelty event has the novel event's time, place and subjects, and cites the novel event's evidence
and the earlier event's (noted ``earlier event <id>``). It runs after the other detectors and reads the
day's events (``consumes_events``). Corroboration levels are applied later, by the claims stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from airpicture.detect.framework import DetectionContext, DetectorOutput
from airpicture.model.events import Event

NOVELTY_TYPES = (
    "airspace_entry",
    "orbit",
    "border_proximity",
    "takeoff",
    "landing",
    "going_dark",
    "watchlist_presence",
)


def event_class(event: Event, region: str) -> tuple[str, str, str, str] | None:
    """(type, role, aircraft type, area) of an event about a watch-list aircraft, else ``None``."""
    if event.type not in NOVELTY_TYPES or not event.subjects or not event.subjects[0].role:
        return None
    subject = event.subjects[0]
    attributes: Any = event.attributes
    if event.type == "airspace_entry":
        area = attributes.get("to_country")
    else:
        area = attributes.get("airfield") or attributes.get("border") or attributes.get("country")
    return (event.type, str(subject.role), subject.type_code or "unknown", str(area or region))


@dataclass(frozen=True, slots=True)
class NoveltyDetector:
    """First occurrence of an event class after a gap of ``min_gap_days`` (or since monitoring began)."""

    name: ClassVar[str] = "novelty"
    version: ClassVar[int] = 2
    columns: ClassVar[frozenset[str]] = frozenset()
    consumes_events: ClassVar[bool] = True

    min_gap_days: int = 30
    max_uncovered_share: float = 0.5
    """More of the interval than this without receiver data: the novelty is stated with its gap, and is not
    novel evidence (``coverage_thin``)."""

    def detect(self, positions: Any, ctx: DetectionContext) -> DetectorOutput:
        region = ctx.region.name
        latest: dict[tuple[str, str, str, str], Event] = {}
        for event in ctx.earlier_events:
            key = event_class(event, region)
            if (
                key is not None
                and event.start < ctx.day_start
                and (key not in latest or event.start > latest[key].start)
            ):
                latest[key] = event
        firsts: dict[tuple[str, str, str, str], Event] = {}
        for event in sorted(ctx.events, key=lambda e: (e.start, e.event_id)):
            key = event_class(event, region)
            if key is not None and key not in firsts:
                firsts[key] = event
        covered = covered_days(ctx.history)
        out = []
        for key, event in firsts.items():
            earlier = latest.get(key)
            if earlier is not None:
                gap_days = (event.start.date() - earlier.start.date()).days
                if gap_days < self.min_gap_days:
                    continue
                out.append(self._event(key, event, earlier, gap_days, ctx.monitoring_since, covered))
            elif ctx.monitoring_since is not None and (ctx.day - ctx.monitoring_since).days >= self.min_gap_days:
                out.append(self._event(key, event, None, None, ctx.monitoring_since, covered))
        return DetectorOutput(tuple(out))

    def _event(
        self,
        key: tuple[str, str, str, str],
        event: Event,
        earlier: Event | None,
        gap_days: int | None,
        monitoring_since: date | None,
        covered: frozenset[date] | None,
    ) -> Event:
        since = earlier.start.date().isoformat() if earlier is not None else None
        first = earlier.start.date() if earlier is not None else monitoring_since
        gaps: list[list[str]] = []
        share = 0.0
        if covered is not None and first is not None:
            days = [first + timedelta(days=k) for k in range(1, (event.start.date() - first).days)]
            missing = [d for d in days if d not in covered]
            gaps = [[a.isoformat(), b.isoformat()] for a, b in _ranges(missing)]
            share = len(missing) / len(days) if days else 0.0
        thin = share > self.max_uncovered_share
        phrase = (
            f"for the first time in our records since {since}" if since else "for the first time since monitoring began"
        )
        if gaps:
            phrase += "; no receiver data " + ", ".join(a if a == b else f"{a} – {b}" for a, b in gaps)
        cited = tuple(replace(e, note=f"earlier event {earlier.event_id}") for e in earlier.evidence) if earlier else ()
        return Event(
            type="novelty",
            start=event.start,
            end=event.end,
            detector=self.name,
            detector_version=self.version,
            geometry=event.geometry,
            subjects=event.subjects,
            attributes={
                "event_type": key[0],
                "role": key[1],
                "aircraft_type": key[2],
                "area": key[3],
                "event_id": event.event_id,
                "first_time_since": since,
                "since_monitoring_began": earlier is None,
                "monitoring_since": monitoring_since.isoformat() if monitoring_since else None,
                "gap_days": gap_days,
                "earlier_event_id": earlier.event_id if earlier is not None else None,
                "phrase": phrase,
                "uncovered": gaps,
                "uncovered_share": round(share, 3),
                "coverage_thin": thin,
            },
            evidence=event.evidence + cited,
        )


COVERAGE_DETECTOR = "coverage"
"""The detect driver's per-day aggregate of positions inside the region's frame (``pipeline.detect``)."""


def covered_days(history: pa.Table) -> frozenset[date] | None:
    """Days of ``history`` with positions inside the region's frame; ``None`` when the history holds no
    coverage aggregate at all (a workspace detected before it existed: coverage unknown, nothing claimed)."""
    if history.num_rows == 0:
        return None
    rows = history.filter(pc.equal(history["detector"], pa.scalar(COVERAGE_DETECTOR)))
    if rows.num_rows == 0:
        return None
    seen = rows.filter(pc.greater(rows["value"], pa.scalar(0.0)))
    return frozenset(d for d in seen["day"].to_pylist() if isinstance(d, date))


def _ranges(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive runs of sorted days as (first, last)."""
    out: list[tuple[date, date]] = []
    for d in days:
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out
