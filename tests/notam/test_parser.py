"""The parser against the spec's reference decode, the real UK PIB and the real Eastern-European samples."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from airpicture.decode.notam import decode_qcode, decode_text, parse_notam
from airpicture.model.notam import LimitReference, NotamKind, ParseStatus
from tests.notam.conftest import DATA, icao_text, pib


def test_reference_decode_of_the_spec() -> None:
    n = parse_notam("Q) EDGG/QRTCA/IV/BO /W /000/100/5003N00804E012")
    q = n.qline
    assert q is not None
    assert (q.fir, q.subject, q.condition, q.traffic, q.purpose, q.scope) == ("EDGG", "RT", "CA", "IV", "BO", "W")
    assert (q.lower_fl, q.upper_fl, q.radius_nm) == (0, 100, 12)
    assert q.centre is not None
    assert q.centre.lat_deg == pytest.approx(50 + 3 / 60)
    assert q.centre.lon_deg == pytest.approx(8 + 4 / 60)
    meaning = decode_qcode(q.subject, q.condition)
    assert meaning.subject == "Temporary restricted area"
    assert meaning.condition == "Activated"
    # the spans point back at the raw text
    assert n.raw[q.centre.span.start : q.centre.span.end] == "5003N00804E"
    assert n.raw[q.span.start : q.span.end] == q.raw


def _expected(ref: dict[str, str]) -> dict[str, object]:
    return {
        "id": f"{ref['Series']}{int(ref['Number']):04d}/{ref['Year']}",
        "kind": ref["Type"],
        "fir": ref["Q.FIR"],
        "subject": ref["Q.Code23"],
        "condition": ref["Q.Code45"],
        "traffic": ref["Q.Traffic"],
        "purpose": ref["Q.Purpose"],
        "scope": ref["Q.Scope"],
        "lower": int(ref["Q.Lower"]),
        "upper": int(ref["Q.Upper"]),
        "A": tuple(ref["ItemA"].split()),
        "B": ref["StartValidity"],
        "C": ref.get("EndValidity"),
        "centre": ref["Coordinates"],
        "radius": int(ref["Radius"]),
    }


def _got(text: str) -> dict[str, object]:
    n = parse_notam(text)
    q = n.qline
    c = None
    if n.permanent:
        c = "PERM"
    elif n.valid_to is not None:
        c = n.valid_to.strftime("%y%m%d%H%M") + ("EST" if n.valid_to_estimated else "")
    return {
        "id": n.id,
        "kind": n.kind.value if n.kind else None,
        "fir": q.fir if q else None,
        "subject": q.subject if q else None,
        "condition": q.condition if q else None,
        "traffic": q.traffic if q else None,
        "purpose": q.purpose if q else None,
        "scope": q.scope if q else None,
        "lower": q.lower_fl if q else None,
        "upper": q.upper_fl if q else None,
        "A": n.locations,
        "B": n.valid_from.strftime("%y%m%d%H%M") if n.valid_from else None,
        "C": c,
        "centre": q.centre.raw if q and q.centre else None,
        "radius": q.radius_nm if q else None,
    }


def test_accuracy_against_the_pib_structured_fields() -> None:
    """ICAO text of the 1,487 UK NOTAMs, parsed, agrees with the PIB XML's structured fields (bar: 99.5 %)."""
    structured = [dict(r.reference) for r in pib()]
    texts = icao_text()
    assert len(structured) == len(texts) == 1487
    failures = []
    for ref, raw in zip(structured, texts, strict=True):
        expected, got = _expected(ref), _got(raw.text)
        if expected != got:
            failures.append((expected["id"], {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}))
    share = 1 - len(failures) / len(texts)
    assert share >= 0.995, failures[:10]


def test_every_pib_notam_parses_fully() -> None:
    statuses = {parse_notam(r.text).status for r in pib()}
    assert statuses == {ParseStatus.PARSED}


def _samples() -> list[str]:
    lines = (DATA / "eastern_europe_notam_samples.txt").read_text().splitlines()
    body = "\n".join(line for line in lines if not line.startswith("#"))
    found = [c.strip() for c in re.split(r"\n\s*\n", body) if c.strip()]
    # sample 3 is quoted only in comment lines: its Q-line and E text, without header or A/B/C
    quoted = [line.lstrip("# ").rstrip() for line in lines if line.startswith("#     ") or line.startswith("#        ")]
    sample3 = "\n".join(q for q in quoted if q.startswith(("Q) UKBV", "E) DUE")) or "UIR KYIV" in q or "STATE AIR" in q)
    return [*found, sample3]


