"""Independence (spec assessment.md §3): attribution graph, roots, merged root clusters, echoes.

Two supporting appearances are independent only if neither cites the other (directly or transitively)
and they share no root: not the same observer pseudonym, sensor/receiver, NOTAM, document or media file
(same SHA-256, or perceptual hashes within ``phash_max_distance`` bits).

1. Roots of an appearance: itself when it cites nothing; otherwise the roots of what it cites. A cited id
   that is not in the graph (a post nobody entered) becomes a *reference root* ``ref:<text>``, so ten
   outlets citing one unseen post still share one root.
2. Root clusters: roots merged (union-find) when they share an observer, sensor, NOTAM, document, artifact
   SHA-256, near-identical perceptual hash, or — for sources that are not observers, sensors or NOTAM
   offices — the same source.
   A second-hand account (hearsay) cites ``unknown-root:<report>``: the unknown witness it relays. Unknown
   roots are never independent roots (the witness may be any other root of the claim); the account is an
   echo, so corroboration needs two roots that each saw or measured the thing.
3. ``independent_roots`` = number of supporting clusters; ``echoes`` = supporting appearances that cite
   something (a detector's statement citing its own receiver records is a derivation, not an echo).
   A cluster is *primary* when one of its roots is (raw NOTAM, raw sensor track,
   geolocated + chronolocated imagery, the actor's own acknowledgement).

Retractions: an appearance with modality ``retracted`` withdraws what it cites *by the same source*.
Withdrawn appearances support nothing; when the originating (earliest) root is withdrawn the claim is
retracted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from airpicture.model.claims import Appearance, Modality, Source, SourceKind

_SUPPORT = (Modality.ASSERTED, Modality.HEDGED)
UNKNOWN_ROOT = "unknown-root:"
"""Prefix of what a second-hand account cites: the witness it relays, whom nobody entered or can name. Such a
reference root is never independent (it may be any other root of the claim), so it counts for nothing."""
_NO_SOURCE_MERGE = (SourceKind.OBSERVER, SourceKind.SENSOR, SourceKind.NOTAM)


@dataclass(frozen=True, slots=True)
class Independence:
    """What the attribution graph of one claim yields (ids sorted; clusters by their representative)."""

    roots: tuple[str, ...]
    clusters: tuple[tuple[str, ...], ...]
    primary_roots: tuple[str, ...]
    echoes: tuple[str, ...]
    contradictions: tuple[str, ...]
    withdrawn: tuple[str, ...]
    retracted: bool


class _UnionFind:
    def __init__(self, items: Sequence[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _hamming(a: str, b: str) -> int:
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except ValueError:
        return 64


def root_sets(appearances: Mapping[str, Appearance]) -> dict[str, frozenset[str]]:
    """The roots of every appearance (reference roots for cited ids outside the graph); cycles are cut."""
    memo: dict[str, frozenset[str]] = {}

    def visit(aid: str, stack: frozenset[str]) -> frozenset[str]:
        if aid in memo:
            return memo[aid]
        appearance = appearances[aid]
        cited = [c for c in appearance.cites if c not in stack]
        if not cited:
            result = frozenset({aid})
        else:
            found: set[str] = set()
            for target in cited:
                found |= visit(target, stack | {aid}) if target in appearances else {f"ref:{target}"}
            result = frozenset(found)
        memo[aid] = result
        return result

    return {aid: visit(aid, frozenset()) for aid in sorted(appearances)}


def merge_keys(appearance: Appearance, sources: Mapping[str, Source]) -> list[str]:
    keys = [f"observer:{appearance.observer}"] if appearance.observer else []
    keys += [f"sensor:{appearance.sensor}"] if appearance.sensor else []
    keys += [f"notam:{appearance.notam_id}"] if appearance.notam_id else []
    keys += [f"document:{appearance.document}"] if appearance.document else []
    keys += [f"sha256:{h}" for h in appearance.artifact_sha256]
    source = sources.get(appearance.source_id)
    if source is not None and source.kind not in _NO_SOURCE_MERGE:
        keys.append(f"source:{appearance.source_id}")
    return keys


def _clusters(
    roots: set[str], appearances: Mapping[str, Appearance], sources: Mapping[str, Source], phash_max: int
) -> list[tuple[str, ...]]:
    ordered = sorted(roots)
    uf = _UnionFind(ordered)
    owner: dict[str, str] = {}
    hashes: list[tuple[str, str]] = []
    for root in ordered:
        appearance = appearances.get(root)
        if appearance is None:
            continue
        for key in merge_keys(appearance, sources):
            if key in owner:
                uf.union(owner[key], root)
            else:
                owner[key] = root
        hashes += [(root, h) for h in appearance.artifact_phash]
    for i, (root_a, hash_a) in enumerate(hashes):
        for root_b, hash_b in hashes[i + 1 :]:
            if root_a != root_b and _hamming(hash_a, hash_b) <= phash_max:
                uf.union(root_a, root_b)
    groups: dict[str, list[str]] = {}
    for root in ordered:
        groups.setdefault(uf.find(root), []).append(root)
    return [tuple(sorted(g, key=lambda r: _order(r, appearances))) for g in groups.values()]


def _order(aid: str, appearances: Mapping[str, Appearance]) -> tuple[str, str]:
    appearance = appearances.get(aid)
    return (appearance.published_at.isoformat() if appearance else "9999", aid)


def _derived(appearance: Appearance, sources: Mapping[str, Source]) -> bool:
    """A detector's statement citing the raw records it was computed from is a derivation, not an echo."""
    source = sources.get(appearance.source_id)
    return source is not None and source.kind is SourceKind.SENSOR


