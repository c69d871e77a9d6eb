"""Markdown and JSON renderings of the report document (HTML is in ``report.html``)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from airpicture.model.judgments import Judgment, judgment_to_dict
from airpicture.report.document import Document, Sentence

FORMAT_VERSION = 1


_MD_SPECIAL = re.compile(r"([\\`*\[\]|#!~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md(text: str) -> str:
    """Text from data (callsigns, NOTAM text, names) made inert in Markdown: HTML tags become entities
    (``<script>`` → ``&lt;script&gt;``), link, emphasis, code, table and heading characters are backslash-escaped
    (``[x](javascript:…)`` stays text; an underscore inside a word, which never emphasises, is left alone), an
    entity-like ``&name;`` keeps its ampersand as ``&amp;``."""
    text = _ENTITY.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ").replace("\r", " ")


def board_coverage(row: dict[str, Any]) -> str:
    """The board's coverage cell: the indicator's own coverage in words ("receivers up 100%", "4 observers",
    "2 NOTAMs on file"), never another sensor's."""
    if row.get("note"):
        return str(row["note"])
    return "n/a" if row["coverage"] is None else f"{row['coverage']:.0%}"


def _cites(s: Sentence) -> str:
    return "".join(f" [{n}]" for n in s.cites)


def line(s: Sentence) -> str:
    """A sentence with its citations before the final full stop: ``… at 18:28 UTC [1].``"""
    text = md(s.text)
    if not s.cites:
        return text
    if text.endswith("."):
        return text[:-1] + _cites(s) + "."
    return text + _cites(s)


def to_markdown(doc: Document) -> str:
    out = [f"# {md(doc.title)}", ""]
    out.append(f"*Data cut-off: {doc.cutoff.strftime('%Y-%m-%d %H:%M UTC')}. Question: {md(doc.question)}*")
    out.append("")
    out += [line(s) for s in doc.coverage] + ["", "## Key takeaways", ""]
    out += [f"- {line(s)}" for s in doc.takeaways] + [""]
    for section in doc.sections:
        out += [f"## {md(section.title)}", ""] + [line(s) for s in section.sentences] + [""]
    out += ["## Indicators board", "", "| indicator | today | baseline | state | coverage |", "|---|---|---|---|---|"]
    for r in doc.board:
        cov = board_coverage(r)
        base = "no baseline yet" if r["baseline"] is None else f"{r['baseline']:g}"
        out.append(f"| {md(r['label'])} | {r['today']:g} | {base} | {r['state']} | {md(cov)} |")
    out += ["", "## Assessment", ""] + [line(s) for s in doc.assessment]
    out += ["", "### Key evidence", ""] + [f"- {line(s)}" for s in doc.key_evidence]
    out += ["", "### Assumptions", ""] + [f"- {md(a)}" for a in doc.assumptions]
    out += ["", "### Indicators to watch", ""] + [f"- {md(w)}" for w in doc.watch]
    out += [
        "",
        "## Night activity against its baseline",
        "",
        "| night | aircraft | receiver coverage |",
        "|---|---|---|",
    ]
    out += [f"| {night} | {count} | {cov:.0%} |" for night, count, cov in doc.activity]
    baseline = "No baseline yet." if doc.baseline is None else f"Baseline: {doc.baseline:.1f} aircraft a night."
    out += ["", baseline, "", "## Endnotes", ""]
    for n in doc.endnotes:
        explain = f"; details: `{n.explain}`" if n.explain else ""
        out.append(
            f"{n.number}. {md(n.source)}; published {n.published or 'n/a'}; ingested at {n.retrieved or 'n/a'}; "
            f"{md(n.record)}; grade {n.grade}; status {md(n.status)}{explain}."
        )
    return "\n".join(out) + "\n"


def to_data(doc: Document, judgment: Judgment) -> dict[str, Any]:
    """The same content as plain data (docs/formats/report-json.md)."""

    def sentences(items: tuple[Sentence, ...]) -> list[dict[str, Any]]:
        return [{"text": s.text, "kind": s.kind.value, "cites": list(s.cites)} for s in items]

    return {
        "format": "airpicture-daily-report",
        "format_version": FORMAT_VERSION,
        "title": doc.title,
        "simulated": bool(doc.extra.get("simulated", False)),
        "day": doc.day.isoformat(),
        "region": doc.region,
        "question": doc.question,
        "cutoff": doc.cutoff.isoformat(),
        "generated_at": doc.generated_at.isoformat(),
        "coverage": sentences(doc.coverage),
        "key_takeaways": sentences(doc.takeaways),
        "sections": [{"key": s.key, "title": s.title, "sentences": sentences(s.sentences)} for s in doc.sections],
        "indicators_board": [
            {
                k: (v.isoformat() if hasattr(v, "isoformat") else list(v) if isinstance(v, tuple) else v)
                for k, v in r.items()
            }
            for r in doc.board
        ],
        "assessment": {
            "sentences": sentences(doc.assessment),
            "key_evidence": sentences(doc.key_evidence),
            "assumptions": list(doc.assumptions),
            "indicators_to_watch": list(doc.watch),
            "assessed": judgment.assessed,
            "tied": list(judgment.tied),
            "judgment": judgment_to_dict(judgment),
        },
        "night_activity": {
            "baseline": doc.baseline,
            "nights": [{"night": n, "aircraft": c, "receiver_coverage": cov} for n, c, cov in doc.activity],
        },
        "places": dict(doc.extra.get("places", {})),
        "endnotes": [asdict(n) for n in doc.endnotes],
    }


def to_json(doc: Document, judgment: Judgment) -> str:
    return json.dumps(to_data(doc, judgment), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
