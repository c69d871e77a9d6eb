"""Parser defects met on real-world input (issues #13 and #19): each case is built like the real one."""

from __future__ import annotations

import pytest

from airpicture.decode.notam import decode_text, parse_notam
from airpicture.model.notam import NotamKind, ParseStatus


def _notam(qline: str, *, header: str = "A0100/22 NOTAMN", b: str = "2207100000", c: str = "2207202359",
           e: str = "AREA CLSD.") -> str:  # fmt: skip
    return f"{header}\nQ) {qline}\nA) UHMA B) {b} C) {c}\nE) {e}"


def test_an_empty_q_line_field_stays_empty_and_the_rest_keeps_its_place() -> None:
    # As in real Russian NOTAMs: one empty field where traffic and purpose should be.
    n = parse_notam(_notam("UHMM/QLCXX//A/000/999/6444N17744E005"))
    q = n.qline
    assert q is not None
    assert (q.traffic, q.purpose, q.scope, q.lower_fl, q.upper_fl, q.radius_nm) == ("", "", "A", 0, 999, 5)
    assert q.centre is not None and q.centre.lat_deg == pytest.approx(64 + 44 / 60)
    assert [i.item for i in n.issues] == ["Q"] and "7 fields, expected 8" in n.issues[0].reason
    r = decode_text(_notam("UHMM/QLCXX//A/000/999/6444N17744E005"))
    assert r.lower_ft == 0.0 and r.upper_ft is None and r.areas and r.areas[0].source.value == "q-line"


@pytest.mark.parametrize(
    ("qline", "expected"),
    [
        ("UKBV/QAFXX/IV/NBO/E /000/999/", ("IV", "NBO", "E", 0, 999, None)),  # empty GEO, 8 fields
        ("UKBV/QAFXX/IV/NBO/E/000/999", ("IV", "NBO", "E", 0, 999, None)),  # GEO field missing
        ("UUWV/QRTCA/IV//W/000/100/5535N03716E010", ("IV", "", "W", 0, 100, 10)),  # empty purpose
        ("UUWV/QRTCA///W/000/100/5535N03716E010", ("", "", "W", 0, 100, 10)),  # both empty, 8 fields
        ("EGTT/QWULW/IV/BO/W/000/004/5130N00010W001/", ("IV", "BO", "W", 0, 4, 1)),  # trailing slash
    ],
)
def test_q_line_fields_are_positional(qline: str, expected: tuple[object, ...]) -> None:
    q = parse_notam(_notam(qline)).qline
    assert q is not None
    assert (q.traffic, q.purpose, q.scope, q.lower_fl, q.upper_fl, q.radius_nm) == expected


def test_a_fir_designator_of_three_letters_is_read_and_flagged() -> None:
    n = parse_notam(_notam("ZDC/QRTCA/IV/BO/W/000/180/3851N07702W030"))
    q = n.qline
    assert q is not None and (q.fir, q.code, q.upper_fl, q.radius_nm) == ("ZDC", "QRTCA", 180, 30)
    assert n.status is ParseStatus.PARTIAL
    assert any("FIR 'ZDC' is not a 4-letter" in i.reason for i in n.issues)


@pytest.mark.parametrize("wrapped", [False, True])
def test_item_e_keeps_its_own_closing_parenthesis(wrapped: bool) -> None:
    text = _notam("EGTT/QRDCA/IV/BO/W/000/100/5130N00010W005", e="DANGER AREA ACT (REF AIP ENR 5.1)")
    if wrapped:
        text = f"({text})\nCREATED: 09 Jul 2022 10:00:00"
    assert parse_notam(text).text == "DANGER AREA ACT (REF AIP ENR 5.1)"


def test_a_wrapped_notam_loses_only_its_wrapping_parenthesis() -> None:
    text = "(" + _notam("EGTT/QRDCA/IV/BO/W/000/100/5130N00010W005", e="DANGER AREA ACT.") + ")"
    assert parse_notam(text).text == "DANGER AREA ACT."


def test_notamn_followed_by_a_reference_is_flagged() -> None:
    n = parse_notam(_notam("UMMV/QRTCA/IV/BO/W/000/100/5145N02930E020", header="A0101/22 NOTAMN A0100/22"))
    assert n.kind is NotamKind.NEW and n.status is ParseStatus.PARTIAL
    assert any(i.item == "header" and "NOTAMN followed by a reference A0100/22" in i.reason for i in n.issues)


@pytest.mark.parametrize("c", ["2207110400", "2207111700"])
def test_item_c_not_after_item_b_is_rejected(c: str) -> None:
    # #19: stored and later reported as "valid from 11 Jul 17:00 to 11 Jul 04:00".
    n = parse_notam(_notam("UMMV/QRTCA/IV/BO/W/000/100/5145N02930E020", b="2207111700", c=c))
    assert n.status is ParseStatus.FAILED and n.rejected
    assert n.valid_from is None and n.valid_to is None  # never in force
    assert any(i.item == "C" and i.rejected and "not after item B" in i.reason for i in n.issues)


def test_faa_number_header_is_read() -> None:
    n = parse_notam(_notam("ZDC/QRTCA/IV/BO/W/000/180/3851N07702W030", header="07/016 NOTAMN"))
    assert (n.id, n.number, n.year, n.kind) == ("07/016", 16, 22, NotamKind.NEW)
    assert any("FAA number" in i.reason for i in n.issues)


def test_faa_domestic_notam_fails_alone_with_a_clear_reason() -> None:
    n = parse_notam("!BNA 07/016 BNA RWY 2R/20L CLSD 2207141300-2207142100\nCREATED: 14 Jul 2022 12:00:00")
    assert (n.id, n.locations, n.status) == ("BNA 07/016", ("BNA",), ParseStatus.FAILED)
    assert n.valid_from is not None and n.valid_from.hour == 13 and n.valid_to is not None
    assert n.text == "RWY 2R/20L CLSD 2207141300-2207142100"
    assert "FAA domestic format" in n.issues[0].reason


@pytest.mark.parametrize("vertex", ["913000N0274500E", "526000N0274500E", "523000N1814500E", "N526000 E0274500"])
def test_an_out_of_range_coordinate_rejects_the_notam_instead_of_dropping_a_vertex(vertex: str) -> None:
    e = f"TEMPO RESTRICTED AREA 523000N0274500E-{vertex}-524500N0290000E-523000N0274500E."
    n = parse_notam(_notam("UMMV/QRTCA/IV/BO/W/000/100/5230N02800E030", e=e))
    assert n.rejected and n.status is ParseStatus.FAILED
    bad = next(i for i in n.issues if i.rejected)
    assert bad.item == "E" and n.raw[bad.offset : bad.offset + len(vertex)] == vertex
