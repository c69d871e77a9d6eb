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

The novelty event has the novel event's time, place and subjects, and cites the novel event's evidence
and the earlier event's (noted ``earlier event <id>``). It runs after the other detectors and reads the
day's events (``consumes_events``). Corroboration levels are applied later, by the claims stage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar

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
    version: ClassVar[int] = 1
    columns: ClassVar[frozenset[str]] = frozenset()
    consumes_events: ClassVar[bool] = True

    min_gap_days: int = 30

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
        out = []
        for key, event in firsts.items():
            earlier = latest.get(key)
            if earlier is not None:
                gap_days = (event.start.date() - earlier.start.date()).days
                if gap_days < self.min_gap_days:
                    continue
                out.append(self._event(key, event, earlier, gap_days, ctx.monitoring_since))
            elif ctx.monitoring_since is not None and (ctx.day - ctx.monitoring_since).days >= self.min_gap_days:
                out.append(self._event(key, event, None, None, ctx.monitoring_since))
        return DetectorOutput(tuple(out))

    def _event(
        self,
        key: tuple[str, str, str, str],
        event: Event,
        earlier: Event | None,
        gap_days: int | None,
        monitoring_since: date | None,
    ) -> Event:
        since = earlier.start.date().isoformat() if earlier is not None else None
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
                "phrase": f"for the first time since {since}" if since else "for the first time since monitoring began",
            },
            evidence=event.evidence + cited,
        )
