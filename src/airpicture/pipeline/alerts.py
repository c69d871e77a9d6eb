"""Alerts from the workspace's events and judgments into the outbox (docs/alerts.md).

The entry point for every driver is ``alert_on(workspace, settings, clock, events, judgments)``: the batch
driver (``airpicture run``, ``airpicture alerts run``) passes the stored events and current judgments; the live
driver (``airpicture live``, issue 14) will pass the events it has just emitted (``(event_id, event)`` pairs, or
events alone) and any new judgment. It writes one outbox row per (alert, channel) and returns what it did;
sending is ``pipeline.alerts_delivery.deliver``.

Source protection (docs/source-protection.md): a candidate is made only from a detector event or a judgment's
band change. Events resting on observer reports or documents (evidence kinds ``report``/``document``) and the
observer-report categories are never alerted on; an event's sentence is worded by ``report.document`` from the
event alone (its own coordinates, never an observer's place name); a judgment's alert names its band, its
hypothesis and its confidence only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from airpicture.alerts.message import coarsen
from airpicture.alerts.rules import Alert, Candidate, plan_alerts, validate_rules
from airpicture.claims.build import geometry_point
from airpicture.model.claims import ClaimStatus
from airpicture.model.clock import Clock
from airpicture.model.events import Event, EvidenceKind
from airpicture.model.judgments import Judgment
from airpicture.model.settings import AlertRule, Settings
from airpicture.report.document import OBSERVER_TYPES, event_sentence
from airpicture.store import Workspace, outbox
from airpicture.store.events import event_to_row

CHANNELS = ("webhook", "ntfy", "mqtt", "email", "atom", "telegram", "mastodon")
PROTECTED_EVIDENCE = {EvidenceKind.REPORT, EvidenceKind.DOCUMENT}


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    alerts: int
    new_rows: int
    awaiting_approval: int
    stale: int


def _status_of(workspace: Workspace, event_ids: Sequence[str]) -> dict[str, str]:
    """The status of the claim each event stands in (reported, corroborated, confirmed …), by event id."""
    if not event_ids:
        return {}
    out: dict[str, str] = {}
    with workspace.connect(read_only=True) as con:
        for event_id in event_ids:
            row = con.execute(
                "SELECT status FROM claims WHERE body LIKE ? ORDER BY claim_id LIMIT 1", [f'%"event:{event_id}"%']
            ).fetchone()
            if row is not None:
                out[event_id] = str(row[0])
    return out


class _Categories:
    """Watch-list categories by address, the reference data loaded once (and only when an event has a subject)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data: Any = None
        self.found: dict[str, str] = {}

    def __call__(self, icao24: str | None) -> str:
        if not icao24:
            return ""
        if icao24 not in self.found:
            if self.data is None:
                from airpicture.pipeline.reference import reference_data

                self.data = reference_data(self.settings)
            try:
                aircraft = self.data.aircraft(icao24)
            except (ValueError, OSError):
                aircraft = None
            self.found[icao24] = aircraft.category if aircraft is not None else ""
        return self.found[icao24]


def _point(event: Event) -> tuple[float | None, float | None]:
    attrs = event.attributes
    if "centre_lat_deg" in attrs and "centre_lon_deg" in attrs:
        return float(attrs["centre_lat_deg"]), float(attrs["centre_lon_deg"])
    point = geometry_point(event.geometry)
    return (point[0], point[1]) if point else (None, None)


def _evidence_reference(event_id: str, event: Event) -> str:
    notams = sorted({e.source_file for e in event.evidence if e.kind is EvidenceKind.NOTAM})
    records = sum(1 for e in event.evidence if e.kind is EvidenceKind.POSITION)
    parts = [f"event {event_id} ('airpicture events show {event_id}')"]
    if notams:
        parts.append("NOTAM " + ", ".join(notams))
    if records:
        parts.append(f"{records} position records")
    return ", ".join(parts)


