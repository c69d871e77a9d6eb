"""Assemble claims from everything: cluster, cross-check, attach entries, grade, decide status.

See :mod:`airpicture.claims.build` for the rules. The result depends only on the inputs (not on their
order): clusters are single-linkage, ids derive from content, and grades are settled in two passes
(statuses with the grades known so far → track records → statuses with the updated grades).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from airpicture.claims.build import (
    AIRCRAFT_CATEGORIES,
    ClaimInputs,
    ClaimProposal,
    ClaimRules,
    ClaimSet,
    NoSensors,
    SensorLookup,
    _digest,
    distance_km,
    event_appearances,
    geometry_point,
    notam_appearance,
    report_appearance,
    track_appearance,
)
from airpicture.claims.graph import analyse
from airpicture.claims.status import decide_status, effective_reliability, suggested_reliability
from airpicture.model.claims import Appearance, Claim, ClaimStatus, SensorCheck, Source, SourceKind
from airpicture.model.events import EvidenceKind
from airpicture.model.reports import ObserverReport, ReportCategory

NOTAM_EVENT_TYPE = "airspace restriction"


@dataclass(slots=True)
class _Draft:
    claim_id: str
    event_type: str
    start: datetime
    end: datetime
    lat_deg: float | None = None
    lon_deg: float | None = None
    place_name: str | None = None
    subject: str = ""
    members: set[str] = field(default_factory=set)
    sensor_check: SensorCheck = SensorCheck.NOT_APPLICABLE
    coverage: float | None = None
    from_reports: bool = False


def _cluster_reports(reports: Sequence[ObserverReport], rules: ClaimRules) -> list[list[ObserverReport]]:
    """Single-linkage clusters of same-category reports within the distance and time windows."""
    ordered = sorted(reports, key=lambda r: (r.category.value, r.observed_at, r.report_id))
    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    window = timedelta(minutes=rules.cluster_window_min)
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if b.category is not a.category or b.observed_at - a.observed_at > window:
                break
            if distance_km(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg) <= rules.cluster_distance_km:
                ri, rj = find(i), find(j)
                parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[ObserverReport]] = {}
    for i, report in enumerate(ordered):
        groups.setdefault(find(i), []).append(report)
    return list(groups.values())


def _near(
    draft: _Draft,
    lat: float | None,
    lon: float | None,
    start: datetime,
    end: datetime,
    dist_km: float,
    window_min: float,
) -> bool:
    window = timedelta(minutes=window_min)
    if start > draft.end + window or end < draft.start - window:
        return False
    if lat is None or lon is None or draft.lat_deg is None or draft.lon_deg is None:
        return lat is None and draft.lat_deg is None
    return distance_km(draft.lat_deg, draft.lon_deg, lat, lon) <= dist_km


def build_claims(inputs: ClaimInputs, rules: ClaimRules, sensors: SensorLookup | None = None) -> ClaimSet:
    """Derive every claim, appearance and source (with track records) from ``inputs``."""
    lookup = sensors or NoSensors()
    appearances: dict[str, Appearance] = {}
    sources: dict[str, Source] = {}

    def add(pair: tuple[Appearance, Source]) -> str:
        appearance, source = pair
        appearances[appearance.appearance_id] = appearance
        sources.setdefault(source.source_id, source)
        return appearance.appearance_id

    drafts: list[_Draft] = []
    for group in _cluster_reports(inputs.reports, rules):
        anchor = group[0]
        names = Counter(r.place_name for r in group if r.place_name)
        draft = _Draft(
            claim_id=f"c-{_digest('reports', anchor.category.value, anchor.report_id)}",
            event_type=anchor.category.value,
            start=min(r.observed_at - timedelta(minutes=r.time_precision_min) for r in group),
            end=max(r.observed_at + timedelta(minutes=r.time_precision_min) for r in group),
            lat_deg=sum(r.lat_deg for r in group) / len(group),
            lon_deg=sum(r.lon_deg for r in group) / len(group),
            place_name=names.most_common(1)[0][0] if names else None,
            members={add(report_appearance(r, inputs.artifacts)) for r in group},
            from_reports=True,
        )
        drafts.append(draft)
    report_drafts = list(drafts)

    for event in sorted(inputs.events, key=lambda e: e.event_id):
        made, detector_source, root_sources = event_appearances(event, lookup)
        by_source = {s.source_id: s for s in (detector_source, *root_sources)}
        event_ids = {add((a, by_source[a.source_id])) for a in made}
        point = geometry_point(event.geometry)
        subject = next(
            (s.registration or s.callsign or s.type_code or s.icao24 or s.name or "" for s in event.subjects), ""
        )
        drafts.append(
            _Draft(
                f"c-{_digest('event', event.event_id)}",
                event.type,
                event.start,
                event.end,
                point[0] if point else None,
                point[1] if point else None,
                None,
                subject,
                set(event_ids),
            )
        )
        if point is None or not event.subjects:
            continue
        for draft in report_drafts:
            category = ReportCategory(draft.event_type)
            if category in AIRCRAFT_CATEGORIES and _near(
                draft, point[0], point[1], event.start, event.end, rules.sensor_distance_km, rules.sensor_window_min
            ):
                draft.members |= event_ids
                draft.sensor_check = SensorCheck.MATCHED

    for notam in sorted(inputs.notams, key=lambda n: n.notam_id):
        aid = add(notam_appearance(notam))
        drafts.append(
            _Draft(
                f"c-{_digest('notam', notam.notam_id)}",
                NOTAM_EVENT_TYPE,
                notam.valid_from,
                notam.valid_to,
                notam.lat_deg,
                notam.lon_deg,
                None,
                notam.notam_id,
                {aid},
            )
        )
        for draft in report_drafts:
            if (
                draft.event_type == ReportCategory.AIRSPACE_CLOSURE.value
                and (
                    notam.lat_deg is None
                    or _near(
                        draft,
                        notam.lat_deg,
                        notam.lon_deg,
                        notam.valid_from,
                        notam.valid_to,
                        rules.sensor_distance_km,
                        0.0,
                    )
                )
                and notam.valid_from <= draft.end
                and notam.valid_to >= draft.start
            ):
                draft.members.add(aid)
                draft.sensor_check = SensorCheck.MATCHED

    for draft in report_drafts:
        _cross_check(draft, lookup, rules, add)

    by_id = {d.claim_id: d for d in drafts}
    for entry in sorted(inputs.entries, key=lambda e: e.proposal.entry_id):
        for source in entry.sources:
            sources[source.source_id] = source
        ids = {
            add((a, sources.get(a.source_id) or Source(a.source_id, SourceKind.OTHER, a.source_id)))
            for a in entry.appearances
        }
        target = _target(entry.proposal, drafts, by_id, rules)
        if target is None:
            p = entry.proposal
            start = p.start or min(a.published_at for a in entry.appearances)
            target = _Draft(
                f"c-{_digest('entry', p.entry_id)}",
                p.event_type or "other",
                start,
                p.end or start,
                p.lat_deg,
                p.lon_deg,
                p.place_name,
                p.subject,
            )
            drafts.append(target)
            by_id[target.claim_id] = target
        target.members |= ids
        # cited raw items (reports, events, NOTAMs) belong to the claim too
        for appearance in entry.appearances:
            target.members |= {c for c in appearance.cites if c in appearances}

    for sid, grade in inputs.analyst_grades.items():
        if sid in sources:
            sources[sid] = replace(sources[sid], analyst_grade=grade)
    claims: list[Claim] = []
    for _ in range(2):  # grades feed statuses feed track records feed grades: settle in two passes
        graded = {
            sid: replace(
                s,
                reliability=effective_reliability(s, rules.class_grades),
                suggested=suggested_reliability(s.confirmed, s.refuted),
            )
            for sid, s in sources.items()
        }
        claims = [_finish(d, appearances, graded, rules) for d in drafts]
        sources = _track_records(claims, appearances, graded)
    final = {
        sid: replace(
            s,
            reliability=effective_reliability(s, rules.class_grades),
            suggested=suggested_reliability(s.confirmed, s.refuted),
        )
        for sid, s in sources.items()
    }
    flagged = frozenset(e.event_id for e in inputs.events if "time_approximate" in e.flags)
    claims = [
        replace(c, time_approximate=True)
        if _on_approximate_times(c, appearances, inputs.approximate_files, flagged)
        else c
        for c in claims
    ]
    return ClaimSet(tuple(sorted(claims, key=lambda c: (c.start, c.claim_id))), appearances, final)


def _on_approximate_times(
    claim: Claim, appearances: Mapping[str, Appearance], files: frozenset[str], flagged: frozenset[str]
) -> bool:
    """Whether any appearance of ``claim`` rests on approximate times: it cites a position of a recording whose
    times are approximate (``files``), or it is a detector event flagged ``time_approximate`` (``flagged``)."""
    for aid in claim.appearances:
        if aid.startswith("event:") and aid[6:].split("/", 1)[0] in flagged:
            return True
        appearance = appearances.get(aid)
        if appearance is not None and any(
            e.kind is EvidenceKind.POSITION and e.source_file in files for e in appearance.evidence
        ):
            return True
    return False


def _cross_check(
    draft: _Draft, lookup: SensorLookup, rules: ClaimRules, add: Callable[[tuple[Appearance, Source]], str]
) -> None:
    category = ReportCategory(draft.event_type)
    if draft.sensor_check is SensorCheck.MATCHED or draft.lat_deg is None or draft.lon_deg is None:
        return
    if category not in AIRCRAFT_CATEGORIES and category is not ReportCategory.DRONE:
        return
    window = timedelta(minutes=rules.sensor_window_min)
    start, end = draft.start - window, draft.end + window
    if category in AIRCRAFT_CATEGORIES:
        hits = lookup.tracks_near(
            draft.lat_deg, draft.lon_deg, start, end, rules.sensor_distance_km, rules.track_max_alt_ft
        )
        for hit in sorted(hits, key=lambda h: (h.dist_km, h.icao24))[:3]:
            draft.members.add(add(track_appearance(hit, lookup.receiver_of(hit.source_file))))
        if hits:
            draft.sensor_check = SensorCheck.MATCHED
            return
    draft.coverage = lookup.coverage(draft.lat_deg, draft.lon_deg, start, end, rules.sensor_distance_km)
    draft.sensor_check = (
        SensorCheck.NOT_CORROBORATED
        if draft.coverage >= rules.coverage_min_fraction
        else SensorCheck.NOT_CORROBORATED_POOR_COVERAGE
    )


def _target(
    proposal: ClaimProposal, drafts: list[_Draft], by_id: Mapping[str, _Draft], rules: ClaimRules
) -> _Draft | None:
    if proposal.claim_id:
        return by_id.get(proposal.claim_id)
    if proposal.start is None or not proposal.event_type:
        return None
    for draft in sorted(drafts, key=lambda d: d.claim_id):
        if draft.event_type == proposal.event_type and _near(
            draft,
            proposal.lat_deg,
            proposal.lon_deg,
            proposal.start,
            proposal.end or proposal.start,
            rules.cluster_distance_km,
            rules.cluster_window_min,
        ):
            return draft
    return None


def _finish(
    draft: _Draft, appearances: Mapping[str, Appearance], sources: Mapping[str, Source], rules: ClaimRules
) -> Claim:
    members = tuple(sorted(draft.members))
    ind = analyse(members, appearances, sources, phash_max_distance=rules.phash_max_distance)
    decision = decide_status(ind, appearances, sources)
    return Claim(
        claim_id=draft.claim_id,
        event_type=draft.event_type,
        start=draft.start,
        end=draft.end,
        status=decision.status,
        support=decision.support,
        credibility=decision.credibility,
        appearances=members,
        roots=ind.roots,
        primary_roots=ind.primary_roots,
        echoes=ind.echoes,
        contradictions=ind.contradictions,
        subject=draft.subject,
        place_name=draft.place_name,
        lat_deg=draft.lat_deg,
        lon_deg=draft.lon_deg,
        sensor_check=draft.sensor_check,
        coverage_fraction=draft.coverage,
    )


def rule_and_reason(
    claim: Claim, appearances: Mapping[str, Appearance], sources: Mapping[str, Source], rules: ClaimRules
) -> tuple[str, str]:
    """The rule and reason behind a claim's current status (for its verification event)."""
    ind = analyse(claim.appearances, appearances, sources, phash_max_distance=rules.phash_max_distance)
    decision = decide_status(ind, appearances, sources)
    reason = decision.reason
    if claim.sensor_check not in (SensorCheck.NOT_APPLICABLE, SensorCheck.MATCHED):
        reason += f"; sensor check: {claim.sensor_check.value}"
    return decision.rule, reason


def _track_records(
    claims: Sequence[Claim], appearances: Mapping[str, Appearance], sources: Mapping[str, Source]
) -> dict[str, Source]:
    """Confirmed: claims a source supported as a root that are confirmed. Refuted: retracted ones, and
    disputed ones whose contradiction is primary (credibility 5). Echoes earn nothing."""
    confirmed: Counter[str] = Counter()
    refuted: Counter[str] = Counter()
    for claim in claims:
        rooted = {
            appearances[a].source_id
            for a in claim.appearances
            if a in appearances and not appearances[a].cites and appearances[a].modality.value in ("asserted", "hedged")
        }
        if claim.status is ClaimStatus.CONFIRMED:
            confirmed.update(rooted)
        elif claim.status is ClaimStatus.RETRACTED or (
            claim.status is ClaimStatus.DISPUTED and claim.credibility is not None and claim.credibility.value == 5
        ):
            refuted.update(rooted)
    return {sid: replace(s, confirmed=confirmed[sid], refuted=refuted[sid]) for sid, s in sources.items()}
