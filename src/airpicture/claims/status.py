"""The status machine and Admiralty grading (spec assessment.md §2, §3).

| status | rule | credibility |
|---|---|---|
| reported | 1 independent root | 3 |
| corroborated | ≥ 2 independent roots, none primary | 2 |
| confirmed | ≥ 2 independent roots incl. ≥ 1 primary, no open contradiction graded ≥ C | 1 |
| disputed | a contradicting root graded ≥ C, or an official denial (overlay; support kept) | 4 (5: primary) |
| retracted | the originating appearance was withdrawn by its author | — |

Source reliability: an analyst grade when set; else the class default (configurable) when the class has
one; else (class default F: observers, monitoring groups, outlets) the grade its track record suggests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from airpicture.claims.graph import Independence
from airpicture.model.claims import Appearance, ClaimStatus, Credibility, Reliability, Source, SourceKind

DEFAULT_CLASS_GRADES: Mapping[SourceKind, Reliability] = {
    SourceKind.NOTAM: Reliability.A,
    SourceKind.SENSOR: Reliability.B,
    SourceKind.MINISTRY: Reliability.B,
    SourceKind.ACTOR: Reliability.B,
}
"""Spec §2 defaults; every other kind starts at F. Overridden by the ``claims.source_class_grades`` setting."""

_CREDIBILITY = {
    ClaimStatus.REPORTED: Credibility.POSSIBLY_TRUE,
    ClaimStatus.CORROBORATED: Credibility.PROBABLY_TRUE,
    ClaimStatus.CONFIRMED: Credibility.CONFIRMED,
}


def suggested_reliability(confirmed: int, refuted: int) -> Reliability:
    """The grade a track record suggests: F below 3 judged claims; A needs ≥ 20 and ≥ 95 % confirmed;
    B ≥ 5 and ≥ 80 %; C ≥ 60 %; D ≥ 40 %; E below."""
    judged = confirmed + refuted
    if judged < 3:
        return Reliability.F
    share = confirmed / judged
    if judged >= 20 and share >= 0.95:
        return Reliability.A
    if judged >= 5 and share >= 0.8:
        return Reliability.B
    if share >= 0.6:
        return Reliability.C
    if share >= 0.4:
        return Reliability.D
    return Reliability.E


def effective_reliability(source: Source, class_grades: Mapping[SourceKind, Reliability]) -> Reliability:
    """Analyst grade, else a class default other than F, else the suggested grade."""
    if source.analyst_grade is not None:
        return source.analyst_grade
    default = class_grades.get(source.kind, Reliability.F)
    return default if default is not Reliability.F else suggested_reliability(source.confirmed, source.refuted)


@dataclass(frozen=True, slots=True)
class StatusDecision:
    """The derived status with the rule that fired and its reason in words."""

    status: ClaimStatus
    support: ClaimStatus
    credibility: Credibility | None
    rule: str
    reason: str


def decide_status(
    ind: Independence, appearances: Mapping[str, Appearance], sources: Mapping[str, Source]
) -> StatusDecision:
    """Apply the §3 table to one claim's independence analysis (``sources`` carry effective grades)."""
    roots, primary = len(ind.roots), len(ind.primary_roots)
    if roots >= 2 and primary >= 1:
        support, why = ClaimStatus.CONFIRMED, f"{roots} independent roots, {primary} primary"
    elif roots >= 2:
        support, why = ClaimStatus.CORROBORATED, f"{roots} independent roots, none primary"
    else:
        support, why = ClaimStatus.REPORTED, f"{roots} independent root" + ("" if roots == 1 else "s")
    if ind.retracted:
        return StatusDecision(
            ClaimStatus.RETRACTED,
            support,
            None,
            "spec3.retracted",
            "the originating appearance was withdrawn by its author",
        )
    disputing: list[str] = []
    strong = False
    for root in ind.contradictions:
        appearance = appearances.get(root)
        source = sources.get(appearance.source_id) if appearance else None
        if appearance is None or source is None:
            continue
        if source.kind.official or source.reliability.at_least_c:
            label = "official denial" if source.kind.official else f"contradiction graded {source.reliability.value}"
            disputing.append(f"{label} by {source.name} ({root})")
            strong = strong or appearance.primary
    if disputing:
        credibility = Credibility.IMPROBABLE if strong else Credibility.DOUBTFUL
        return StatusDecision(
            ClaimStatus.DISPUTED, support, credibility, "spec3.disputed", f"{why}; " + "; ".join(disputing)
        )
    return StatusDecision(support, support, _CREDIBILITY[support], f"spec3.{support.value}", why)
