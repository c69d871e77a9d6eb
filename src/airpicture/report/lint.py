"""The renderer lint of spec assessment.md §5: a report that breaks a rule is not written.

Rejected: a likelihood term and a confidence level in one sentence; row-1 and row-2 vocabularies mixed in
one product; a fact sentence without a citation; weasel modals ("could", "may", "might", "suggests") in key
judgments; "Taken together … <adverb> indicate" whose adverb is not the band of the top hypothesis; a
status clause ("this could not be independently confirmed") that does not end its sentence (what follows it
reads as part of the doubt: qualifiers such as "the first time since" belong with the fact); and, when
there was nothing to assess (``top_band`` empty), any band term in the assessment or a confidence statement.

Wording (issue 12, "the report, read by an analyst"): no "(s)" plurals; no "0 km from the border" (it is
"at the border"); a sentence that does not end with a full stop, question or exclamation mark; the same
judgment stated twice in a row ("X is likely." then "Taken together … indicate X."); an aircraft address
given in parentheses more than once in the body (one name per aircraft: type and registration, the address
once).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from airpicture.model.errors import AirpictureError
from airpicture.report.document import ADVERBS, Document, Kind, Sentence

ROW1 = (
    "almost no chance",
    "very unlikely",
    "unlikely",
    "roughly even chance",
    "likely",
    "very likely",
    "almost certain",
)
ROW2 = (
    "remote",
    "highly improbable",
    "improbable",
    "roughly even odds",
    "probable",
    "highly probable",
    "nearly certain",
)
_LIKELIHOOD = re.compile(
    r"\b(" + "|".join(sorted({*ROW1, *ROW2, "almost certainly"}, key=len, reverse=True)) + r")\b", re.I
)
_ROW2 = re.compile(r"\b(" + "|".join(sorted(ROW2, key=len, reverse=True)) + r")\b", re.I)
_ROW1 = re.compile(r"\b(" + "|".join(sorted(ROW1, key=len, reverse=True)) + r")\b", re.I)
_CONFIDENCE = re.compile(r"\b(high|moderate|low)(?:-| )confidence\b|\bconfidence\b", re.I)
_WEASEL = re.compile(r"\b(could|may|might|suggests?|suggesting)\b", re.I)
_UNCONFIRMED = re.compile(r"could not be independently confirmed(?P<rest>.*)$", re.I)
_TAKEN = re.compile(r"taken together, these data points (\w+(?: \w+)?) indicate", re.I)
_PLURAL = re.compile(r"\w\((?:e?s)\)")
_ZERO_KM = re.compile(r"\b0 km (?:from|of)\b")
_ENDS = (".", "?", "!")
_ADDRESS = re.compile(r"\(([0-9a-f]{6})\)")
_IS_BAND = re.compile(r"^(?P<p>.+) is (?:" + "|".join(sorted(ROW1 + ROW2, key=len, reverse=True)) + r")\.$", re.I)
_TAKEN_P = re.compile(r"^taken together, these data points \w+(?: \w+)? indicate (?P<p>.+)\.$", re.I)


def _proposition(text: str) -> str | None:
    """The proposition of "X is <band>." or "Taken together, … indicate X.", lower-cased; else None."""
    found = _IS_BAND.match(text) or _TAKEN_P.match(text)
    return found.group("p").strip().lower() if found else None


@dataclass(eq=False)
class ReportLintError(AirpictureError):
    """A report broke a rendering rule; nothing was written."""

    exit_code = 1


def _sentences(doc: Document) -> Iterator[tuple[str, Sentence]]:
    for s in doc.coverage:
        yield "coverage", s
    for s in doc.takeaways:
        yield "key takeaways", s
    for section in doc.sections:
        for s in section.sentences:
            yield section.title, s
    for s in doc.assessment:
        yield "assessment", s
    for s in doc.key_evidence:
        yield "key evidence", s


def lint(doc: Document, top_band: str) -> list[str]:
    """Every rule the document breaks, one line each (empty: clean)."""
    problems: list[str] = []
    rows_used = {1: False, 2: False}
    for where, s in _sentences(doc):
        text = s.text
        if _LIKELIHOOD.search(text) and _CONFIDENCE.search(text):
            problems.append(f"{where}: likelihood term and confidence level in one sentence: {text!r}")
        if s.kind is Kind.CONFIDENCE and _LIKELIHOOD.search(text):
            problems.append(f"{where}: likelihood term in the confidence statement: {text!r}")
        if s.kind is Kind.FACT and not s.cites:
            problems.append(f"{where}: fact sentence without a citation: {text!r}")
        unconfirmed = _UNCONFIRMED.search(text)
        if unconfirmed and unconfirmed.group("rest").strip() not in ("", "."):
            problems.append(f"{where}: the status clause must end the sentence: {text!r}")
        if not top_band and where == "assessment" and (_LIKELIHOOD.search(text) or s.kind is Kind.CONFIDENCE):
            problems.append(f"{where}: nothing was assessed, yet a band or confidence is stated: {text!r}")
        if s.kind is Kind.JUDGMENT:
            if not s.cites:
                problems.append(f"{where}: judgment without a citation: {text!r}")
            if _WEASEL.search(text):
                problems.append(f"{where}: weasel modal in a key judgment: {text!r}")
            found = _TAKEN.search(text)
            if found and found.group(1).lower() != ADVERBS.get(top_band, "<none>"):
                problems.append(f"{where}: 'taken together' adverb {found.group(1)!r} is not the band {top_band!r}")
        if _ROW2.search(text):
            rows_used[2] = True
        if _ROW1.search(text):
            rows_used[1] = True
        for n in s.cites:
            if not 1 <= n <= len(doc.endnotes):
                problems.append(f"{where}: citation [{n}] has no endnote")
    for where, s in _sentences(doc):
        if _PLURAL.search(s.text):
            problems.append(f"{where}: '(s)' plural (write the number's own form): {s.text!r}")
        if _ZERO_KM.search(s.text):
            problems.append(f"{where}: '0 km from' (write 'at the border'): {s.text!r}")
        if not s.text.rstrip().endswith(_ENDS):
            problems.append(f"{where}: the sentence does not end properly: {s.text!r}")
    previous = None
    for s in doc.assessment:
        prop = _proposition(s.text) if s.kind is Kind.JUDGMENT else None
        if prop is not None and prop == previous:
            problems.append(f"assessment: the same judgment twice in a row: {s.text!r}")
        previous = prop
    body = [s for where, s in _sentences(doc) if where != "key takeaways"]
    seen: dict[str, int] = {}
    for s in body:
        for address in _ADDRESS.findall(s.text):
            seen[address] = seen.get(address, 0) + 1
    for address, n in sorted(seen.items()):
        if n > 1:
            problems.append(f"aircraft {address} is given with its address {n} times (one name per aircraft)")
    if rows_used[1] and rows_used[2]:
        problems.append("ICD 203 row-1 and row-2 vocabularies mixed in one product")
    for note in doc.endnotes:
        if not (note.source and note.record and note.grade):
            problems.append(f"endnote [{note.number}] lacks source, record or grade")
    return problems


def check(doc: Document, top_band: str) -> None:
    """Raise ``ReportLintError`` listing every broken rule."""
    problems = lint(doc, top_band)
    if problems:
        raise ReportLintError(f"report lint failed ({len(problems)}): " + " | ".join(problems), where=str(doc.day))
