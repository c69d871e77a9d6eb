"""Bayesian ACH (spec assessment.md §4): Heuer's matrix kept for the analyst, probabilities computed.

- ratings → likelihoods P(E|H): CC .9 · C .7 · N .5 · I .3 · II .1 · NA skipped (configurable);
- Schum discounting of a report E* of E by its source's reliability: P(E*|H) = h·P(E|H) + f·(1 − P(E|H));
- items sharing an attribution root are merged before scoring (echoes never add weight);
- log P(Hj|E) = log P(Hj) + Σ log P(Ei*|Hj) − log Z;
- sensitivity: drop each item, and shift the item's rating one step — all its ratings together one step
  weaker (toward N) and one step stronger (away from N); an item is critical when the top hypothesis or
  its band changes (docs/assessment.md explains this reading of spec §4);
- the confidence rule counts independent roots behind the key evidence as clusters of roots that share
  a receiver, NOTAM, observer or artifact (``AchItem.root_keys``), not as items or events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from airpicture.assess.language import band
from airpicture.model.claims import Reliability
from airpicture.model.judgments import AchItem, Confidence, Hypothesis, Rating, SensitivityRow

DEFAULT_LIKELIHOODS: Mapping[Rating, float] = {
    Rating.CC: 0.9,
    Rating.C: 0.7,
    Rating.N: 0.5,
    Rating.I: 0.3,
    Rating.II: 0.1,
}
DEFAULT_SCHUM: Mapping[Reliability, tuple[float, float]] = {
    Reliability.A: (0.95, 0.02),
    Reliability.B: (0.90, 0.05),
    Reliability.C: (0.80, 0.10),
    Reliability.D: (0.70, 0.20),
    Reliability.E: (0.60, 0.40),
    Reliability.F: (0.75, 0.15),
}


@dataclass(frozen=True, slots=True)
class AchRules:
    """Likelihood per rating and Schum (hit, false-positive) rates per source reliability."""

    likelihoods: Mapping[Rating, float] = field(default_factory=lambda: dict(DEFAULT_LIKELIHOODS))
    schum: Mapping[Reliability, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_SCHUM))


@dataclass(frozen=True, slots=True)
class AchResult:
    """Everything the matrix and the Bayesian update give for one set of items."""

    items: tuple[AchItem, ...]
    posterior: dict[str, float]
    top: str
    runner_up: str
    inconsistency: dict[str, float]
    weighted: dict[str, float]
    diagnosticity: dict[str, int | None]
    discounted: dict[str, dict[str, float]]
    sensitivity: tuple[SensitivityRow, ...]
    critical: tuple[str, ...]
    flips_when_dropped: tuple[str, ...]


def merge_echoes(items: Sequence[AchItem]) -> list[AchItem]:
    """Merge items that share an attribution root into one (the first, by input order, keeps its ratings and
    grade; the others are listed in ``merged`` and their roots and claims joined)."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, item in enumerate(items):
        for root in item.roots:
            if root in owner:
                a, b = find(owner[root]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[root] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    merged: list[AchItem] = []
    for head, members in sorted(groups.items()):
        base = items[head]
        if len(members) == 1:
            merged.append(base)
            continue
        others = [items[m] for m in members[1:]]
        merged.append(
            replace(
                base,
                roots=tuple(dict.fromkeys(r for m in members for r in items[m].roots)),
                claim_ids=tuple(dict.fromkeys(c for m in members for c in items[m].claim_ids)),
                merged=(*base.merged, *(o.item_id for o in others)),
            )
        )
    return merged


def matrix_scores(
    items: Sequence[AchItem], hypotheses: Sequence[Hypothesis]
) -> tuple[dict[str, float], dict[str, float]]:
    """Heuer's inconsistency score (I = 1, II = 2) and weighted score (II −2, I −1 × credibility × relevance)."""
    inconsistency = {h.hyp_id: 0.0 for h in hypotheses}
    weighted = {h.hyp_id: 0.0 for h in hypotheses}
    for item in items:
        for h in hypotheses:
            rating = item.rating(h.hyp_id)
            inconsistency[h.hyp_id] += rating.inconsistency
            weighted[h.hyp_id] -= rating.inconsistency * item.credibility.factor * item.relevance.factor
    return inconsistency, weighted


def diagnosticity(item: AchItem, hypotheses: Sequence[Hypothesis]) -> int | None:
    """max − min of the item's signed ratings; None when it has no rating at all (flagged)."""
    values = [v for h in hypotheses if (v := item.rating(h.hyp_id).signed) is not None]
    return max(values) - min(values) if values else None


def discounted_likelihoods(item: AchItem, hypotheses: Sequence[Hypothesis], rules: AchRules) -> dict[str, float]:
    """P(E*|H) per hypothesis after Schum discounting; NA hypotheses are left out."""
    h, f = rules.schum[item.reliability]
    out: dict[str, float] = {}
    for hyp in hypotheses:
        rating = item.rating(hyp.hyp_id)
        if rating is Rating.NA:
            continue
        p = rules.likelihoods[rating]
        out[hyp.hyp_id] = h * p + f * (1.0 - p)
    return out


def posterior(items: Sequence[AchItem], hypotheses: Sequence[Hypothesis], rules: AchRules) -> dict[str, float]:
    """Normalised posterior over the hypotheses (log-space; NA ratings contribute nothing)."""
    total_prior = sum(h.prior for h in hypotheses)
    logs = {h.hyp_id: math.log(h.prior / total_prior) for h in hypotheses}
    for item in items:
        for hyp_id, value in discounted_likelihoods(item, hypotheses, rules).items():
            logs[hyp_id] += math.log(value)
    peak = max(logs.values())
    exp = {k: math.exp(v - peak) for k, v in logs.items()}
    z = sum(exp.values())
    return {k: v / z for k, v in exp.items()}


def _ranked(post: Mapping[str, float], hypotheses: Sequence[Hypothesis]) -> list[str]:
    order = {h.hyp_id: i for i, h in enumerate(hypotheses)}
    return sorted(post, key=lambda k: (-round(post[k], 12), order[k]))


def weaker(ratings: tuple[tuple[str, Rating], ...]) -> tuple[tuple[str, Rating], ...]:
    """Every rating one step toward N (CC→C, C→N, I→N, II→I): the item read as one step less telling."""
    return tuple((k, v.shifted(-1) if v in (Rating.CC, Rating.C) else v.shifted(1) if v in (Rating.I, Rating.II) else v)
                 for k, v in ratings)  # fmt: skip


def stronger(ratings: tuple[tuple[str, Rating], ...]) -> tuple[tuple[str, Rating], ...]:
    """Every rating other than N and NA one step away from N (C→CC, I→II): the item read as one step more telling."""
    return tuple((k, v.shifted(1) if v is Rating.C else v.shifted(-1) if v is Rating.I else v) for k, v in ratings)


def analyse(items: Sequence[AchItem], hypotheses: Sequence[Hypothesis], rules: AchRules | None = None) -> AchResult:
    """Merge echoes, score the matrix, compute the posterior and its sensitivity."""
    rules = rules or AchRules()
    scored = merge_echoes(items)
    post = posterior(scored, hypotheses, rules)
    ranked = _ranked(post, hypotheses)
    top, runner = ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]
    top_band = band(post[top]).index
    inconsistency, weighted = matrix_scores(scored, hypotheses)
    rows: list[SensitivityRow] = []
    critical: list[str] = []
    flips: list[str] = []

    def probe(item_id: str, change: str, variant: Sequence[AchItem]) -> None:
        p = posterior(variant, hypotheses, rules)
        new_top = _ranked(p, hypotheses)[0]
        b = band(p[new_top])
        is_critical = new_top != top or b.index != top_band
        rows.append(SensitivityRow(item_id, change, new_top, p[new_top], b.term(), is_critical))
        if is_critical and item_id not in critical:
            critical.append(item_id)
        if change == "drop" and new_top != top:
            flips.append(item_id)

    for i, item in enumerate(scored):
        probe(item.item_id, "drop", [*scored[:i], *scored[i + 1 :]])
        for change, ratings in (("weaker", weaker(item.ratings)), ("stronger", stronger(item.ratings))):
            if ratings == item.ratings:
                continue
            probe(
                item.item_id,
                f"{change}: " + " ".join(f"{k} {v.value}" for k, v in ratings),
                [*scored[:i], replace(item, ratings=ratings), *scored[i + 1 :]],
            )
    return AchResult(
        items=tuple(scored),
        posterior=post,
        top=top,
        runner_up=runner,
        inconsistency=inconsistency,
        weighted=weighted,
        diagnosticity={item.item_id: diagnosticity(item, hypotheses) for item in scored},
        discounted={item.item_id: discounted_likelihoods(item, hypotheses, rules) for item in scored},
        sensitivity=tuple(rows),
        critical=tuple(critical),
        flips_when_dropped=tuple(flips),
    )


