"""Property: ``parse(format(n)) == n`` for NOTAMs built from generated fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.decode.notam import format_notam, parse_notam
from airpicture.model.notam import ParseStatus

letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
icao = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=4)
words = st.lists(
    st.text("ABCDEFGHIJKLMNOPRSTUVWXYZ0123456789.,-/", min_size=1, max_size=10).filter(lambda w: ")" not in w),
    min_size=1,
    max_size=12,
)
limits = st.sampled_from(["SFC", "GND", "UNL", "FL100", "FL245", "2000FT AMSL", "500FT AGL", "3050M AMSL"])


@st.composite
def notam_texts(draw: st.DrawFn) -> str:
    minutes = draw(st.integers(0, 98 * 365 * 24 * 60))
    start = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    end = start + timedelta(minutes=draw(st.integers(1, 500_000)))
    kind = draw(st.sampled_from("NRC"))
    ident = f"{draw(letters)}{draw(st.integers(1, 9999)):04d}/{start:%y}"
    header = f"{ident} NOTAM{kind}" + (
        f" {draw(letters)}{draw(st.integers(1, 9999)):04d}/{start:%y}" if kind != "N" else ""
    )
    lat, lon = draw(st.integers(0, 89)), draw(st.integers(0, 179))
    geo = f"{lat:02d}{draw(st.integers(0, 59)):02d}{draw(st.sampled_from('NS'))}{lon:03d}{draw(st.integers(0, 59)):02d}"
    geo += f"{draw(st.sampled_from('EW'))}{draw(st.integers(1, 999)):03d}"
    traffic = draw(st.sampled_from(["I", "V", "IV"]))
    purpose = draw(st.sampled_from(["NBO", "BO", "M"]))
    scope = draw(st.sampled_from(["A", "E", "W", "AE", "AW"]))
    q = "/".join(
        [draw(icao), "Q" + draw(icao), traffic, purpose, scope, "000", f"{draw(st.integers(1, 999)):03d}", geo]
    )
    locations = " ".join(draw(st.lists(icao, min_size=1, max_size=4)))
    c = "PERM" if draw(st.booleans()) else f"{end:%y%m%d%H%M}" + (" EST" if draw(st.booleans()) else "")
    lines = [header, f"Q) {q}", f"A) {locations} B) {start:%y%m%d%H%M} C) {c}"]
    if draw(st.booleans()):
        lines.append(f"D) {draw(st.sampled_from(['H24', 'MON-FRI 0700-1500', 'SR-SS', '0600-2200']))}")
    lines.append("E) " + " ".join(draw(words)))
    if draw(st.booleans()):
        lines.append(f"F) {draw(limits)} G) {draw(limits)}")
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(notam_texts())
def test_parse_format_round_trip(text: str) -> None:
    n = parse_notam(text)
    assert n.status is ParseStatus.PARSED, n.issues
    assert parse_notam(format_notam(n)) == n
    # and formatting is canonical: the generated text is already in the canonical layout
    assert format_notam(n) == text
