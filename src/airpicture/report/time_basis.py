"""The report's statement of which facts rest on approximate times (docs/report.md, docs/ingest.md).

A receiver recording timed by its file's modification date (or carrying no times) places what it heard on a
night only approximately. When any fact of the night rests on such a recording, the coverage section says so
once, citing every such fact the report states, naming the assessment items that rest on them, and that they
support no more than low confidence (docs/assessment.md, "Approximate times").
"""

from __future__ import annotations

from airpicture.model.judgments import ReportInputs
from airpicture.report.document import Kind, Sentence, _Builder


def _listing(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def approximate_times(b: _Builder, inputs: ReportInputs, coverage_ref: str) -> tuple[Sentence, ...]:
    """One sentence when the night's facts rest on approximate times; none otherwise. Call after every other
    sentence is built, so it cites the facts the report states."""
    j, facts = inputs.judgment, inputs.facts
    claims = [f for f in facts.claims if f.claim.time_approximate]
    marked = set(j.time_approximate_items)
    items = [i.label for i in j.items if marked & {i.item_id, *i.merged}]
    if not claims and not items and not facts.approximate_recordings:
        return ()
    stated = sorted(b.by_ref[f.claim.claim_id] for f in claims if f.claim.claim_id in b.by_ref)
    recordings = len(facts.approximate_recordings)
    which = (
        f"the {_plural(len(stated), 'fact', 'facts')} cited here"
        if stated
        else f"{_plural(len(claims), 'fact', 'facts')} of the night"
    )
    text = f"Times are approximate for {which}"
    if items:
        text += " and for the assessment's " + ("item " if len(items) == 1 else "items ") + _listing(items)
    source = (
        f"{_plural(recordings, 'receiver recording', 'receiver recordings')} timed by the file's modification "
        "date or carrying no times"
        if recordings
        else "receiver recordings timed by their files' modification dates or carrying no times"
    )
    text += (
        f": they rest on {source}, not on times in the data, so the night they are placed on is not established "
        "and they support no more than low confidence."
    )
    return (Sentence(text, Kind.FACT, tuple(stated) or (b.cite(coverage_ref),)),)