def test_all_five_eastern_european_samples_parse() -> None:
    samples = _samples()
    assert len(samples) == 5
    parsed = [parse_notam(s) for s in samples]
    a0003, a0024, q0381, u0216, a0640 = parsed[0], parsed[1], parsed[2], parsed[3], parsed[4]
    assert a0003.id == "A0003/23" and a0003.kind is NotamKind.REPLACE and a0003.ref_id == "A0640/22"
    assert a0003.locations == ("UKBV", "UKDV", "UKFV", "UKLV", "UKOV")
    assert a0003.valid_to == datetime(2023, 4, 10, 23, 59, tzinfo=UTC) and a0003.valid_to_estimated
    assert a0003.qline is not None and a0003.qline.code == "QAFXX" and a0003.qline.radius_nm == 999
    assert a0024.status is ParseStatus.PARSED and a0024.qline is not None and a0024.qline.traffic == "I"
    # run-together "NOTAMNQ)" and items without spaces
    assert q0381.status is ParseStatus.PARSED
    assert q0381.qline is not None and q0381.qline.code == "QARLC" and q0381.locations == ("UMKK",)
    assert q0381.schedule == "12-15 0600-2200"
    assert q0381.text.startswith("FLW ATS RTE SEGMENTS CLSD")
    # opening parenthesis, PERM, truncated E text
    assert u0216.id == "U0216/25" and u0216.permanent and u0216.status is ParseStatus.PARSED
    # Q-line and E only: partly read, and the issues say which items are missing
    assert a0640.qline is not None and a0640.qline.fir == "UKBV" and "MILITARY INVASION" in a0640.text
    assert {i.item for i in a0640.issues} >= {"header", "A", "B", "C"}
    for n in parsed[:4]:
        assert n.status is ParseStatus.PARSED, n.issues


def test_q0381_schedule_and_limits_from_the_q_line() -> None:
    r = decode_text(_samples()[2])
    assert r.lower_ft == 4500 and r.upper_ft == 13000
    assert r.schedule is not None and r.schedule.readable


@pytest.mark.parametrize(
    ("text", "ft", "ref"),
    [
        ("SFC", 0.0, LimitReference.SFC),
        ("GND", 0.0, LimitReference.SFC),
        ("UNL", None, LimitReference.UNL),
        ("FL100", 10000.0, LimitReference.FL),
        ("2000FT AMSL", 2000.0, LimitReference.AMSL),
        ("500FT AGL", 500.0, LimitReference.AGL),
        ("3050M AMSL", 10006.6, LimitReference.AMSL),
    ],
)
def test_vertical_limits_in_feet(text: str, ft: float | None, ref: LimitReference) -> None:
    n = parse_notam(f"A0001/26 NOTAMN\nQ) UMMV/QRTCA/IV/BO/W/000/999/5300N02800E010\nA) UMMV B) 2607010000 "
                   f"C) 2607020000\nE) TEST\nF) SFC G) {text}")  # fmt: skip
    assert n.upper is not None and n.upper.ft == ft and n.upper.reference is ref


def test_envelope_parentheses_footer_and_est_without_space() -> None:
    text = (
        "GG EUECYIYN\n151542 LSSNYNYX\n(B1234/22 NOTAMN\nQ) UMMV/QRTCA/IV/BO /W /000/100/5200N02800E030\n"
        "A) UMMV B) 2207110000 C) 2207312359EST\nE) TEMPO RESTRICTED AREA ACTIVATED.)\nCREATED: 11 Jul 2022 00:00:00\n"
        "SOURCE: EUECYIYN\nNNNN"
    )
    n = parse_notam(text)
    assert n.status is ParseStatus.PARSED, n.issues
    assert n.valid_to_estimated and n.text == "TEMPO RESTRICTED AREA ACTIVATED."
    assert n.qline is not None and (n.qline.purpose, n.qline.scope) == ("BO", "W")


def test_bad_items_are_reported_with_item_and_offset_and_the_rest_is_kept() -> None:
    text = (
        "A0007/26 NOTAMN\nQ) EGTT/QRTCA/IV/BO/W/000/100/5003N00804E012\n"
        "A) EGTT B) 2608010000 C) 26AB010000\nE) X\nF) HIGH"
    )
    n = parse_notam(text)
    assert n.status is ParseStatus.PARTIAL
    by_item = {i.item: i for i in n.issues}
    assert set(by_item) == {"C", "F"}
    assert text[by_item["C"].offset :].startswith("26AB010000")
    assert text[by_item["F"].offset :].startswith("HIGH")
    assert "A0007/26" in str(by_item["C"].as_error("file.txt"))
    assert n.valid_to is None and n.qline is not None and n.text == "X"


def test_garbage_fails_without_raising() -> None:
    n = parse_notam("\x00\x01 not a notam at all")
    assert n.status is ParseStatus.FAILED and n.issues[0].item == "header"
