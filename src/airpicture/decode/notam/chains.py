"""NOTAMN/R/C chains and the set of NOTAMs in force at a time.

A NOTAMR replaces, and a NOTAMC cancels, the NOTAM it names; both take effect at their own item B
(issue). The set in force at ``t``: NOTAMs (not NOTAMC, not checklists) with ``B <= t < C`` (``C``
absent or PERM: open-ended) that no NOTAMR/NOTAMC in the set has replaced or cancelled by ``t``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from airpicture.model.notam import NotamKind, Restriction

_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Chain:
    """Links of one NOTAM: the one it replaces or cancels, and the one that superseded it."""

    replaces: str | None
    cancels: str | None
    superseded_by: str | None


def link_chains(restrictions: Iterable[Restriction]) -> list[Restriction]:
    """The restrictions with ``superseded_by`` set from the NOTAMR/NOTAMC that name them.

    When several name the same NOTAM, the earliest (by item B, then id) wins.
    """
    items = list(restrictions)
    successors: dict[str, tuple[datetime | None, str]] = {}
    for r in items:
        n = r.notam
        if n.kind in (NotamKind.REPLACE, NotamKind.CANCEL) and n.ref_id and n.id:
            key = (n.valid_from, n.id)
            current = successors.get(n.ref_id)
            if current is None or (key[0] or _LATEST, key[1]) < (current[0] or _LATEST, current[1]):
                successors[n.ref_id] = key
    return [replace(r, superseded_by=successors[r.id][1]) if r.id in successors else r for r in items]


def chain_of(restriction: Restriction) -> Chain:
    n = restriction.notam
    return Chain(
        replaces=n.ref_id if n.kind is NotamKind.REPLACE else None,
        cancels=n.ref_id if n.kind is NotamKind.CANCEL else None,
        superseded_by=restriction.superseded_by,
    )


def is_checklist(restriction: Restriction) -> bool:
    q = restriction.notam.qline
    return q is not None and q.subject == "KK" and q.condition == "KK"


def in_force(restriction: Restriction, at: datetime, by_id: dict[str, Restriction]) -> bool:
    """Valid at ``at`` by its B–C window and not yet replaced or cancelled (schedule not considered)."""
    n = restriction.notam
    if n.kind is NotamKind.CANCEL or n.valid_from is None or is_checklist(restriction):
        return False
    if at < n.valid_from:
        return False
    if n.valid_to is not None and not n.permanent and at >= n.valid_to:
        return False
    if restriction.superseded_by:
        successor = by_id.get(restriction.superseded_by)
        if successor is not None and successor.notam.valid_from is not None and successor.notam.valid_from <= at:
            return False
    return True


def ended_at(restriction: Restriction, by_id: dict[str, Restriction]) -> tuple[datetime | None, str]:
    """When and how a NOTAM stops being in force: ``(time, "replaced"|"cancelled"|"expired"|"open")``."""
    n = restriction.notam
    if restriction.superseded_by and restriction.superseded_by in by_id:
        successor = by_id[restriction.superseded_by].notam
        how = "cancelled" if successor.kind is NotamKind.CANCEL else "replaced"
        if successor.valid_from is not None and (n.valid_to is None or successor.valid_from < n.valid_to):
            return successor.valid_from, how
    if n.valid_to is not None and not n.permanent:
        return n.valid_to, "expired"
    return None, "open"


def by_id(restrictions: Sequence[Restriction]) -> dict[str, Restriction]:
    return {r.id: r for r in restrictions if r.notam.id}