def _event_payload(event_id: str, event: Event) -> dict[str, Any]:
    """The event in the API's event schema (the ``events`` table's columns, as ``airpicture events show --json``)."""
    row = event_to_row(event, event.region)
    names = ("event_id", "type", "start_ts", "end_ts", "day", "region", "detector", "detector_version", "icao24",
             "role", "geometry", "subjects", "attributes", "flags", "evidence")  # fmt: skip
    data = dict(zip(names, row, strict=False))
    data["event_id"] = event_id
    for key in ("subjects", "attributes", "flags", "evidence"):
        if isinstance(data.get(key), str):
            data[key] = json.loads(data[key])
    for key in ("start_ts", "end_ts", "day"):
        data[key] = str(data[key]) if data.get(key) is not None else None
    return data


def event_candidates(
    workspace: Workspace, settings: Settings, events: Iterable[tuple[str, Event] | Event]
) -> list[Candidate]:
    """Candidates for detector events (observer-derived events are left out; see the module docstring)."""
    pairs = [(e.event_id, e) if isinstance(e, Event) else e for e in events]
    kept = [
        (eid, e)
        for eid, e in pairs
        if e.type not in OBSERVER_TYPES and not any(ev.kind in PROTECTED_EVIDENCE for ev in e.evidence)
    ]
    statuses = _status_of(workspace, [eid for eid, _ in kept])
    category = _Categories(settings)
    out = []
    for eid, event in kept:
        status = statuses.get(eid, ClaimStatus.REPORTED.value)
        subject = event.subjects[0] if event.subjects else None
        lat, lon = _point(event)
        names = (subject.icao24, subject.registration, subject.callsign, subject.type_code) if subject else ()
        key = (subject.icao24 or subject.name or "") if subject else ""
        key = key or str(event.attributes.get("notam_id") or event.attributes.get("metric") or event.type)
        out.append(
            Candidate(
                kind="event",
                ref=eid,
                type=event.type,
                subject_key=key,
                at=event.start,
                sentence=event_sentence(
                    event, ClaimStatus(status) if status in set(ClaimStatus) else ClaimStatus.REPORTED
                ),
                status=status,
                evidence=_evidence_reference(eid, event),
                region=event.region,
                role=(subject.role or "") if subject else "",
                category=category(subject.icao24 if subject else None),
                names=tuple(n for n in names if n),
                lat_deg=lat,
                lon_deg=lon,
                payload=_event_payload(eid, event),
            )
        )
    return out


def judgment_candidates(judgments: Iterable[tuple[Judgment, str]]) -> list[Candidate]:
    """A candidate for each judgment whose band changed from the day before (``(judgment, region)`` pairs)."""
    out = []
    for j, region in judgments:
        if not j.assessed or not j.previous_band or j.previous_band == j.band:
            continue
        label = j.hypothesis(j.top).label if any(h.hyp_id == j.top for h in j.hypotheses) else j.top
        sentence = (
            f"The assessment for {j.day.isoformat()} moved from {j.previous_band} to {j.band}: "
            f"{label} ({j.confidence.value} confidence)."
        )
        out.append(
            Candidate(
                kind="judgment",
                ref=j.judgment_id,
                type="band_change",
                subject_key=j.question_id,
                at=j.created_at,
                sentence=sentence,
                status=f"{j.confidence.value} confidence",
                evidence=f"judgment {j.judgment_id} ('airpicture judgments explain {j.judgment_id}')",
                region=region,
                confidence=j.confidence.value,
                payload={
                    "judgment_id": j.judgment_id,
                    "question_id": j.question_id,
                    "day": j.day.isoformat(),
                    "band": j.band,
                    "previous_band": j.previous_band,
                    "top": j.top,
                    "confidence": j.confidence.value,
                },
            )
        )
    return out


def configured_channels(settings: Settings) -> tuple[str, ...]:
    """The channels whose settings switch them on (a URL, host, topic, token or file)."""
    c = settings.alerts.channels
    on = {
        "webhook": bool(c.webhook.url),
        "ntfy": bool(c.ntfy.topic),
        "mqtt": bool(c.mqtt.host),
        "email": bool(c.email.host),
        "atom": c.atom.path is not None,
        "telegram": bool(c.telegram.token and c.telegram.chat_id),
        "mastodon": bool(c.mastodon.base_url and c.mastodon.token),
    }
    return tuple(name for name in CHANNELS if on[name])


def needs_approval(settings: Settings, rule: AlertRule, channel: str) -> bool:
    if rule.approval == "always":
        return True
    if rule.approval == "never":
        return False
    return channel in settings.alerts.public_channels


