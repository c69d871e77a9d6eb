"""Rules → alerts: matching, cooldown windows, digests, quiet hours, escalation, delays. Pure: no I/O, no clock.

A *candidate* is something that may be alerted on (one stored event, or a judgment whose band changed); the
pipeline builds candidates with their sentence already in the report's wording. ``plan_alerts`` turns
candidates and the windows already known (from the outbox) into alerts. An alert's id is derived from
(rule, subject, window start), so planning the same candidates again gives the same ids: re-running a detector
or restarting never makes a second alert.

Cooldown: the first candidate of a (rule, subject) opens a window; later candidates inside
``cooldown_min`` of the window start join it (no new alert). Digest (``digest_min`` > 0): one alert per rule and
``digest_min`` bucket of the candidates' times, listing every sentence, sent when the bucket ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from airpicture.model.errors import ConfigError
from airpicture.model.settings import AlertRule

CONFIDENCE_ORDER = ("low", "moderate", "high")
DIGEST_SUBJECT = "*digest*"


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something an alert may be raised on. ``sentence`` is in the report's wording (built by the pipeline from
    report/); nothing here comes from observer reports or the intake."""

    kind: str  # "event" | "judgment"
    ref: str  # event id or judgment id
    type: str  # event type, or "band_change"
    subject_key: str  # icao24, NOTAM id, cell … (the cooldown key)
    at: datetime  # UTC
    sentence: str
    status: str = ""  # claim status (reported, confirmed …) or the judgment's confidence
    evidence: str = ""  # a reference a reader can follow ("airpicture events show <id>")
    region: str = ""
    role: str = ""
    category: str = ""
    names: tuple[str, ...] = ()  # address, registration, callsign, type code (accept/exclude lists)
    lat_deg: float | None = None
    lon_deg: float | None = None
    confidence: str = ""
    payload: Mapping[str, object] = field(default_factory=dict)
    """The event (or judgment) in the API's JSON schema, for MQTT and webhooks."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: what a rule raised for one (subject, window). Its id is stable (``alert_id``)."""

    alert_id: str
    rule: str
    subject_key: str
    window_start: datetime
    title: str
    sentences: tuple[str, ...]
    status: str
    evidence: tuple[str, ...]
    refs: tuple[str, ...]
    not_before: datetime
    escalated: bool = False
    lat_deg: float | None = None
    lon_deg: float | None = None
    payload: Mapping[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The message body: the sentences, the status, the evidence references."""
        lines = list(self.sentences)
        if self.status:
            lines.append(f"Status: {self.status}.")
        if self.evidence:
            lines.append("Evidence: " + self.evidence_line)
        return "\n".join(lines)

    @property
    def evidence_line(self) -> str:
        """The evidence references; a digest of more than three names how many and where to look."""
        if len(self.evidence) > 3:
            return f"{len(self.evidence)} events ('airpicture alerts list')"
        return "; ".join(self.evidence)


def alert_id(rule: str, subject_key: str, window_start: datetime) -> str:
    """SHA-256 (hex, 20 chars) of (rule, subject, window start as UTC ISO-8601)."""
    key = f"{rule}\x1f{subject_key}\x1f{window_start.astimezone(UTC).isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def matches(rule: AlertRule, c: Candidate) -> bool:
    """Whether the candidate passes the rule's filters (kind, types, role, category, region, status,
    confidence, accept and exclude lists; comparisons ignore case)."""
    if rule.kind != c.kind:
        return False
    if rule.types and c.type not in rule.types:
        return False
    for wanted, have in ((rule.role, c.role), (rule.category, c.category), (rule.region, c.region)):
        if wanted and wanted.lower() != have.lower():
            return False
    if rule.status and c.status.lower() not in {s.lower() for s in rule.status}:
        return False
    if rule.min_confidence:
        need = _rank(rule.min_confidence, rule.name)
        if c.confidence.lower() not in CONFIDENCE_ORDER or CONFIDENCE_ORDER.index(c.confidence.lower()) < need:
            return False
    names = {n.lower() for n in c.names if n}
    if rule.accept and not names & {a.lower() for a in rule.accept}:
        return False
    return not (rule.exclude and names & {x.lower() for x in rule.exclude})


def _rank(confidence: str, rule: str) -> int:
    if confidence.lower() not in CONFIDENCE_ORDER:
        raise ConfigError(
            "bad min_confidence", where=f"alerts rule {rule}", found=confidence, expected="low, moderate or high"
        )
    return CONFIDENCE_ORDER.index(confidence.lower())


def validate_rules(rules: Sequence[AlertRule], channels: Iterable[str]) -> None:
    """Raise ``ConfigError`` for a rule with a bad kind, duplicate name, unknown channel, bad quiet hours."""
    known = set(channels)
    seen: set[str] = set()
    for r in rules:
        where = f"alerts rule {r.name!r}"
        if not r.name or r.name in seen:
            raise ConfigError("rule names must be present and unique", where=where, found=r.name)
        seen.add(r.name)
        if r.kind not in ("event", "judgment"):
            raise ConfigError("bad kind", where=where, found=r.kind, expected="event or judgment")
        for ch in r.channels:
            if ch not in known:
                raise ConfigError("unknown channel", where=where, found=ch, expected=", ".join(sorted(known)))
        if r.approval not in ("default", "always", "never"):
            raise ConfigError("bad approval", where=where, found=r.approval, expected="default, always or never")
        if r.quiet_hours:
            quiet_span(r.quiet_hours, r.name)
        if r.min_confidence:
            _rank(r.min_confidence, r.name)


def quiet_span(text: str, rule: str) -> tuple[int, int]:
    """``"22-06"`` → (22, 6): quiet from 22:00 to 06:00 UTC."""
    try:
        a, b = (int(x) for x in text.split("-"))
    except ValueError:
        a = b = -1
    if not (0 <= a < 24 and 0 <= b < 24) or a == b:
        raise ConfigError("bad quiet_hours", where=f"alerts rule {rule}", found=text, expected="HH-HH, e.g. 22-06")
    return a, b


def after_quiet(rule: AlertRule, t: datetime) -> datetime:
    """``t``, or the end of the rule's quiet period when ``t`` falls inside it."""
    if not rule.quiet_hours:
        return t
    start, end = quiet_span(rule.quiet_hours, rule.name)
    hour = t.astimezone(UTC).hour
    inside = start <= hour < end if start < end else (hour >= start or hour < end)
    if not inside:
        return t
    day = t.astimezone(UTC).date()
    wake = datetime.combine(day, time(end), tzinfo=UTC)
    return wake if wake > t else wake + timedelta(days=1)