def analyse(
    members: Sequence[str],
    appearances: Mapping[str, Appearance],
    sources: Mapping[str, Source],
    *,
    phash_max_distance: int = 8,
) -> Independence:
    """Independence of the appearances ``members`` (ids into ``appearances``) of one claim."""
    graph = {aid: appearances[aid] for aid in members}
    withdrawn: set[str] = set()
    for appearance in graph.values():
        if appearance.modality is Modality.RETRACTED:
            for target in appearance.cites:
                if target in graph and graph[target].source_id == appearance.source_id:
                    withdrawn.add(target)
    roots_of = root_sets(graph)
    supporting = [a for a in graph.values() if a.modality in _SUPPORT]
    all_support_roots: set[str] = set().union(*(roots_of[a.appearance_id] for a in supporting))
    origin = min(all_support_roots, key=lambda r: _order(r, graph)) if all_support_roots else None
    live = [a for a in supporting if a.appearance_id not in withdrawn]
    support_roots: set[str] = set().union(*(roots_of[a.appearance_id] for a in live)) - withdrawn
    support_roots = {r for r in support_roots if not r.startswith(f"ref:{UNKNOWN_ROOT}")}
    denying = [a for a in graph.values() if a.modality is Modality.DENIED and a.appearance_id not in withdrawn]
    deny_roots: set[str] = set().union(*(roots_of[a.appearance_id] for a in denying)) - support_roots
    deny_roots = {r for r in deny_roots if not r.startswith(f"ref:{UNKNOWN_ROOT}")}
    support_clusters = _clusters(support_roots, graph, sources, phash_max_distance)
    deny_clusters = _clusters(deny_roots, graph, sources, phash_max_distance)
    primary = [c[0] for c in support_clusters if any(r in graph and graph[r].primary for r in c)]
    return Independence(
        roots=tuple(sorted(c[0] for c in support_clusters)),
        clusters=tuple(sorted(support_clusters)),
        primary_roots=tuple(sorted(primary)),
        echoes=tuple(sorted(a.appearance_id for a in live if a.cites and not _derived(a, sources))),
        contradictions=tuple(sorted(c[0] for c in deny_clusters)),
        withdrawn=tuple(sorted(withdrawn)),
        retracted=origin is not None and origin in withdrawn,
    )
