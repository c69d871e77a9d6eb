"""The daily report as a document: sections of sentences with citations, board, assessment, endnotes.

Built once from ``ReportInputs``; Markdown, HTML and JSON render the same document, and the lint checks it
(spec assessment.md §5). A sentence is a ``fact`` (must cite claims), a ``judgment`` (cites the judgment;
no weasel modals), ``confidence`` (never a likelihood term) or ``text`` (structure, no claim).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, cast

from airpicture.model.claims import Claim, ClaimStatus
from airpicture.model.judgments import ClaimFacts, Coverage, ReportInputs

ADVERBS = {"likely": "likely", "very likely": "very likely", "almost certain": "almost certainly"}
COUNTRY_NAMES = {
    "BY": "Belarusian",
    "RU": "Russian",
    "UA": "Ukrainian",
    "PL": "Polish",
    "LT": "Lithuanian",
    "LV": "Latvian",
}
COUNTRY_FROM = {"BY": "Belarus", "RU": "Russia", "UA": "Ukraine", "PL": "Poland", "LT": "Lithuania", "LV": "Latvia"}
SECTION_TITLES = (
    ("aviation", "Aviation"),
    ("restrictions", "Airspace restrictions"),
    ("missiles", "Missile and drone activity"),
    ("ground", "Ground reports"),
)
OBSERVER_TYPES = {
    "fixed-wing",
    "helicopter",
    "drone",
    "missile launch",
    "explosion",
    "military vehicles",
    "airfield activity",
    "airspace closure",
    "other",
}
OBSERVER_PHRASES = {
    "fixed-wing": "military jet activity",
    "helicopter": "helicopter activity",
    "drone": "a drone",
    "missile launch": "a missile launch",
    "explosion": "an explosion",
    "military vehicles": "military vehicles",
    "airfield activity": "airfield activity",
    "airspace closure": "an airspace closure",
    "other": "military activity",
}
PRIORITY_EVENTS = {
    "airspace_entry",
    "orbit",
    "border_proximity",
    "watchlist_presence",
    "activity_surge",
    "novelty",
    "going_dark",
    "gnss_interference",
}


class Kind(StrEnum):
    FACT = "fact"
    JUDGMENT = "judgment"
    CONFIDENCE = "confidence"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    kind: Kind
    cites: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class Endnote:
    number: int
    ref: str  # claim id, judgment id or "coverage:<day>" / "night-activity:<day>"
    source: str
    published: str
    retrieved: str
    record: str
    grade: str
    status: str
    explain: str = ""
    """The command that shows everything behind the reference: ``airpicture claims explain ID``."""


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    day: date
    region: str
    question: str
    cutoff: datetime
    generated_at: datetime
    coverage: tuple[Sentence, ...]
    takeaways: tuple[Sentence, ...]
    sections: tuple[Section, ...]
    board: tuple[dict[str, Any], ...]
    assessment: tuple[Sentence, ...]
    key_evidence: tuple[Sentence, ...]
    assumptions: tuple[str, ...]
    watch: tuple[str, ...]
    endnotes: tuple[Endnote, ...]
    activity: tuple[tuple[str, int, float], ...]
    baseline: float | None
    judgment_id: str
    extra: dict[str, Any] = field(default_factory=dict)


def _hm(t: datetime) -> str:
    return t.strftime("%H:%M UTC")


def _when(t: datetime) -> str:
    return t.strftime("%d %B %Y").lstrip("0")


class _Builder:
    def __init__(self, inputs: ReportInputs) -> None:
        self.inputs = inputs
        self.notes: list[Endnote] = []
        self.by_ref: dict[str, int] = {}
        self.claims = {f.claim.claim_id: f for f in (*inputs.facts.claims, *inputs.facts.history)}
        self.names = AircraftNames(inputs.facts.claims)

    # -- endnotes ----------------------------------------------------------------------------------

    def cite(self, ref: str) -> int:
        if ref in self.by_ref:
            return self.by_ref[ref]
        number = len(self.notes) + 1
        self.by_ref[ref] = number
        self.notes.append(self._endnote(number, ref))
        return number

    def _endnote(self, number: int, ref: str) -> Endnote:
        i = self.inputs
        if ref == i.judgment.judgment_id:
            return Endnote(
                number, ref, "airpicture assessment (Bayesian ACH)", _iso(i.judgment.created_at),
                _iso(i.judgment.created_at), f"judgment {ref}", "-", i.judgment.confidence.value + " confidence",
                f"airpicture judgments explain {ref}",
            )  # fmt: skip
        if ref.startswith("coverage:"):
            c = i.facts.coverage
            record = (
                f"{receivers_phrase(c)}; receivers up {c.receiver_fraction:.0%} of the night; "
                f"{counted(c.reports, 'observer report')} from {counted(c.reporters, 'observer')}; "
                f"{counted(c.notams, 'NOTAM')} in force"
            )
            return Endnote(
                number, ref, "airpicture collection log", _iso(i.facts.cutoff), _iso(i.generated_at), record, "B3", "-"
            )
        if ref.startswith("night-activity:"):
            night = next((n for n in i.facts.activity if n.night.isoformat() == ref.split(":", 1)[1]), None)
            ids = night.track_ids if night else ()
            tracks = _short(list(ids), "track")
            return Endnote(
                number,
                ref,
                "ADS-B / Mode S tracks",
                ref.split(":", 1)[1],
                _iso(i.generated_at),
                tracks,
                "B3",
                "-",
            )
        facts = self.claims.get(ref)
        if facts is None:
            return Endnote(number, ref, "unknown", "", "", ref, "", "")
        claim = facts.claim
        roots = claim.roots or claim.appearances
        provs = [i.provenance[a] for a in roots if a in i.provenance]
        sources = sorted({i.appearance_sources[a][0] for a in roots if a in i.appearance_sources})
        published = min((p.published for p in provs), default=claim.start)
        retrieved = max((p.retrieved for p in provs if p.retrieved), default=None)
        records = list(dict.fromkeys(r for p in provs for r in (p.link or p.record).split("; ") if r))
        grade = f"{facts.reliability.value}{int(claim.credibility) if claim.credibility else '-'}"
        point = _coordinates(facts)
        where = f" at {point}" if point else ""
        # a short reference for people; `airpicture claims explain ID` lists every record
        return Endnote(
            number, ref, ", ".join(sources) or "unknown", _iso(published), _iso(retrieved) if retrieved else "",
            f"claim {ref}{where}; {_short(records, 'record') if records else 'no raw record'}", grade,
            claim.status.value, f"airpicture claims explain {ref}",
        )  # fmt: skip

    # -- wording -------------------------------------------------------------------------------------

    def fact(self, facts: ClaimFacts, claim_text: str, extra: Sequence[int] = (), novelty: str = "") -> Sentence:
        """`<Source> reported <claim> [n].` with the status wording of spec §3. ``novelty`` (", the first time
        since …") belongs to the claim and comes right after it; the status clause ends the sentence."""
        cites = (self.cite(facts.claim.claim_id), *extra)
        what = claim_text + novelty
        hearsay = sum(1 for a in facts.claim.echoes if a.startswith("report:"))
        if hearsay:
            # second-hand accounts are echoes of an unknown root (docs/claims.md): said, never counted
            what += ", and " + (
                "a second-hand account repeats it" if hearsay == 1 else f"{hearsay} second-hand accounts repeat it"
            )
        status = facts.claim.status
        w = witnesses(facts)
        who = source_phrase(w, facts.claim.event_type)
        sensor_only = w.receivers > 0 and not (w.observers or w.others or w.notams or w.unsourced)
        if claim_text.startswith("NOTAM ") and status in (ClaimStatus.REPORTED, ClaimStatus.CONFIRMED):
            # A published NOTAM is itself the primary record that the restriction was published (spec §2: grade
            # A for "this restriction was published", not for why): "NOTAM A1234/22 shows …" (spec §3 wording).
            return Sentence(_cap(what) + ".", Kind.FACT, cites)
        if status is ClaimStatus.CONFIRMED and sensor_only:
            text = f"{_cap(who)} show {what}"
        elif status is ClaimStatus.CONFIRMED and w.receivers and (w.observers or w.others):
            people = source_phrase(replace(w, receivers=0), facts.claim.event_type)
            text = f"{_cap(people)} reported {what}; ADS-B tracks from {_count(w.receivers, 'receiver')} confirm it"
        elif status is ClaimStatus.CONFIRMED:
            text = f"{_cap(who)} reported {what}, confirmed by independent sources"
        elif status is ClaimStatus.CORROBORATED:
            text = f"{_cap(who)} separately reported {what}"
            if not facts.claim.primary_roots:
                text += "; no sensor, official or imagery source confirms it"
        elif status is ClaimStatus.DISPUTED:
            text = f"{_cap(who)} reported {what}; another source graded C or better denied it"
        elif status is ClaimStatus.RETRACTED:
            text = f"{_cap(who)} reported {what} and later retracted it"
        elif sensor_only:
            text = f"{_cap(who)} show {what}; this could not be independently confirmed"
        else:
            text = f"{_cap(who)} reported {what}; this could not be independently confirmed"
        return Sentence(text + ".", Kind.FACT, cites)


@dataclass(frozen=True, slots=True)
class Witnesses:
    """The independent roots of a claim by kind: receivers, observers, NOTAMs, other named sources,
    and (``unsourced``: the detector's name) a detector aggregate that cites no raw record."""

    receivers: int = 0
    observers: int = 0
    notams: int = 0
    others: tuple[str, ...] = ()
    unsourced: str = ""


def witnesses(facts: ClaimFacts) -> Witnesses:
    """Count the claim's independent roots by what they rest on (their independence keys, spec §3)."""
    keys = dict(facts.root_keys)
    receivers: set[str] = set()
    observers: set[str] = set()
    notams: set[str] = set()
    others: list[str] = []
    unsourced = ""
    for root in facts.claim.roots:
        ks = keys.get(root, ())
        sensor = next((k for k in ks if k.startswith("sensor:")), None)
        if sensor and sensor.startswith("sensor:detector:"):
            unsourced = sensor.split(":")[2]
        elif sensor:
            receivers.add(sensor)
        elif any(k.startswith("observer:") for k in ks) or root.startswith("report:"):
            observers.add(root)
        elif any(k.startswith("notam:") for k in ks) or root.startswith("notam:"):
            notams.add(root)
        else:
            others.append(root)
    named = [n for n in facts.source_names if not n.startswith(("detector ", "observer", "NOTAM"))]
    return Witnesses(len(receivers), len(observers), len(notams), tuple(dict.fromkeys(named))[: len(others)], unsourced)


UNSOURCED_PHRASES = {"activity_surge": "night-activity counts", "novelty": "the event history"}
"""How a claim from aggregates (no raw record of its own) names where it comes from."""


def source_phrase(w: Witnesses, event_type: str) -> str:
    """Who stands behind a claim: "ADS-B tracks from 2 receivers", "2 observers", "an observer and NOTAM data"."""
    parts = []
    if w.observers:
        parts.append("an observer" if w.observers == 1 else f"{w.observers} observers")
    if w.receivers:
        what = "ADS-B positions with degraded navigation" if event_type == "gnss_interference" else "ADS-B tracks"
        parts.append(f"{what} from {_count(w.receivers, 'receiver')}")
    if w.notams:
        parts.append("NOTAM data")
    parts += [n for n in w.others if n not in parts]
    if w.unsourced:
        what = UNSOURCED_PHRASES.get(w.unsourced, f"the {w.unsourced.replace('_', ' ')} detector")
        parts.append(f"{what} (aggregated from receiver data; no single raw record cited)")
    return " and ".join(parts) or "a source"


def counted(n: int, noun: str) -> str:
    """ "1 observer", "4 observers", "0 NOTAMs": a report never writes "(s)" plurals."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _count(n: int, noun: str) -> str:
    return f"one {noun}" if n == 1 else f"{n} {noun}s"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _iso(t: datetime | None) -> str:
    """ "2022-07-11T18:28:00Z": endnote times to the second (people read them; the JSON keeps the claims')."""
    return t.replace(microsecond=0).isoformat().replace("+00:00", "Z") if t else ""


def _short(items: Sequence[str], noun: str) -> str:
    """ "record da1256682e8f…@296386", or "2 records: da1256682e8f…@296386 and 1 more" ("no track")."""
    if not items:
        return f"no {noun}"
    if len(items) == 1:
        return f"{noun} {items[0]}"
    more = len(items) - 1
    return f"{len(items)} {noun}s: {items[0]} and {more} more"


def aircraft_name(subject: Any) -> str:
    """One name per aircraft: type and registration ("A-50 RF-50601"); the callsign only when neither is known;
    "aircraft <address>" when nothing is."""
    parts = [p for p in (subject.type_code and _type_name(subject.type_code), subject.registration) if p]
    if not parts and subject.callsign:
        parts = [subject.callsign]
    return " ".join(dict.fromkeys(parts)) if parts else f"aircraft {subject.icao24}"


class AircraftNames:
    """The names of the aircraft in one report: the best name known for each address (from every event of the
    report's claims), with the address in parentheses the first time it is named and never again."""

    def __init__(self, facts: Iterable[ClaimFacts]) -> None:
        self.best: dict[str, str] = {}
        for f in facts:
            for event in f.events:
                for s in event.subjects:
                    if not s.icao24:
                        continue
                    name = aircraft_name(s)
                    known = self.best.get(s.icao24)
                    if known is None or (known.startswith("aircraft ") and not name.startswith("aircraft ")):
                        self.best[s.icao24] = name
        self.named: set[str] = set()

    def __call__(self, facts: ClaimFacts) -> str:
        for event in facts.events:
            for s in event.subjects:
                if not s.icao24:
                    continue
                name = self.best.get(s.icao24, aircraft_name(s))
                if s.icao24 in self.named or name == f"aircraft {s.icao24}":
                    self.named.add(s.icao24)
                    return name
                self.named.add(s.icao24)
                return f"{name} ({s.icao24})"
        return _subject(facts)


def _subject(facts: ClaimFacts) -> str:
    for event in facts.events:
        for s in event.subjects:
            parts = [p for p in (s.type_code and _type_name(s.type_code), s.registration, s.callsign) if p]
            if parts:
                return " ".join(dict.fromkeys(parts)) + (f" ({s.icao24})" if s.icao24 else "")
            if s.icao24:
                return f"aircraft {s.icao24}"
    return facts.claim.subject or "an aircraft"


def _type_name(code: str) -> str:
    return {"A50": "A-50", "IL76": "Il-76", "SU30": "Su-30SM"}.get(code, code)


def _attr(facts: ClaimFacts, key: str) -> Any:
    for event in facts.events:
        if key in event.attributes:
            return event.attributes[key]
    return None


def _place(facts: ClaimFacts, inputs: ReportInputs) -> str:
    # the gazetteer's name first (one romanisation throughout, docs/report.md), then the observer's own words
    if facts.claim.claim_id in inputs.places:  # resolved from the gazetteer by the pipeline
        return inputs.places[facts.claim.claim_id]
    if facts.claim.place_name:
        return f"near {facts.claim.place_name}"
    for root in facts.claim.appearances:
        p = inputs.provenance.get(root)
        if p and p.place:
            return f"near {p.place}"
    point = _coordinates(facts)
    return f"near {point}" if point else ""


def _coordinates(facts: ClaimFacts) -> str:
    """The claim's point as "51.93° N 28.40° E" (the centre of the claim's own event when it has one — not of an
    event that only corroborates an observer's claim), or ""."""
    own = [e for e in facts.events if e.type == facts.claim.event_type]
    centre = next((e.attributes for e in own if "centre_lat_deg" in e.attributes), {})
    lat = centre.get("centre_lat_deg") or facts.claim.lat_deg
    lon = centre.get("centre_lon_deg") or facts.claim.lon_deg
    if lat is None or lon is None:
        return ""
    ns, ew = "N" if float(lat) >= 0 else "S", "E" if float(lon) >= 0 else "W"
    return f"{abs(float(lat)):.2f}° {ns} {abs(float(lon)):.2f}° {ew}"


def claim_text(facts: ClaimFacts, inputs: ReportInputs, names: AircraftNames | None = None) -> str:
    """The proposition of one claim in words (no source, no status). ``names`` keeps one name per aircraft
    across a report (the address once)."""
    c = facts.claim
    who = names(facts) if names is not None else _subject(facts)
    t = c.event_type
    if t == "airspace_entry":
        to = COUNTRY_NAMES.get(str(_attr(facts, "to_country")), str(_attr(facts, "to_country")))
        frm = COUNTRY_FROM.get(str(_attr(facts, "from_country")), str(_attr(facts, "from_country")))
        return f"{who} entered {to} airspace from {frm} at {_hm(c.start)}"
    if t == "orbit":
        minutes = float(_attr(facts, "duration_min") or (c.end - c.start).total_seconds() / 60)
        shape = _attr(facts, "shape") or "patrol"
        return (
            f"{who} flew a {shape} orbit for {int(minutes // 60)} h {int(minutes % 60):02d} min "
            f"{_place(facts, inputs)} from {_hm(c.start)}"
        )
    if t == "border_proximity":
        border = str(_attr(facts, "border") or "")
        dist = _attr(facts, "min_dist_km")
        near = "Ukrainian" if border.endswith("UA") else COUNTRY_NAMES.get(border[-2:], border)
        return f"{who} flew within {float(dist or 0):.0f} km of the {near} border from {_hm(c.start)}"
    if t == "restriction_appeared":
        notam = _attr(facts, "notam_id") or c.subject
        start, end = _attr(facts, "valid_from"), _attr(facts, "valid_to")
        dist = _attr(facts, "distance_km")
        border = str(_attr(facts, "border") or "")
        name = "Ukrainian" if border.endswith("UA") else COUNTRY_NAMES.get(border[-2:], border)
        # "0 km from the border" reads as a measurement error: under half a kilometre is "at the border"
        where = (
            ""
            if dist is None
            else f", at the {name} border"
            if float(dist) < 0.5
            else f", {float(dist):.0f} km from the {name} border"
        )
        return f"NOTAM {notam} shows a new temporary restricted area valid {_span(start, end)}{where}"
    if t == "aircraft_in_restricted_area":
        return (
            f"{who} flew inside the area of NOTAM {_attr(facts, 'notam_id')} while it was active, from {_hm(c.start)}"
        )
    if t == "watchlist_presence":
        return f"{who}, an aircraft of interest, was tracked over the region from {_hm(c.start)} to {_hm(c.end)}"
    if t == "going_dark":
        return f"{who} stopped transmitting inside the region at {_hm(c.start)}"
    if t == "gnss_interference":
        return f"GNSS interference affecting aircraft {_place(facts, inputs)} from {_hm(c.start)} to {_hm(c.end)}"
    if t == "activity_surge":
        metric = _surge_metric(str(_attr(facts, "metric") or "activity"))
        count, expected = _attr(facts, "count"), _attr(facts, "expected")
        if count is not None and expected is not None:
            return (
                f"a night surge: {float(count):g} {metric} against {float(expected):g} expected from the "
                f"baseline, between {_hm(c.start)} and {_hm(c.end)}"
            )
        return f"aviation activity above its baseline from {_hm(c.start)} to {_hm(c.end)}"
    if t == "novelty":
        since = _attr(facts, "first_time_since") or _attr(facts, "since") or _attr(facts, "previous")
        what = _attr(facts, "activity") or _attr(facts, "description") or who
        return (
            f"{what} for the first time since {since}" if since else f"{what} for the first time since monitoring began"
        )
    if t in OBSERVER_TYPES:
        what = OBSERVER_PHRASES.get(t, t)
        # an observer's time is a window (observed time ± its precision): name its middle, as "around"
        when = f"around {_hm(c.start + (c.end - c.start) / 2)}" if c.end > c.start else f"at {_hm(c.start)}"
        return f"{what} {_place(facts, inputs)} {when}".replace("  ", " ")
    return f"{t.replace('_', ' ')} involving {who} at {_hm(c.start)}"


def _surge_metric(metric: str) -> str:
    """The surge detector's metric key in words: ``aircraft_hours/AEW&C`` → "aircraft-hours of AEW&C aircraft"."""
    kind, _, what = metric.partition("/")
    if kind == "aircraft_hours":
        return "aircraft-hours in the air" if what in ("", "all") else f"aircraft-hours of {what} aircraft"
    if kind == "movements":
        if what in ("", "military"):
            return f"{what} take-offs and landings".strip()
        return f"take-offs and landings at {what}"
    return metric.replace("_", " ").replace("/", " of ")


def _span(start: Any, end: Any) -> str:
    try:
        a, b = datetime.fromisoformat(str(start)), datetime.fromisoformat(str(end))
    except ValueError:
        return f"{start} to {end}"
    return f"from {a.strftime('%d %b %H:%M')} to {b.strftime('%d %b %H:%M')} UTC"


def sorted_facts(items: Iterable[ClaimFacts]) -> list[ClaimFacts]:
    return sorted(items, key=lambda f: (f.claim.start, f.claim.claim_id))


def receivers_phrase(c: Coverage) -> str:
    """``3 receivers``, or ``5 recordings from 3 receivers`` when receivers wrote several files: independence
    is counted per receiver (spec assessment.md §3), and one receiver writes many files."""
    n, files = len(c.receivers), c.receiver_files
    text = f"{n} receiver{'' if n == 1 else 's'}"
    return text if files == n else f"{files} recording{'' if files == 1 else 's'} from {text}"


class _NoPlaces:
    """The part of ``ReportInputs`` ``claim_text`` reads for places, empty: an event alone is placed by its own
    coordinates, never by an observer's place name or an appearance's provenance."""

    places: Mapping[str, str] = MappingProxyType({})
    provenance: Mapping[str, Any] = MappingProxyType({})


def event_sentence(event: Any, status: ClaimStatus = ClaimStatus.REPORTED) -> str:
    """One detector event as the report words it (``claim_text`` on a claim made of the event alone), with a
    capital and a full stop. Used by alerts (via the pipeline) so an alert and the report never word the same
    event differently."""
    claim = Claim(
        claim_id=f"event:{event.event_id}",
        event_type=event.type,
        start=event.start,
        end=event.end,
        status=status,
        support=status,
        credibility=None,
        appearances=(),
        roots=(),
        primary_roots=(),
        echoes=(),
        contradictions=(),
    )
    text = claim_text(ClaimFacts(claim=claim, events=(event,)), cast(ReportInputs, _NoPlaces()))
    return _cap(text).rstrip(".") + "."