def key_evidence(result: AchResult) -> tuple[str, ...]:
    """Critical items; when none is critical, the most diagnostic ones (up to three)."""
    if result.critical:
        return result.critical
    ranked = sorted(
        (i for i in result.items if result.diagnosticity.get(i.item_id)),
        key=lambda i: -(result.diagnosticity[i.item_id] or 0),
    )
    return tuple(i.item_id for i in ranked[:3])


_STRONG_GRADES = ("A1", "A2", "B1")
_KINDS = (
    ("sensor:", "receiver", "receivers"),
    ("notam:", "NOTAM", "NOTAMs"),
    ("notam-feed", "NOTAM feed", "NOTAM feeds"),
    ("observer:", "observer", "observers"),
    ("observer-reports:", "observer network (the night's reports)", "observer networks"),
)


def root_clusters(items: Sequence[AchItem]) -> list[tuple[str, ...]]:
    """The independent roots behind ``items``: their roots' independence keys joined (union-find) wherever two
    roots share a key (spec §3). Items without keys (hand-built matrices) count each root as its own key."""
    groups: list[set[str]] = []
    for item in items:
        for keys in item.root_keys or tuple((r,) for r in item.roots):
            merged = set(keys)
            rest = []
            for group in groups:
                if group & merged:
                    merged |= group
                else:
                    rest.append(group)
            groups = [*rest, merged]
    return sorted(tuple(sorted(g)) for g in groups)


