"""Self-contained HTML: inline CSS and SVG, no scripts, no external requests (a test opens it in Chromium)."""

from __future__ import annotations

from html import escape

from airpicture.model.judgments import MapData
from airpicture.report.document import Document, Sentence
from airpicture.report.render import board_coverage

CSS = """
body{font:15px/1.5 Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1d;background:#fff}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}
.meta{color:#555;font-style:italic}sup a{text-decoration:none}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left}
.state-elevated{background:#ffe8b3}.state-novel{background:#ffc9c0}
.map,.chart{width:100%;height:auto;border:1px solid #ccc;background:#fff}
.sea{fill:#eef4f8}.country{fill:#f4f1ea;stroke:#888;stroke-width:.8}.watched{fill:#fffbe0;stroke:#333;stroke-width:1.4}
.restriction{fill:rgba(200,30,30,.18);stroke:#c81e1e;stroke-width:1.2;stroke-dasharray:4 2}
.track{fill:none;stroke:#1f5fa8;stroke-width:1.1;opacity:.75}.orbit{fill:none;stroke:#8a2be2;stroke-width:2}
.marker circle{fill:#d2691e;stroke:#fff;stroke-width:1}.marker-label{font:11px sans-serif;fill:#222}
.bar{fill:#8fb3d9}.bar.today{fill:#d2691e}.baseline{stroke:#333;stroke-dasharray:5 3}.axisline{stroke:#999}
.axis{font:11px sans-serif;fill:#444}ol.endnotes li{margin-bottom:.3rem;font-size:.9rem}
.marker.unconfirmed circle,circle.marker.unconfirmed{fill:#fff;stroke:#d2691e;stroke-width:1.6;stroke-dasharray:2 1.5}
circle.marker{fill:#d2691e}.place{fill:#444}.place-label{font:10px sans-serif;fill:#333}
.country-label{font:bold 12px sans-serif;fill:#8a8a8a;letter-spacing:.12em}
.scalebar line{stroke:#222;stroke-width:1.5}.scalebar text,.legend text{font:10px sans-serif;fill:#222}
.legend-box{fill:rgba(255,255,255,.88);stroke:#999}.legend line.track{stroke-width:2}
.simulated{font:bold 14px sans-serif;fill:#b00020}.tick{stroke:#999}
"""


def _sentence(s: Sentence) -> str:
    text = escape(s.text)
    sup = "".join(f'<sup><a href="#n{n}">[{n}]</a></sup>' for n in s.cites)
    return text[:-1] + sup + "." if text.endswith(".") and sup else text + sup


def to_html(doc: Document, map_svg: str, chart_svg: str, map_data: MapData) -> str:
    del map_data
    p: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(doc.title)}</h1>",
        f'<p class="meta">Data cut-off {doc.cutoff.strftime("%Y-%m-%d %H:%M UTC")}. '
        f"Question: {escape(doc.question)}</p>",
    ]
    p += [f"<p>{_sentence(s)}</p>" for s in doc.coverage]
    p.append("<h2>Key takeaways</h2><ul>" + "".join(f"<li>{_sentence(s)}</li>" for s in doc.takeaways) + "</ul>")
    p.append("<h2>Map</h2>" + map_svg)  # its legend is drawn inside it, from what it draws
    for section in doc.sections:
        p.append(f"<h2>{escape(section.title)}</h2>" + "".join(f"<p>{_sentence(s)}</p>" for s in section.sentences))
    p.append("<h2>Night activity against its baseline</h2>" + chart_svg)
    rows = "".join(
        f'<tr class="state-{escape(r["state"])}"><td>{escape(r["label"])}</td><td>{r["today"]:g}</td>'
        f"<td>{'no baseline yet' if r['baseline'] is None else format(r['baseline'], 'g')}</td>"
        f"<td>{escape(r['state'])}</td><td>{escape(board_coverage(r))}</td></tr>"
        for r in doc.board
    )
    p.append(
        "<h2>Indicators board</h2><table><thead><tr><th>indicator</th><th>today</th><th>baseline</th>"
        f"<th>state</th><th>coverage</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    p.append("<h2>Assessment</h2>" + "".join(f"<p>{_sentence(s)}</p>" for s in doc.assessment))
    p.append("<h3>Key evidence</h3><ul>" + "".join(f"<li>{_sentence(s)}</li>" for s in doc.key_evidence) + "</ul>")
    p.append("<h3>Assumptions</h3><ul>" + "".join(f"<li>{escape(a)}</li>" for a in doc.assumptions) + "</ul>")
    p.append("<h3>Indicators to watch</h3><ul>" + "".join(f"<li>{escape(w)}</li>" for w in doc.watch) + "</ul>")
    notes = "".join(
        f'<li id="n{n.number}">{escape(n.source)}; published {escape(n.published or "n/a")}; ingested at '
        f"{escape(n.retrieved or 'n/a')}; {escape(n.record)}; grade {escape(n.grade)}; status {escape(n.status)}"
        + (f"; details: <code>{escape(n.explain)}</code>" if n.explain else "")
        + ".</li>"
        for n in doc.endnotes
    )
    p.append(f'<h2>Endnotes</h2><ol class="endnotes">{notes}</ol>')
    p.append(f'<p class="meta">Judgment {escape(doc.judgment_id)}; generated {doc.generated_at.isoformat()}.</p>')
    p.append("</body></html>")
    return "\n".join(p) + "\n"
