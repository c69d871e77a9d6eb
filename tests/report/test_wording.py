"""Issue 12 ("the report, read by an analyst") and issue 19 item 14: wording rules the lint enforces, the
Markdown rendering of hostile data, the map and the chart."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from airpicture.model.judgments import MapData
from airpicture.report.document import Kind, Sentence
from airpicture.report.lint import lint
from airpicture.report.render import md, to_markdown
from airpicture.report.svg import chart_svg, map_svg
from tests.report.test_lint import NOTE, doc

HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://evil/) **b** `c` | # h"


def test_markdown_makes_hostile_callsigns_and_notam_text_inert() -> None:
    fact = Sentence(f"ADS-B tracks show {HOSTILE} flew at 18:28 UTC.", Kind.FACT, (1,))
    note = replace(NOTE, source=HOSTILE, record=f"NOTAM A0812/22 {HOSTILE}")
    rendered = to_markdown(replace(doc(fact), endnotes=(note,), assumptions=(HOSTILE,), watch=(HOSTILE,),
                                   board=({"label": HOSTILE, "today": 1, "baseline": 0, "state": "normal",
                                           "coverage": 1.0, "note": ""},)))  # fmt: skip
    assert "<script" not in rendered
    assert not re.search(r"(?<!\\)\]\((javascript|http)", rendered)  # every bracket escaped: no link
    assert rendered.count("&lt;script&gt;") == 6  # section, endnote (source, record), assumption, watch, board
    assert md("x | y") == "x \\| y"  # never breaks a table row
    assert md("border_proximity") == "border_proximity"  # an underscore inside a word is not emphasis


def test_lint_rejects_plurals_zero_km_unended_sentences_and_repeated_judgments() -> None:
    plural = Sentence("6 observer report(s) were received.", Kind.FACT, (1,))
    zero = Sentence("NOTAM A0813/22 shows a restricted area 0 km from the Ukrainian border.", Kind.FACT, (1,))
    unended = Sentence("ADS-B tracks show an entry", Kind.FACT, (1,))
    problems = lint(doc(plural, zero, unended), "likely")
    assert any("'(s)' plural" in p for p in problems)
    assert any("at the border" in p for p in problems)
    assert any("does not end properly" in p for p in problems)
    top = Sentence("Support is likely.", Kind.JUDGMENT, (1,))
    again = Sentence("Taken together, these data points likely indicate support.", Kind.JUDGMENT, (1,))
    runner = Sentence("The runner-up, preparation, is unlikely.", Kind.JUDGMENT, (1,))
    assert any("twice in a row" in p for p in lint(doc(assessment=(top, again)), "likely"))
    assert not any("twice in a row" in p for p in lint(doc(assessment=(top, runner, again)), "likely"))


def test_lint_rejects_an_aircraft_given_its_address_twice() -> None:
    a = Sentence("ADS-B tracks show A-50 RF-50601 (14c5a9) entered at 18:28 UTC.", Kind.FACT, (1,))
    b = Sentence("ADS-B tracks show A-50 RF-50601 (14c5a9) flew an orbit.", Kind.FACT, (1,))
    assert any("one name per aircraft" in p for p in lint(doc(a, b), "likely"))
    c = Sentence("ADS-B tracks show A-50 RF-50601 flew an orbit.", Kind.FACT, (1,))
    assert not any("one name per aircraft" in p for p in lint(doc(a, c), "likely"))


SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[23, 51], [33, 51], [33, 56], [23, 56], [23, 51]]]})


def _fine_border(n: int = 20000) -> str:
    """A country outline with far more vertices than a screen can show (a wiggly circle)."""
    import math

    ring = [[28 + 4 * math.cos(2 * math.pi * k / n) + 0.001 * (k % 2), 53.5 + 2.5 * math.sin(2 * math.pi * k / n)]
            for k in range(n)]  # fmt: skip
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def test_map_is_labelled_scaled_legended_and_draws_only_what_the_text_mentions() -> None:
    orbit = json.dumps({"type": "LineString", "coordinates": [[28.3, 51.9], [28.5, 52.0], [28.3, 51.9]]})
    track_named = json.dumps({"type": "LineString", "coordinates": [[31, 54], [28, 52]]})
    track_other = json.dumps({"type": "LineString", "coordinates": [[24, 55], [25, 54]]})
    data = MapData(
        countries=(("BY", _fine_border()), ("UA", SQUARE)),
        watched="BY",
        tracks=(("14c5a9 RFF6616", track_named), ("4b1901 SWR12", track_other)),
        orbits=(("c-orbit", orbit), ("c-unmentioned", orbit)),
        markers=(("c-entry", "entry", 28.4, 51.9), ("c-launch", "missile launch", 29.2, 52.0)),
        places=(("Mazyr", 29.2163, 52.0416), ("Minsk", 27.5665, 53.9002)),
    )
    svg = map_svg(
        data,
        {"c-entry": 2, "c-launch": 19, "c-orbit": 7},
        statuses={"c-entry": "confirmed", "c-launch": "reported", "c-orbit": "confirmed"},
        named={"14c5a9"},
        simulated=True,
    )
    assert "BELARUS" in svg and "UKRAINE" in svg  # country labels
    assert ">Mazyr</text>" in svg and ">Minsk</text>" in svg  # place names
    assert re.search(r'<g class="scalebar">.*?>\d+ km</text></g>', svg)
    assert "SIMULATED DATA" in svg  # the label on the map itself
    assert svg.count('<g class="marker unconfirmed">') == 1 and svg.count('<g class="marker">') == 1
    assert svg.count('class="track"') == 1 + 1  # the named aircraft's track, and its legend line
    assert svg.count('<path class="orbit"') == 1  # the cited orbit only
    legend = re.search(r'<g class="legend">(.*?)</g>', svg)
    assert legend is not None
    words = re.findall(r"<text[^>]*>([^<]*)</text>", legend.group(1))
    assert words == [
        "Belarus (watched)",
        "track of an aircraft named in the text",
        "orbit",
        "town",
        "confirmed event (number: endnote)",
        "event not confirmed",
    ]  # fmt: skip  (no restriction drawn, none in the legend)
    # 20,000 border vertices become a few hundred: a border finer than a pixel shows nothing more
    watched_path = re.search(r'<path class="watched" d="([^"]*)"', svg)
    assert watched_path is not None and watched_path.group(1).count("L") < 1500


def test_chart_has_a_y_axis_with_values() -> None:
    svg = chart_svg([("2022-07-09", 2, 0.8), ("2022-07-10", 2, 0.85), ("2022-07-11", 10, 1.0)], 2.0, "2022-07-11")
    ticks = re.findall(r'<text class="axis" x="\d+" y="[\d.]+" text-anchor="end">(\d+)</text>', svg)
    assert ticks[:2] == ["0", "2"] and "10" in ticks
    assert ">aircraft</text>" in svg