def plan_alerts(
    candidates: Iterable[Candidate],
    rules: Sequence[AlertRule],
    windows: Mapping[tuple[str, str], Sequence[datetime]],
    now: datetime,
) -> list[Alert]:
    """Alerts for the candidates under the rules. ``windows`` holds the window starts already in the outbox per
    (rule, subject) (so a rerun joins them instead of opening new ones). ``now`` only moves ``not_before``
    (quiet hours, delays); it never changes an id. Digest alerts are returned with every sentence of the bucket."""
    out: list[Alert] = []
    ordered = sorted(candidates, key=lambda c: (c.at, c.ref))
    for rule in rules:
        chosen = [c for c in ordered if matches(rule, c)]
        if rule.digest_min > 0:
            out.extend(_digests(rule, chosen, now))
        else:
            out.extend(_windowed(rule, chosen, windows, now))
    return out


def _windowed(
    rule: AlertRule, chosen: Sequence[Candidate], windows: Mapping[tuple[str, str], Sequence[datetime]], now: datetime
) -> list[Alert]:
    cooldown = timedelta(minutes=rule.cooldown_min)
    opened: dict[str, list[datetime]] = {}
    made: dict[str, Alert] = {}
    for c in chosen:
        starts = opened.setdefault(c.subject_key, sorted(windows.get((rule.name, c.subject_key), ())))
        inside = [w for w in starts if w <= c.at < w + cooldown]
        if inside:
            aid = alert_id(rule.name, c.subject_key, inside[-1])
            if aid in made:  # joined a window opened in this call: count its refs
                a = made[aid]
                made[aid] = replace(a, refs=(*a.refs, c.ref))
            continue
        earlier = [w for w in starts if w < c.at]
        escalated = bool(
            rule.escalate_after_min > 0
            and earlier
            and c.at - (earlier[-1] + cooldown) <= timedelta(minutes=rule.escalate_after_min)
        )
        starts.append(c.at)
        starts.sort()
        a = _alert(rule, c.subject_key, c.at, [c], now, escalated)
        made[a.alert_id] = a
    return list(made.values())


def _digests(rule: AlertRule, chosen: Sequence[Candidate], now: datetime) -> list[Alert]:
    width = timedelta(minutes=rule.digest_min)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    buckets: dict[datetime, list[Candidate]] = {}
    for c in chosen:
        start = epoch + ((c.at - epoch) // width) * width
        buckets.setdefault(start, []).append(c)
    out = []
    for start, items in sorted(buckets.items()):
        a = _alert(rule, DIGEST_SUBJECT, start, items, max(now, start + width), False)
        out.append(replace(a, not_before=max(a.not_before, start + width)))
    return out


def _alert(
    rule: AlertRule, subject_key: str, start: datetime, items: Sequence[Candidate], now: datetime, escalated: bool
) -> Alert:
    first = items[0]
    statuses = sorted({c.status for c in items if c.status})
    what = first.type.replace("_", " ") if len(items) == 1 else f"{len(items)} alerts"
    title = f"{rule.name}: {what}"
    if escalated:
        title = "Again: " + title
    not_before = after_quiet(rule, max(now, start))  # public channels add the rule's delay (pipeline)
    return Alert(
        alert_id=alert_id(rule.name, subject_key, start),
        rule=rule.name,
        subject_key=subject_key,
        window_start=start,
        title=title,
        sentences=tuple(c.sentence for c in items),
        status=", ".join(statuses),
        evidence=tuple(c.evidence for c in items if c.evidence),
        refs=tuple(c.ref for c in items),
        not_before=not_before,
        escalated=escalated,
        lat_deg=first.lat_deg,
        lon_deg=first.lon_deg,
        payload=first.payload if len(items) == 1 else {"digest": [dict(c.payload) for c in items]},
    )
