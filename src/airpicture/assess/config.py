"""Questions, hypotheses and indicators as data: one TOML file per region (docs/hypotheses.md).

Shipped files live in ``assess/data/<region>.toml``; a file of the same name in one of the extra folders
wins. Every problem is a ``ConfigError`` naming the file, the key and what was expected.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from airpicture.model.errors import ConfigError
from airpicture.model.judgments import Hypothesis, Indicator, Question, Rating, Weight

SECTIONS = ("aviation", "restrictions", "missiles", "ground")
METRICS = ("", "night_activity")
COVERAGE_SOURCES = ("receivers", "notams", "observers")
CONFIDENCE_KEYS = ("high_min_roots", "high_min_margin", "low_below_margin", "high_min_root_kinds")


def shipped_regions() -> list[str]:
    """Regions with a shipped question file."""
    folder = resources.files("airpicture.assess").joinpath("data")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_question(region: str, dirs: Sequence[Path] = ()) -> Question:
    """The question file of ``region``: the first ``<region>.toml`` in ``dirs``, else the shipped one."""
    for folder in dirs:
        candidate = Path(folder) / f"{region}.toml"
        if candidate.is_file():
            return parse_question(candidate.read_text(encoding="utf-8"), str(candidate))
    shipped = resources.files("airpicture.assess").joinpath("data", f"{region}.toml")
    if not shipped.is_file():
        raise ConfigError(
            "no question file for this region",
            where=f"region {region}",
            expected=f"one of {', '.join(shipped_regions())} or <region>.toml in region_dirs",
        )
    return parse_question(shipped.read_text(encoding="utf-8"), f"airpicture/assess/data/{region}.toml")


def _get(table: Mapping[str, Any], key: str, where: str, kind: type, default: Any = None) -> Any:
    if key not in table:
        if default is None:
            raise ConfigError("missing key", where=f"{where}: {key}", expected=kind.__name__)
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind):
        raise ConfigError("bad value", where=f"{where}: {key}", found=repr(value), expected=kind.__name__)
    return value


def _ratings(table: Any, hyp_ids: Sequence[str], where: str) -> tuple[tuple[str, Rating], ...]:
    if not isinstance(table, dict):
        raise ConfigError("bad value", where=where, found=repr(table), expected="a table of hypothesis = rating")
    unknown = sorted(set(table) - set(hyp_ids))
    if unknown:
        raise ConfigError("unknown hypothesis", where=where, found=", ".join(unknown), expected=", ".join(hyp_ids))
    out = []
    for hyp in hyp_ids:
        raw = table.get(hyp, "NA")
        try:
            out.append((hyp, Rating(str(raw).upper())))
        except ValueError:
            raise ConfigError(
                "bad rating", where=f"{where}.{hyp}", found=repr(raw), expected="CC, C, N, I, II or NA"
            ) from None
    return tuple(out)


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("bad value", where=f"{where}: {key}", found=repr(value), expected="a list of strings")
    return tuple(value)


def parse_question(text: str, where: str) -> Question:
    """Parse one question file (TOML text); ``where`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=where) from None
    q = data.get("question")
    if not isinstance(q, dict):
        raise ConfigError("missing [question] table", where=where)
    hyps_raw = data.get("hypothesis", [])
    if not isinstance(hyps_raw, list) or len(hyps_raw) < 2:
        raise ConfigError("too few hypotheses", where=f"{where}: [[hypothesis]]", expected="at least two")
    hypotheses = []
    for i, h in enumerate(hyps_raw):
        w = f"{where}: hypothesis {i + 1}"
        prior = _get(h, "prior", w, float, 1.0 / len(hyps_raw))
        if not (0 < prior <= 1) or math.isnan(prior):
            raise ConfigError("bad prior", where=f"{w}: prior", found=str(prior), expected="0 < prior <= 1")
        hypotheses.append(
            Hypothesis(_get(h, "id", w, str), _get(h, "label", w, str), _get(h, "proposition", w, str), prior)
        )
    ids = [h.hyp_id for h in hypotheses]
    if len(set(ids)) != len(ids):
        raise ConfigError("duplicate hypothesis id", where=where, found=", ".join(ids))
    if not any(h.hyp_id == "other" for h in hypotheses):
        raise ConfigError("no 'other' hypothesis", where=where, expected='an exhaustive set includes id = "other"')
    if abs(sum(h.prior for h in hypotheses) - 1.0) > 1e-6:
        raise ConfigError("priors do not sum to 1", where=where, found=f"{sum(h.prior for h in hypotheses):.4f}")
    indicators = []
    for i, t in enumerate(data.get("indicator", [])):
        w = f"{where}: indicator {i + 1}"
        section = _get(t, "section", w, str)
        if section not in SECTIONS:
            raise ConfigError("bad section", where=f"{w}: section", found=section, expected=", ".join(SECTIONS))
        metric = _get(t, "metric", w, str, "")
        if metric not in METRICS:
            raise ConfigError("unknown metric", where=f"{w}: metric", found=metric, expected="night_activity")
        attributes = t.get("attributes", {})
        if not isinstance(attributes, dict):
            raise ConfigError("bad value", where=f"{w}: attributes", expected="a table of key = value")
        try:
            relevance = Weight(_get(t, "relevance", w, str, "M").upper())
        except ValueError:
            raise ConfigError("bad relevance", where=f"{w}: relevance", expected="L, M or H") from None
        coverage_source = _get(t, "coverage_source", w, str, "receivers")
        if coverage_source not in COVERAGE_SOURCES:
            raise ConfigError(
                "bad coverage source",
                where=f"{w}: coverage_source",
                found=coverage_source,
                expected=", ".join(COVERAGE_SOURCES),
            )
        indicators.append(
            Indicator(
                indicator_id=_get(t, "id", w, str),
                label=_get(t, "label", w, str),
                section=section,
                ratings=_ratings(t.get("ratings"), ids, f"{w}: ratings"),
                relevance=relevance,
                event_types=_strings(t, "event_types", w),
                subject_types=_strings(t, "subject_types", w),
                subject_roles=_strings(t, "subject_roles", w),
                attributes=tuple((str(k), str(v)) for k, v in sorted(attributes.items())),
                min_status=_get(t, "min_status", w, str, "reported"),
                metric=metric,
                absence_label=_get(t, "absence_label", w, str, ""),
                absence_ratings=_ratings(t["absence_ratings"], ids, f"{w}: absence_ratings")
                if "absence_ratings" in t
                else (),
                min_coverage=_get(t, "min_coverage", w, float, 0.5),
                watch=_get(t, "watch", w, str, ""),
                assumption=_get(t, "assumption", w, str, ""),
                coverage_source=coverage_source,
                min_observers=_get(t, "min_observers", w, int, 3),
            )
        )
    w = f"{where}: question"
    tie_epsilon = _get(q, "tie_epsilon", w, float, 0.01)
    if not 0 <= tie_epsilon < 0.5:
        raise ConfigError("bad tie_epsilon", where=f"{w}: tie_epsilon", found=str(tie_epsilon), expected="0 <= x < 0.5")
    rules = data.get("confidence", {})
    if not isinstance(rules, dict):
        raise ConfigError("bad value", where=f"{where}: confidence", expected="a table of rule = number")
    unknown = sorted(set(rules) - set(CONFIDENCE_KEYS))
    if unknown:
        raise ConfigError(
            "unknown confidence rule", where=f"{where}: confidence", found=", ".join(unknown),
            expected=", ".join(CONFIDENCE_KEYS),
        )  # fmt: skip
    confidence_rules = tuple((k, _get(rules, k, f"{where}: confidence", float)) for k in CONFIDENCE_KEYS if k in rules)
    for key, value in confidence_rules:
        if math.isnan(value) or value < 0 or (key.endswith("margin") and value > 1):
            raise ConfigError(
                "bad value", where=f"{where}: confidence.{key}", found=str(value), expected="0 <= x (<= 1)"
            )
    return Question(
        confidence_rules=confidence_rules,
        question_id=_get(q, "id", w, str),
        region=_get(q, "region", w, str),
        text=_get(q, "text", w, str),
        hypotheses=tuple(hypotheses),
        indicators=tuple(indicators),
        timezone=_get(q, "timezone", w, str, "UTC"),
        day_start_local=_get(q, "day_start_local", w, str, "12:00"),
        night_start_local=_get(q, "night_start_local", w, str, "20:00"),
        night_end_local=_get(q, "night_end_local", w, str, "06:00"),
        baseline_days=_get(q, "baseline_days", w, int, 14),
        novelty_gap_days=_get(q, "novelty_gap_days", w, int, 30),
        airline_callsign_pattern=_get(q, "airline_callsign_pattern", w, str, "^[A-Z]{3}[0-9]"),
        assumptions=_strings(q, "assumptions", w),
        tie_epsilon=tie_epsilon,
    )
