"""The daily air-picture report: document, lint, Markdown/HTML/JSON renderings (spec assessment.md §5)."""

from __future__ import annotations

from dataclasses import dataclass

from airpicture.model.judgments import ReportInputs
from airpicture.report.build import build_document
from airpicture.report.document import Document
from airpicture.report.html import to_html
from airpicture.report.lint import ReportLintError, check, lint
from airpicture.report.render import to_json, to_markdown
from airpicture.report.svg import chart_svg, map_svg

FORMATS = ("html", "md", "json")


@dataclass(frozen=True, slots=True)
class Rendered:
    document: Document
    outputs: dict[str, str]


def render_report(inputs: ReportInputs, formats: tuple[str, ...] = FORMATS) -> Rendered:
    """Build, lint (raises ``ReportLintError``) and render the report in ``formats``."""
    doc = build_document(inputs)
    check(doc, inputs.judgment.band)
    outputs: dict[str, str] = {}
    if "md" in formats:
        outputs["md"] = to_markdown(doc)
    if "json" in formats:
        outputs["json"] = to_json(doc, inputs.judgment)
    if "html" in formats:
        cites = {n.ref: n.number for n in doc.endnotes}
        statuses = {n.ref: n.status for n in doc.endnotes}
        named = {*doc.extra.get("named_aircraft", ()), *doc.extra.get("named_notams", ())}
        outputs["html"] = to_html(
            doc,
            map_svg(inputs.map, cites, statuses=statuses, named=named, simulated=inputs.simulated),
            chart_svg(doc.activity, doc.baseline, doc.day.isoformat()),
            inputs.map,
        )
    return Rendered(doc, outputs)


__all__ = ["FORMATS", "Document", "Rendered", "ReportLintError", "build_document", "lint", "render_report"]