def alert_body(alert: Alert) -> dict[str, Any]:
    return {
        "title": alert.title,
        "sentences": list(alert.sentences),
        "status": alert.status,
        "evidence": list(alert.evidence),
        "refs": list(alert.refs),
        "escalated": alert.escalated,
        "lat_deg": alert.lat_deg,
        "lon_deg": alert.lon_deg,
        "payload": dict(alert.payload),
        "not_before": alert.not_before.isoformat(),
    }


def body_alert(row: outbox.OutboxRow) -> Alert:
    b = row.body
    return Alert(
        alert_id=row.alert_id,
        rule=row.rule,
        subject_key=row.subject,
        window_start=row.window_start,
        title=str(b["title"]),
        sentences=tuple(b["sentences"]),
        status=str(b["status"]),
        evidence=tuple(b["evidence"]),
        refs=tuple(b["refs"]),
        not_before=datetime.fromisoformat(str(b["not_before"])),
        escalated=bool(b["escalated"]),
        lat_deg=b.get("lat_deg"),
        lon_deg=b.get("lon_deg"),
        payload=b.get("payload") or {},
    )


def alert_on(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    events: Iterable[tuple[str, Event] | Event] = (),
    judgments: Iterable[tuple[Judgment, str]] = (),
) -> AlertOutcome:
    """Plan alerts for ``events`` and ``judgments`` under the settings' rules and put them in the outbox (one
    row per alert and channel). Idempotent: the same input never adds a row twice. Alerts whose window started
    more than ``alerts.stale_after_min`` ago go in as ``stale`` (a restart or a late rerun never floods).
    Public channels get ``awaiting_approval`` (unless the rule says ``approval = "never"``), the rule's delay
    and its coarsened position."""
    rules = settings.alerts.rules
    if not rules:
        return AlertOutcome(0, 0, 0, 0)
    validate_rules(rules, CHANNELS)
    candidates = event_candidates(workspace, settings, events) + judgment_candidates(judgments)
    now = clock.now()
    stale_before = now - timedelta(minutes=settings.alerts.stale_after_min)
    by_name = {r.name: r for r in rules}
    with workspace.connect(read_only=True) as con:
        known = outbox.windows(con)
    alerts = plan_alerts(candidates, rules, known, now)
    rows = []
    for alert in alerts:
        rule = by_name[alert.rule]
        for channel in rule.channels:
            public = channel in settings.alerts.public_channels
            shown = coarsen(alert, rule.coarsen_km) if public else alert
            not_before = alert.not_before + timedelta(minutes=rule.delay_min if public else 0)
            if alert.window_start < stale_before:
                state = "stale"
            elif needs_approval(settings, rule, channel):
                state = "awaiting_approval"
            else:
                state = "pending"
            shown = replace(shown, not_before=not_before)
            rows.append(
                outbox.OutboxRow(
                    alert.alert_id, channel, alert.rule, alert.subject_key, alert.window_start, now, state, 0,
                    not_before, None, None, None, alert_body(shown),
                )
            )  # fmt: skip
    with workspace.connect() as con:
        new = outbox.insert_new(con, rows)
    return AlertOutcome(
        alerts=len(alerts),
        new_rows=new,
        awaiting_approval=sum(1 for r in rows if r.state == "awaiting_approval"),
        stale=sum(1 for r in rows if r.state == "stale"),
    )


def alert_on_workspace(workspace: Workspace, settings: Settings, clock: Clock) -> AlertOutcome:
    """``alert_on`` over the workspace's stored events and current judgments (``alerts run``, ``run``)."""
    from airpicture.pipeline.events import EventFilter, list_events
    from airpicture.store.judgments import load_judgment

    if not settings.alerts.rules:
        return AlertOutcome(0, 0, 0, 0)
    events = list_events(workspace, EventFilter())
    judgments: list[tuple[Judgment, str]] = []
    with workspace.connect(read_only=True) as con:
        for jid, region in con.execute(
            "SELECT judgment_id, coalesce(region, '') FROM judgments WHERE current ORDER BY day"
        ).fetchall():
            j = load_judgment(con, jid)
            if j is not None:
                judgments.append((j, str(region)))
    return alert_on(workspace, settings, clock, events, judgments)
