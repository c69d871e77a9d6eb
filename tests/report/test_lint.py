"""The renderer lint (spec assessment.md §5) rejects each rule it names."""

from __future__ import annotations

from datetime import UTC, date, datetime

from airpicture.report.document import Document, Endnote, Kind, Section, Sentence
from airpicture.report.lint import lint

T = datetime(2022, 7, 12, tzinfo=UTC)
NOTE = Endnote(1, "c-1", "ADS-B tracks", "2022-07-11T18:28Z", "2022-07-12T09:00Z", "claim c-1", "B3", "reported")


def doc(*sentences: Sentence, assessment: tuple[Sentence, ...] = ()) -> Document:
    return Document(
        "t", date(2022, 7, 11), "belarus", "q", T, T, (), (), (Section("aviation", "Aviation", sentences),), (),
        assessment, (), (), (), (NOTE,), (), 0.0, "j-1",
    )  # fmt: skip


def test_clean_document_passes() -> None:
    ok = doc(Sentence("ADS-B tracks reported an entry.", Kind.FACT, (1,)))
    assert lint(ok, "likely") == []


def test_fact_without_citation() -> None:
    assert any("without a citation" in p for p in lint(doc(Sentence("X reported Y.", Kind.FACT)), "likely"))


def test_likelihood_and_confidence_in_one_sentence() -> None:
    bad = Sentence("This is likely, and we have high confidence.", Kind.JUDGMENT, (1,))
    assert any("one sentence" in p for p in lint(doc(assessment=(bad,)), "likely"))


def test_mixed_rows() -> None:
    a = Sentence("A is likely.", Kind.JUDGMENT, (1,))
    b = Sentence("B is improbable.", Kind.JUDGMENT, (1,))
    assert any("mixed" in p for p in lint(doc(assessment=(a, b)), "likely"))


def test_weasel_modals_in_key_judgments() -> None:
    for word in ("could", "may", "suggests"):
        bad = Sentence(f"This {word} indicate preparation.", Kind.JUDGMENT, (1,))
        assert any("weasel" in p for p in lint(doc(assessment=(bad,)), "likely"))


def test_taken_together_adverb_must_equal_band() -> None:
    bad = Sentence("Taken together, these data points very likely indicate X.", Kind.JUDGMENT, (1,))
    assert any("adverb" in p for p in lint(doc(assessment=(bad,)), "likely"))
    good = Sentence("Taken together, these data points likely indicate X.", Kind.JUDGMENT, (1,))
    assert lint(doc(assessment=(good,)), "likely") == []


def test_citation_without_endnote() -> None:
    assert any("no endnote" in p for p in lint(doc(Sentence("X reported Y.", Kind.FACT, (7,))), "likely"))


def test_status_clause_must_end_the_sentence() -> None:
    spliced = Sentence(
        "ADS-B tracks reported A-50 entered Belarusian airspace at 18:28 UTC; this could not be independently "
        "confirmed, the first time since 4 April 2022.",
        Kind.FACT,
        (1,),
    )
    assert any("must end the sentence" in p for p in lint(doc(spliced), "likely"))


def test_new_sentence_forms_pass() -> None:
    forms = (
        "ADS-B tracks from 2 receivers show A-50 RF-50601 (14c5a9) entered Belarusian airspace from Russia at "
        "18:28 UTC, the first time since 4 April 2022.",
        "ADS-B tracks from one receiver show Il-76 EW-383TH stopped transmitting inside the region at 20:29 UTC, "
        "the first time since monitoring began (4 April 2022); this could not be independently confirmed.",
        "An observer reported helicopter activity near Pribytki Air Base (Zyabrovka) at 20:50 UTC; ADS-B tracks "
        "from 2 receivers confirm it.",
        "ADS-B positions with degraded navigation from 3 receivers show GNSS interference affecting aircraft "
        "25 km SW of Mazyr from 20:04 UTC to 22:21 UTC.",
        "The gnss interference detector (aggregated from receiver data; no single raw record cited) reported GNSS "
        "interference; this could not be independently confirmed.",
        "Night-activity counts (aggregated from receiver data; no single raw record cited) reported a night surge: "
        "5 aircraft-hours of AEW&C aircraft against 0 expected from the baseline, between 18:00 UTC and 03:00 UTC; "
        "this could not be independently confirmed.",
    )
    tie = Sentence(
        "No hypothesis is favoured over the others: routine activity and support short of involvement are each "
        "unlikely.",
        Kind.JUDGMENT,
        (1,),
    )
    document = doc(*(Sentence(f, Kind.FACT, (1,)) for f in forms), assessment=(tie,))
    assert lint(document, "unlikely") == []


def test_nothing_to_assess_states_no_band_and_no_confidence() -> None:
    nothing = Sentence(
        "There is nothing to assess for this night: no receiver data with enough coverage, no observer report "
        "and no NOTAM bears on the question, so no judgment is made.",
        Kind.JUDGMENT,
        (1,),
    )
    assert lint(doc(assessment=(nothing,)), "") == []
    banded = Sentence("Support is unlikely.", Kind.JUDGMENT, (1,))
    confident = Sentence("We have low confidence in this assessment. Its basis: none.", Kind.CONFIDENCE, (1,))
    problems = lint(doc(assessment=(nothing, banded, confident)), "")
    assert sum("nothing was assessed" in p for p in problems) == 2


def test_surge_metrics_read_as_words() -> None:
    from airpicture.report.document import _surge_metric

    assert _surge_metric("aircraft_hours/AEW&C") == "aircraft-hours of AEW&C aircraft"
    assert _surge_metric("aircraft_hours/all") == "aircraft-hours in the air"
    assert _surge_metric("movements/UMMS") == "take-offs and landings at UMMS"
    assert _surge_metric("movements/military") == "military take-offs and landings"


def test_markers_at_one_place_share_one_label_on_the_map() -> None:
    import json as _json
    import re

    from airpicture.model.judgments import MapData
    from airpicture.report.svg import map_svg

    square = _json.dumps({"type": "Polygon", "coordinates": [[[23, 51], [33, 51], [33, 56], [23, 56], [23, 51]]]})
    data = MapData(
        countries=(("BY", square),),
        watched="BY",
        markers=(("c-a", "entry", 28.4, 51.9), ("c-b", "orbit", 28.401, 51.901), ("c-c", "landing", 24.0, 55.0)),
    )
    svg = map_svg(data, {"c-a": 13, "c-b": 2, "c-c": 7})
    labels = re.findall(r'<text class="marker-label"[^>]*>([^<]*)</text>', svg)
    assert sorted(labels) == ["2, 13", "7"]
    assert svg.count('<g class="marker') == 3  # every event keeps its own marker