def describe_clusters(clusters: Sequence[tuple[str, ...]]) -> str:
    """What the independent roots are, in words: "3 receivers, 2 NOTAMs and 3 observers"."""
    counts: dict[tuple[str, str], int] = {}
    for cluster in clusters:
        kind = next(
            ((one, many) for prefix, one, many in _KINDS if cluster[0].startswith(prefix)),
            ("other source", "other sources"),
        )
        counts[kind] = counts.get(kind, 0) + 1
    parts = [f"{n} {one if n == 1 else many}" for (one, many), n in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


@dataclass(frozen=True, slots=True)
class ConfidenceRules:
    """What confidence needs beyond spec §1 (docs/assessment.md, "Confidence"): defaults, configurable per
    question file (``[confidence]``).

    - ``high_min_roots``: independent roots behind the key evidence for High (spec §1: 3);
    - ``high_min_margin``: High needs the top hypothesis this far above the runner-up (probability points);
    - ``low_below_margin``: a margin below this is Low (the evidence hardly separates the two);
    - ``high_min_root_kinds``: High needs roots of this many kinds of collection (receivers, NOTAMs,
      observers …): three receivers are one way of knowing, open to one failure (spoofing, a blind spot).
    """

    high_min_roots: int = 3
    high_min_margin: float = 0.30
    low_below_margin: float = 0.10
    high_min_root_kinds: int = 2

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, float]]) -> ConfidenceRules:
        """The defaults with the question file's overrides (``[confidence]``: key = number)."""
        values = dict(pairs)
        d = cls()
        return cls(
            high_min_roots=int(values.get("high_min_roots", d.high_min_roots)),
            high_min_margin=float(values.get("high_min_margin", d.high_min_margin)),
            low_below_margin=float(values.get("low_below_margin", d.low_below_margin)),
            high_min_root_kinds=int(values.get("high_min_root_kinds", d.high_min_root_kinds)),
        )


