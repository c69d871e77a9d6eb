"""Redaction of report free text (issue 19, items 2, 10 and 13): whole classes of identifiers, generated
Belarusian, Russian and Ukrainian phone formats in several scripts, real dates kept, and linear cost."""

from __future__ import annotations

import base64
import gc
import random
import re
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.sources.redact import redact_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile vk.com/id123456 here", "profile [link] here"),
        ("vk.com/ivan.petrov", "[link]"),
        ("write tg://resolve?domain=ivan_petrov now", "write [link] now"),
        ("viber://chat?number=%2B375297770011", "[link]"),
        ("instagram.com/ivan.petrov.by", "[link]"),
        ("https://www.instagram.com/ivan/", "[link]"),
        ("t.me/ivan_p and telegram.me/x", "[link] and [link]"),
        ("ok.ru/profile/5829123", "[link]"),
        ("tel:+375297770011", "[link]"),
        ("skype:ivan.petrov?call", "[link]"),
        ("whatsapp://send?phone=375297770011", "[link]"),
        ("tel297770011", "tel[phone]"),
        ("тел297770011", "тел[phone]"),
        ("id987654321", "id[phone]"),
        ("user_id=987654321", "user_id=[phone]"),
        ("+375297770011abc", "[phone]abc"),
        ("+375 29 777-00-11.", "[phone]."),
        ("(+375 29 7770011)", "[phone])"),
        ("ivan＠example.org", "[e-mail]"),
        ("пишите ＠ivan_petrov", "пишите [handle]"),
        ("２９７７７００１１", "[phone]"),
        ("2912-34-56", "[phone]"),
        ("1234-56-78 and 2022-13-01", "[phone] and [phone]"),
        ("on 2022-07-11 at 21:14", "on 2022-07-11 at 21:14"),
        ("2022-07-11T21:14 two Mi-8", "2022-07-11T21:14 two Mi-8"),
        ("11.07.2022 в 21:14:05", "11.07.2022 в 21:14:05"),
        ("near 52.0416123, 29.2163456", "near 52.0416123, 29.2163456"),
        ("at 21:14:05 over Мазыр", "at 21:14:05 over Мазыр"),
        ("2 вертолёта Мі-8, 3 самалёты", "2 вертолёта Мі-8, 3 самалёты"),
    ],
)
def test_identifier_classes_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    "text", ["\x000\x00", "a\x001\x00b\x0012\x00", "\x00" * 50, "\x00\x00999\x00\x00", "\x00x\x00"]
)
def test_nul_digit_nul_does_not_raise(text: str) -> None:
    out = redact_text(text)
    assert "\x00" not in out


# ---- generated phone numbers: Belarusian, Russian and Ukrainian formats, in Latin and Cyrillic prose ----

_WORDS = ["звоните", "званіце", "телефонуйте", "call", "тел.", "тэл", "номер", "мой", "мій", "ок", "вечером", "ўвечары"]
_SEPARATORS = ["", " ", "-", "\u00a0", "\u2011", "–"]


@st.composite
def phone_in_prose(draw: st.DrawFn) -> tuple[str, str]:
    """(text, subscriber digits) — a number formatted as people write it, inside prose."""
    country = draw(st.sampled_from(["BY", "RU", "UA"]))
    sep = draw(st.sampled_from(_SEPARATORS))
    if country == "BY":
        code = draw(st.sampled_from(["29", "33", "44", "25", "17"]))
        sub = draw(st.from_regex(r"[2-9]\d{6}", fullmatch=True))
        prefix = draw(st.sampled_from(["+375", "375", "8 0", "80", "8(0", "+375 ("]))
        closing = ")" if prefix.endswith("(") else ""
    elif country == "RU":
        code = draw(st.sampled_from(["916", "903", "495", "812", "985"]))
        sub = draw(st.from_regex(r"[2-9]\d{6}", fullmatch=True))
        prefix = draw(st.sampled_from(["+7", "8", "+7 (", "8 ("]))
        closing = ")" if prefix.endswith("(") else ""
    else:
        code = draw(st.sampled_from(["67", "50", "63", "93", "44"]))
        sub = draw(st.from_regex(r"[2-9]\d{6}", fullmatch=True))
        prefix = draw(st.sampled_from(["+380", "380", "0", "+38 0", "8 0"]))
        closing = ""
    grouping = draw(st.sampled_from([(3, 2, 2), (3, 4), (7,), (2, 2, 3)]))
    groups, at = [], 0
    for size in grouping:
        groups.append(sub[at : at + size])
        at += size
    number = f"{prefix}{code}{closing}{sep or ' '}" + sep.join(groups)
    if draw(st.booleans()):
        number = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))  # full-width digits
    before = draw(st.sampled_from(["", *_WORDS])) + draw(st.sampled_from(["", " ", ": ", "tel", "id", "("]))
    after = draw(st.sampled_from(["", ".", ",", ")", "abc", " ок", "!", "\x00"]))
    return f"{before}{number}{after}", sub


