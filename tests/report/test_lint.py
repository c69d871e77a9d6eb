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