def band_deciders(result: AchResult) -> tuple[str, ...]:
    """Items on which the top hypothesis's band alone rests: dropping the item, or reading it one step weaker,
    changes the top hypothesis or its band (single-item sensitivity)."""
    out = [
        r.item_id for r in result.sensitivity if r.critical and (r.change == "drop" or r.change.startswith("weaker"))
    ]
    return tuple(dict.fromkeys(out))


def _kinds(clusters: Sequence[tuple[str, ...]]) -> set[str]:
    return {next((one for prefix, one, _ in _KINDS if c[0].startswith(prefix)), "other source") for c in clusters}


def confidence(
    result: AchResult, key: Sequence[str], open_contradictions: int, rules: ConfidenceRules | None = None
) -> tuple[Confidence, str]:
    """The deterministic confidence rule (spec §1, with the additions of docs/assessment.md) and its basis in
    words (no likelihood terms: ICD 203 keeps likelihood and confidence in separate sentences).

    Low: ≤ 1 independent root behind the key evidence, the top hypothesis flips when one item is left out, key
    evidence only from D/E/F sources, or a margin over the runner-up below ``low_below_margin``.
    High: ≥ ``high_min_roots`` roots of ≥ ``high_min_root_kinds`` kinds, one graded A1/A2/B1, no item that
    alone decides the band, a margin of at least ``high_min_margin``, no open contradiction graded C or better.
    Moderate otherwise. ``open_contradictions`` counts open contradictions, from sources graded C or better, of
    the claims behind the key evidence.
    """
    rules = rules or ConfidenceRules()
    items = {i.item_id: i for i in result.items}
    chosen = [items[k] for k in key if k in items]
    clusters = root_clusters(chosen)
    roots = len(clusters)
    kinds = _kinds(clusters)
    grades = sorted({item.grade for item in chosen if item.grade})
    strong = any(g in _STRONG_GRADES for g in grades)
    weak_only = bool(chosen) and all(
        item.reliability in (Reliability.D, Reliability.E, Reliability.F) for item in chosen
    )
    flips = bool(result.flips_when_dropped)
    deciders = [i for i in band_deciders(result) if i in items and i not in result.flips_when_dropped]
    margin = (
        result.posterior[result.top] - result.posterior[result.runner_up] if result.runner_up != result.top else 1.0
    )
    parts = [
        f"{roots} independent root{'s' if roots != 1 else ''} behind the key evidence"
        + (f" ({describe_clusters(clusters)})" if clusters else ""),
        f"grades {', '.join(grades)}" if grades else "no graded key evidence",
        (
            "the leading hypothesis changes when "
            + ", ".join(items[i].label for i in result.flips_when_dropped if i in items)
            + " is left out"
            if flips
            else "the leading hypothesis holds when any one item is left out"
        ),
    ]
    if deciders:
        parts.append(
            "the band rests on "
            + ("one item" if len(deciders) == 1 else "single items")
            + " ("
            + "; ".join(items[i].label for i in deciders)
            + "): without "
            + ("it" if len(deciders) == 1 else "any one of them")
            + " or read less firmly, the band changes"
        )
    parts.append(
        f"the margin over the runner-up is {margin * 100:.0f} points "
        f"({result.posterior[result.top]:.0%} against {result.posterior[result.runner_up]:.0%})"
    )
    parts.append(
        f"{open_contradictions} open contradiction{'s' if open_contradictions != 1 else ''} "
        "from sources graded C or better"
    )
    basis = "; ".join(parts)
    if roots <= 1 or flips or weak_only or margin < rules.low_below_margin:
        return Confidence.LOW, basis
    if (
        roots >= rules.high_min_roots
        and len(kinds) >= rules.high_min_root_kinds
        and strong
        and open_contradictions == 0
        and not deciders
        and margin >= rules.high_min_margin
    ):
        return Confidence.HIGH, basis
    return Confidence.MODERATE, basis
