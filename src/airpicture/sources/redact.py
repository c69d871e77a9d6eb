"""Redaction of identity-looking tokens in report free text (docs/source-protection.md).

The text is first normalised (Unicode NFKC: full-width ``＠`` and digits become ASCII ones; control
characters, NUL included, become spaces). Then, in this order:

1. links → ``[link]``: any ``scheme://…`` (``https://``, ``tg://resolve?domain=…``, ``viber://chat?number=%2B…``),
   messenger and contact deep links without ``//`` (``tel:``, ``mailto:``, ``sms:``, ``skype:``, ``viber:``,
   ``tg:``, ``whatsapp:``, ``signal:``, …), ``www.…``, and any host name followed by a path
   (``vk.com/id…``, ``instagram.com/…``, ``t.me/…``, ``ok.ru/profile/…``);
2. e-mail addresses → ``[e-mail]``;
3. IPv4 and IPv6 addresses → ``[ip]`` (IPv6 checked with :mod:`ipaddress`, so ``21:14:05`` stays);
4. ``@handles`` (3+ word characters) → ``[handle]``;
5. phone numbers → ``[phone]``: every number the ``phonenumbers`` library (Google's libphonenumber) finds as
   a *valid* number for Belarus, Russia or Ukraine, in any national or international format; then, as a
   backstop, every run of ≥ 7 digits with optional ``+``, spaces, hyphens or brackets between them — also
   when glued to letters (``tel297770011``, ``id987654321``) or followed by other characters.

Dates are shielded from step 5 only when they are real dates: ``YYYY-MM-DD`` (optionally with ``hh:mm``)
or ``DD-MM-YYYY`` / ``DD.MM.YYYY`` with a year 1900–2100, a month 1–12 and a day of that month;
``2912-34-56`` is redacted. Digits directly after ``<digit>.`` or ``<digit>,`` are a decimal fraction
(coordinates like ``52.0416123``) and are kept.

Every pattern is anchored by a look-behind that fails inside the run it would scan, and every repetition
is over disjoint classes or bounded, so the cost is linear in the text's length (tests/reports/test_redact.py
checks the ratio of the time on 4n characters to the time on n characters).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from datetime import date

from phonenumbers import Leniency, PhoneNumberMatcher

PHONE_REGIONS = ("BY", "RU", "UA")
"""Regions whose national formats ``phonenumbers`` looks for (international ``+…`` numbers are found anyway)."""

_CONTROLS = {c: " " for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}

_LINKS = re.compile(
    r"(?i)"
    r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}://\S*"  # scheme://…
    r"|(?<![\w+.-])(?:tel|mailto|sms|smsto|skype|callto|viber|tg|whatsapp|signal|sip|xmpp|facetime|intent|wa)"
    r":\S+"  # deep links without //
    r"|(?<![\w.-])www\.\S+"
    r"|(?<![\w.@/-])(?:[^\W_][\w-]*\.)+[^\W\d_]{2,24}/\S*"  # host/path: vk.com/id…, instagram.com/…, t.me/…
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_IPV6 = re.compile(r"(?i)(?<![\w:.])[0-9a-f:]{2,39}(?::\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])")
_HANDLE = re.compile(r"(?<![\w@])@\w{3,}")
_DIGITS = re.compile(r"(?<!\d)(?<!\d[.,])\+?\d(?:[ \t\-()\u00a0\u2010-\u2015]{0,3}\d){6,}")
_DATE = re.compile(
    r"(?<![\d.\-])(?:(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?|(\d{2})([.\-])(\d{2})\8(\d{4}))"
    r"(?![\d\-]|\.\d)"
)


def _real_day(year: str, month: str, day: str) -> bool:
    try:
        return 1900 <= int(year) <= 2100 and date(int(year), int(month), int(day)) is not None
    except ValueError:
        return False


def _date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of real dates (kept) in ``text``."""
    spans = []
    for m in _DATE.finditer(text):
        if m.group(1) is not None:
            ok = _real_day(m.group(1), m.group(2), m.group(3))
            if ok and m.group(4) is not None:
                ok = int(m.group(4)) < 24 and int(m.group(5)) < 60 and int(m.group(6) or 0) < 60
        else:
            ok = _real_day(m.group(10), m.group(9), m.group(7))
        if ok:
            spans.append(m.span())
    return spans


def _ipv6(match: re.Match[str]) -> str:
    candidate = match.group(0)
    if candidate.count(":") < 2:
        return candidate
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return candidate
    return "[ip]"


def _phones(segment: str) -> str:
    """Phone numbers in a segment without dates: ``phonenumbers`` first, then the digit-run backstop."""
    if sum(c.isdigit() for c in segment) >= 5:
        for region in PHONE_REGIONS:
            pieces, at = [], 0
            for m in PhoneNumberMatcher(segment, region, leniency=Leniency.VALID):
                pieces += [segment[at : m.start], "[phone]"]
                at = m.end
            segment = "".join([*pieces, segment[at:]])
    return _DIGITS.sub("[phone]", segment)


def redact_text(text: str) -> str:
    """Replace identity-looking tokens in free text (see the module docstring). Linear in ``len(text)``."""
    out = unicodedata.normalize("NFKC", text).translate(_CONTROLS)
    out = _LINKS.sub("[link]", out)
    out = _EMAIL.sub("[e-mail]", out)
    out = _IPV4.sub("[ip]", out)
    out = _IPV6.sub(_ipv6, out)
    out = _HANDLE.sub("[handle]", out)
    pieces: list[str] = []
    at = 0
    for start, end in _date_spans(out):
        pieces += [_phones(out[at:start]), out[start:end]]
        at = end
    pieces.append(_phones(out[at:]))
    return "".join(pieces)


def looks_like_contact(value: str) -> bool:
    """True when ``value`` holds something :func:`redact_text` would remove (a link, e-mail, ip, handle,
    phone or long digit run), or starts with ``@``: a user name or contact rather than a random token."""
    text = unicodedata.normalize("NFKC", value).strip()
    return text.startswith("@") or redact_text(text) != text


__all__ = ["PHONE_REGIONS", "looks_like_contact", "redact_text"]
