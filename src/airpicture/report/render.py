"""Markdown and JSON renderings of the report document (HTML is in ``report.html``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from airpicture.model.judgments import Judgment, judgment_to_dict
from airpicture.report.document import Document, Sentence

FORMAT_VERSION = 1


def _cites(s: Sentence) -> str:
    return "".join(f" [{n}]" for n in s.cites)


def line(s: Sentence) -> str:
    """A sentence with its citations before the final full stop: ``… at 18:28 UTC [1].``"""
    text = s.text
    if not s.cites:
        return text
    if text.endswith("."):
        return text[:-1] + _cites(s) + "."
    return text + _cites(s)


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    out.append(f"*Data cut-off: {doc.cutoff.strftime('%Y-%m-%d %H:%M UTC')}. Question: {doc.question}*")
    out.append("")
    out += [line(s) for s in doc.coverage] + ["", "## Key takeaways", ""]
    out += [f"- {line(s)}" for s in doc.takeaways] + [""]
    for section in doc.sections:
        out += [f"## {section.title}", ""] + [line(s) for s in section.sentences] + [""]
    out += ["## Indicators board", "", "| indicator | today | baseline | state | coverage |", "|---|---|---|---|---|"]
    for r in doc.board:
        cov = "n/a" if r["coverage"] is None else f"{r['coverage']:.0%}"
        base = "no baseline yet" if r["baseline"] is None else f"{r['baseline']:g}"
        out.append(f"| {r['label']} | {r['today']:g} | {base} | {r['state']} | {cov} |")
    out += ["", "## Assessment", ""] + [line(s) for s in doc.assessment]
    out += ["", "### Key evidence", ""] + [f"- {line(s)}" for s in doc.key_evidence]
    out += ["", "### Assumptions", ""] + [f"- {a}" for a in doc.assumptions]
    out += ["", "### Indicators to watch", ""] + [f"- {w}" for w in doc.watch]
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
        out.append(
            f"{n.number}. {n.source}; published {n.published or 'n/a'}; retrieved {n.retrieved or 'n/a'}; "
            f"{n.record}; grade {n.grade}; status {n.status}."
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
