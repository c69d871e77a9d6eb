"""Build the daily report document from ``ReportInputs`` (spec assessment.md §5)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import date
from typing import cast

from airpicture.model.claims import ClaimStatus
from airpicture.model.judgments import BoardState, ClaimFacts, Judgment, ReportInputs
from airpicture.report.document import (
    ADVERBS,
    OBSERVER_TYPES,
    PRIORITY_EVENTS,
    SECTION_TITLES,
    Document,
    Kind,
    Section,
    Sentence,
    _Builder,
    claim_text,
    counted,
    receivers_phrase,
    sorted_facts,
)
from airpicture.report.time_basis import approximate_times

_STRONG = (ClaimStatus.CORROBORATED, ClaimStatus.CONFIRMED)


def _of_interest(f: ClaimFacts) -> bool:
    return any(s.role for e in f.events for s in e.subjects)


def build_document(inputs: ReportInputs) -> Document:
    """The report document; every fact sentence cites its claims, every judgment the judgment."""
    b = _Builder(inputs)
    j, facts, q = inputs.judgment, inputs.facts, inputs.question
    board = {r.indicator_id: r for r in j.board}
    today = sorted_facts(facts.claims)
    coverage_ref = f"coverage:{facts.day.isoformat()}"
    c = facts.coverage
    coverage: tuple[Sentence, ...] = (
        Sentence(
            f"Coverage: {receivers_phrase(c)}, up {c.receiver_fraction:.0%} of the night "
            f"({q.night_start_local}-{q.night_end_local} local time); {counted(c.reports, 'observer report')} from "
            f"{counted(c.reporters, 'observer')}; {counted(c.notams, 'NOTAM')} in force.",
            Kind.FACT,
            (b.cite(coverage_ref),),
        ),
    )
    takeaways: list[Sentence] = []
    sections: dict[str, list[Sentence]] = {k: [] for k, _ in SECTION_TITLES}

    # -- aviation ------------------------------------------------------------------------------------
    shown: set[str] = set()
    novel_events = _novelty_by_event(today)
    gaps_said: set[str] = set()  # a gap in the records is spelled out once, then referred to
    by_event = {e[6:]: f for f in (*facts.history, *today) for e in f.claim.appearances if e.startswith("event:")}
    for f in today:
        t = f.claim.event_type
        if t == "novelty" and any(str(e.attributes.get("event_id")) in by_event for e in f.events):
            continue  # said with the event it is about
        if t not in PRIORITY_EVENTS or (
            t in ("airspace_entry", "orbit", "border_proximity", "watchlist_presence") and not _of_interest(f)
        ):
            continue
        if t == "watchlist_presence":
            continue  # entries, orbits and proximity say it more precisely
        dist = next((e.attributes.get("min_dist_km") for e in f.events if "min_dist_km" in e.attributes), None)
        if t == "border_proximity" and dist is not None and float(dist) < 1.0:
            continue  # touching the border is the crossing, reported as an entry
        # "First time since": it belongs with the fact it qualifies, before any status clause (issue: sentence
        # quality); from the novelty detector, else from the indicators board for a novel entry.
        b.cite(f.claim.claim_id)  # the fact's own endnote comes first
        novelty, novelty_cites = "", cast(tuple[int, ...], ())
        first = next((novel_events[e.event_id] for e in f.events if e.event_id in novel_events), None)
        began = _when_day(facts.monitoring_since or facts.day)
        if first is not None:
            nf, since_text, earlier = first
            novelty_cites = (b.cite(nf.claim.claim_id),)
            if earlier and earlier in by_event:
                novelty_cites += (b.cite(by_event[earlier].claim.claim_id),)
            since = (
                f"in our records since {_when_day(date.fromisoformat(since_text))}"
                if since_text
                else (f"since monitoring began on {began}")
            )
            novelty = f", the first time {since}" + _coverage_gap(nf, facts.day, gaps_said)
        elif t == "airspace_entry":
            row = next(
                (
                    board[r.indicator_id]
                    for r in j.board
                    if f.claim.claim_id in r.claim_ids and r.state is BoardState.NOVEL
                ),
                None,
            )
            if row is not None and f.claim.claim_id == row.claim_ids[0]:
                if row.last_seen and row.last_claim_id:
                    novelty, novelty_cites = (
                        f", the first time in our records since {_when_day(row.last_seen)}",
                        (b.cite(row.last_claim_id),),
                    )
                else:
                    novelty, novelty_cites = (
                        f", the first time since monitoring began ({began})",
                        (b.cite(coverage_ref),),
                    )
        sentence = b.fact(f, claim_text(f, inputs, b.names), novelty_cites, novelty)
        sections["aviation"].append(sentence)
        shown.add(f.claim.claim_id)
        if novelty and t == "airspace_entry" and len(takeaways) < 2:
            # the section names the aircraft with its address; the takeaway repeats it without (one name)
            takeaways.append(replace(sentence, text=_without_addresses(sentence.text, b.names.best)))
    surge = board.get("night-surge")
    tonight = next((n for n in facts.activity if n.night == facts.day), None)
    if surge is not None and tonight is not None:
        ref = b.cite(f"night-activity:{facts.day.isoformat()}")
        level = {BoardState.ELEVATED: "above", BoardState.NOVEL: "above"}.get(surge.state, "in line with")
        used = sum(1 for n in facts.activity if n.night < facts.day and n.coverage > 0)
        nights = f"{used} earlier night{'' if used == 1 else 's'} with receiver data in the last {q.baseline_days}"
        if surge.baseline is None:  # too few covered nights to compare with: no number pretends to be one
            compared = (
                f"with no baseline yet ({'only ' if used else ''}{nights if used else 'no ' + nights[2:]}; "
                f"at least {facts.min_baseline_nights} are needed)"
            )
        else:
            compared = f"{level} the baseline of {surge.baseline:.1f} (mean of the {nights})"
        s = Sentence(
            f"ADS-B and Mode S tracks show {tonight.count} aircraft without airline callsigns flying at night, "
            f"{compared}, with receivers up {tonight.coverage:.0%} of the night.",
            Kind.FACT,
            (ref,),
        )
        sections["aviation"].append(s)
        takeaways.append(s)
    if not sections["aviation"] or all(
        s.cites == (b.cite(f"night-activity:{facts.day.isoformat()}"),) for s in sections["aviation"]
    ):
        sections["aviation"].insert(
            0,
            Sentence(
                f"No aircraft of interest were recorded over the region, with receivers up {c.receiver_fraction:.0%} "
                "of the night.",
                Kind.FACT,
                (b.cite(coverage_ref),),
            ),
        )
        takeaways.insert(0, sections["aviation"][0])

    # -- restrictions ----------------------------------------------------------------------------------
    for f in today:
        if f.claim.event_type in ("restriction_appeared", "aircraft_in_restricted_area"):
            sections["restrictions"].append(b.fact(f, claim_text(f, inputs, b.names)))
    new = [f for f in today if f.claim.event_type == "restriction_appeared"]
    if new:
        takeaways.append(
            Sentence(
                f"{counted(len(new), 'new temporary restricted area')} appeared along the Ukrainian border.",
                Kind.FACT,
                tuple(b.cite(f.claim.claim_id) for f in new),
            )
        )
    else:
        sections["restrictions"].append(
            Sentence(
                "No new airspace restrictions near the watched borders were recorded"
                + (
                    f" ({counted(c.notams_on_file, 'NOTAM')} on file)."
                    if c.notams_on_file
                    else "; no NOTAM feed is on file, so this absence says nothing."
                ),
                Kind.FACT,
                (b.cite(coverage_ref),),
            )
        )

    # -- missiles and drones -----------------------------------------------------------------------------
    launches = [f for f in today if f.claim.event_type in ("missile launch", "drone", "explosion")]
    confirmed = [f for f in launches if f.claim.status is ClaimStatus.CONFIRMED]
    missile_row = board.get("missile-launches")
    if not any(f.claim.event_type == "missile launch" for f in confirmed):
        # Absence names only the coverage that could have seen a launch (docs/assessment.md, "Absence"): observer
        # reports from the region (no official alert data is ingested); never ADS-B receivers, which cannot.
        ind = next((i for i in q.indicators if i.indicator_id == "missile-launches"), None)
        thin = ind is None or missile_row is None or (missile_row.coverage or 0.0) < ind.min_coverage
        blind = "no official alert data is ingested, and ADS-B receivers cannot observe launches"
        if not c.reports:
            text = (
                "No missile launch was confirmed, and nothing could have seen one: no observer report came from "
                f"the region ({blind}), so the absence does not count as evidence."
            )
        else:
            text = (
                "No missile launch was confirmed: the only coverage that could have seen one is "
                f"{counted(c.reports, 'observer report')} from {counted(c.reporters, 'observer')} in the region "
                f"({blind})"
            )
            if thin:
                fewer = f" (fewer than {ind.min_observers} observers)" if ind is not None else ""
                text += f"; this coverage is thin{fewer}, so the absence does not count as evidence."
            else:
                text += "."
        s = Sentence(text, Kind.FACT, (b.cite(coverage_ref),))
        sections["missiles"].append(s)
        takeaways.append(s)
    for f in launches:
        sections["missiles"].append(b.fact(f, claim_text(f, inputs, b.names)))
        if f.claim.event_type == "missile launch" and f.claim.status is not ClaimStatus.CONFIRMED:
            sections["missiles"].append(Sentence("It is not counted as a launch in this assessment.", Kind.TEXT))

    # -- ground reports ---------------------------------------------------------------------------------
    for f in today:
        if f.claim.event_type in OBSERVER_TYPES and f.claim.event_type not in ("missile launch", "drone", "explosion"):
            sections["ground"].append(b.fact(f, claim_text(f, inputs, b.names)))
    if not sections["ground"]:
        sections["ground"].append(
            Sentence(
                f"No ground reports of military activity were received ({counted(c.reports, 'report')} in all).",
                Kind.FACT,
                (b.cite(coverage_ref),),
            )
        )

    # -- assessment --------------------------------------------------------------------------------------
    assessment, key = _assessment(b, inputs, coverage_ref)
    takeaways.append(assessment[0])
    coverage += approximate_times(b, inputs, coverage_ref)  # last: it cites the facts stated above
    title = f"{inputs.region_title} air picture: the night of {_when_day(facts.day)}"
    if inputs.simulated:
        # Simulated data is labelled as simulated in every report built from it (issue: simulator).
        title += " (SIMULATED DATA, not real observations)"
    return Document(
        title=title,
        day=facts.day,
        region=q.region,
        question=q.text,
        cutoff=facts.cutoff,
        generated_at=inputs.generated_at,
        coverage=coverage,
        takeaways=tuple(takeaways[:6]),
        sections=tuple(Section(k, t, tuple(sections[k])) for k, t in SECTION_TITLES),
        board=tuple({**asdict(r), "state": r.state.value} for r in j.board),
        assessment=tuple(assessment),
        key_evidence=tuple(key),
        assumptions=j.assumptions,
        watch=j.indicators_to_watch,
        endnotes=tuple(b.notes),
        activity=tuple((n.night.isoformat(), n.count, n.coverage) for n in facts.activity),
        baseline=board["night-surge"].baseline if "night-surge" in board else None,
        judgment_id=j.judgment_id,
        extra={
            "simulated": inputs.simulated,
            "places": {ref: inputs.places[ref] for ref in b.by_ref if ref in inputs.places},
            # what the text names, so the map draws nothing the text does not mention
            "named_aircraft": sorted(b.names.named),
            "named_notams": sorted(
                str(e.attributes.get("notam_id"))
                for f in today
                if f.claim.claim_id in b.by_ref
                for e in f.events
                if e.attributes.get("notam_id")
            ),
        },
    )


def _assessment(b: _Builder, inputs: ReportInputs, coverage_ref: str) -> tuple[list[Sentence], list[Sentence]]:
    """The judgment sentences and the key evidence. Nothing to assess: no band and no confidence (no data, no
    judgment). A tie: no hypothesis is favoured. Otherwise top with band, runner-up, confidence with basis."""
    j, facts = inputs.judgment, inputs.facts
    jn = b.cite(j.judgment_id)
    if not j.assessed:
        c = facts.coverage
        return [
            Sentence(
                f"There is nothing to assess for this night: no receiver data with enough coverage "
                f"({receivers_phrase(c)}, up {c.receiver_fraction:.0%} of the night), no observer "
                f"report and no NOTAM bears on the question, so no judgment is made.",
                Kind.JUDGMENT,
                (jn, b.cite(coverage_ref)),
            )
        ], []
    top, runner = j.hypothesis(j.top), j.hypothesis(j.runner_up)
    if j.tied:
        names = [_lower(j.hypothesis(h).proposition) for h in j.tied]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        terms = {term for _, term in _tied_bands(j)}
        if len(terms) == 1:
            text = f"No hypothesis is favoured over the others: {listed} are each {terms.pop()}."
        else:
            text = (
                "No hypothesis is favoured over the others: "
                + "; ".join(f"{n} is {t}" for n, t in _tied_bands(j))
                + "."
            )
        assessment = [Sentence(text, Kind.JUDGMENT, (jn,))]
    else:
        assessment = [Sentence(f"{top.proposition} is {j.band}.", Kind.JUDGMENT, (jn,))]
    supporting = [
        b.claims[cid]
        for item in j.items
        if item.rating(j.top).value in ("C", "CC")
        for cid in item.claim_ids
        if cid in b.claims and b.claims[cid].claim.status in _STRONG
    ]
    roots = {r for f in supporting for r in f.claim.roots}
    if j.tied:
        pass  # "remains"/"has risen" would be about one of several tied hypotheses
    elif j.supersedes:
        assessment.append(
            Sentence(f"Compared with the previous assessment, this {j.change_explanation}.", Kind.JUDGMENT, (jn,))
        )
    else:
        assessment.append(Sentence("This is the first assessment of this question.", Kind.JUDGMENT, (jn,)))
    if not j.tied:
        assessment.append(
            Sentence(f"The runner-up, {_lower(runner.proposition)}, is {j.runner_up_band}.", Kind.JUDGMENT, (jn,))
        )
    # "Taken together" restates the top judgment from its evidence: never right after the judgment itself
    # (no judgment twice in a row), so after the change and the runner-up
    if not j.tied and j.band in ADVERBS and len(supporting) >= 2 and len(roots) >= 2:
        assessment.append(
            Sentence(
                f"Taken together, these data points {ADVERBS[j.band]} indicate {_lower(top.proposition)}.",
                Kind.JUDGMENT,
                (jn, *sorted({b.cite(f.claim.claim_id) for f in supporting})),
            )
        )
    assessment.append(
        Sentence(
            f"We have {j.confidence.value} confidence in this assessment. Its basis: {j.confidence_basis}.",
            Kind.CONFIDENCE,
            (jn,),
        )
    )
    key = []
    items = {i.item_id: i for i in j.items}
    for item_id in j.key_evidence:
        item = items[item_id]
        cites = tuple(b.cite(cid) for cid in item.claim_ids) or (
            b.cite(item.roots[0] if item.roots[0].startswith("night-activity:") else coverage_ref),
        )
        key.append(Sentence(f"{item.label} (grade {item.grade}).", Kind.FACT, cites))
    return assessment, key


def _tied_bands(j: Judgment) -> list[tuple[str, str]]:
    bands = dict(j.bands)
    return [(_lower(j.hypothesis(h).proposition), bands.get(h, "")) for h in j.tied]


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _novelty_by_event(today: list[ClaimFacts]) -> dict[str, tuple[ClaimFacts, str | None, str | None]]:
    """Novelty detector claims by the id of the event they are about: (claim, first time since, earlier event)."""
    out: dict[str, tuple[ClaimFacts, str | None, str | None]] = {}
    for f in today:
        if f.claim.event_type != "novelty":
            continue
        for e in f.events:
            about = e.attributes.get("event_id")
            if about:
                since, earlier = e.attributes.get("first_time_since"), e.attributes.get("earlier_event_id")
                out[str(about)] = (f, str(since) if since else None, str(earlier) if earlier else None)
    return out


def _without_addresses(text: str, addresses: Iterable[str]) -> str:
    for address in addresses:
        text = text.replace(f" ({address})", "")
    return text


def _coverage_gap(novelty: ClaimFacts, day: date, said: set[str]) -> str:
    """What a "first time since" rests on: the days of its interval without receiver data, and whether that
    gap is so large the novelty is not counted (docs/assessment.md, "Novelty"). A gap already spelled out in
    the report (``said``) is referred to, not repeated."""
    attrs = next((e.attributes for e in novelty.events if e.type == "novelty"), {})
    gaps = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in attrs.get("uncovered") or []]
    if not gaps:
        return ""
    thin = bool(attrs.get("coverage_thin"))
    spelled = ", ".join(_span_days(a, b, day.year) for a, b in gaps)
    if spelled in said:
        return " (across the same gap in our records" + (", not counted as new)" if thin else ")")
    said.add(spelled)
    text = f" (no receiver data {spelled})"
    if thin:
        text += ", so with no data for most of that time it is not counted as new"
    return text


def _span_days(a: date, b: date, year: int) -> str:
    """ "5 July", "6–8 July", "5 April – 4 July" (the year only when it is not the report's)."""

    def one(d: date, with_month: bool = True) -> str:
        return f"{d.day}" + (f" {d.strftime('%B')}" if with_month else "") + (f" {d.year}" if d.year != year else "")

    if a == b:
        return one(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{one(b)}"
    return f"{one(a)} – {one(b)}"


def _when_day(d: object) -> str:
    assert isinstance(d, date)
    return f"{d.day} {d.strftime('%B %Y')}"