@settings(max_examples=300, deadline=None)
@given(phone_in_prose())
def test_generated_phone_numbers_never_survive(case: tuple[str, str]) -> None:
    text, subscriber = case
    out = redact_text(text)
    digits = re.sub(r"\D", "", out)
    assert subscriber not in digits, (text, out)
    assert subscriber[-5:] not in digits, (text, out)


@settings(max_examples=200, deadline=None)
@given(st.dates(), st.booleans())
def test_real_dates_are_kept(day: object, with_time: bool) -> None:
    stamp = f"{day.isoformat()}{' 21:14' if with_time else ''}"  # type: ignore[attr-defined]
    if not 1900 <= int(stamp[:4]) <= 2100:
        return
    assert redact_text(f"видели {stamp} два") == f"видели {stamp} два"


@settings(max_examples=200, deadline=None)
@given(st.integers(1000, 9999), st.integers(13, 99), st.integers(32, 99))
def test_impossible_dates_are_not_a_shield(year: int, month: int, day: int) -> None:
    out = redact_text(f"x {year}-{month:02d}-{day:02d} y")
    assert out == "x [phone] y"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_redacts_without_error_and_is_stable(text: str) -> None:
    once = redact_text(text)
    assert "\x00" not in once
    assert redact_text(once) == once


# ---- cost: linear in the text's length (issue 19 item 13) ----


def _cost(function: Callable[[str], object], text: str) -> float:
    best = float("inf")
    gc.disable()
    try:
        for _ in range(5):
            started = time.perf_counter()
            function(text)
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    return best


_RNG = random.Random(19)
ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "base64": lambda n: base64.b64encode(_RNG.randbytes(n * 3 // 4)).decode(),
    "letters": lambda n: "a" * n,
    "dotted": lambda n: "a." * (n // 2),
    "at signs": lambda n: "a@" * (n // 2),
    "e-mail-ish": lambda n: "a.b+c-d" * (n // 7) + "@",
    "digits": lambda n: "1" * n,
    "spaced digits": lambda n: "1 " * (n // 2),
    "hyphen digits": lambda n: "1-" * (n // 2),
    "colons": lambda n: "a:" * (n // 2),
    "hex colons": lambda n: "ab12:" * (n // 5),
    "slashes": lambda n: "a/b." * (n // 4),
    "schemes": lambda n: "h://" * (n // 4),
    "spaces then digit": lambda n: "1" + " " * n + "2",
    "dates": lambda n: "2022-07-11 " * (n // 11),
}


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
def test_redaction_cost_is_linear(kind: str) -> None:
    """16× the text costs about 16× the time (a little more when it leaves a CPU cache; quadratic would be
    256×); no absolute time is asserted. A ratio over the budget is measured again at twice the sizes."""
    ratios = []
    for n in (1_500, 3_000):
        small, large = ADVERSARIAL[kind](n), ADVERSARIAL[kind](16 * n)
        ratios.append(_cost(redact_text, large) / max(_cost(redact_text, small), 1e-6))
        if ratios[-1] < 64:
            return
    pytest.fail(f"{kind}: 16× the input took {ratios[0]:.0f}× then {ratios[1]:.0f}× the time")
