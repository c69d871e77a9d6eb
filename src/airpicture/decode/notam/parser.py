"""The tolerant, lossless ICAO NOTAM parser (spec/notam.md).

Layout read (every part optional except the header; order Q, A, B, C, D, E, F, G)::

    [AFTN envelope]  ["("]A1234/22 NOTAMN|R ref|C ref
    Q) FIR/QCODE/TRAFFIC/PURPOSE/SCOPE/LOWER/UPPER/GEO      (fields may be space-padded)
    A) LOC [LOC …] [PART n OF m]  B) YYMMDDhhmm  C) YYMMDDhhmm[ ]EST | PERM
    D) schedule   E) free text   F) lower   G) upper   [END PART n OF m] [")"] [footer lines]

Every item keeps its text and the character span it was read from; coordinates in items Q and E keep
theirs. What cannot be read becomes a ``NotamIssue`` (NOTAM id, item, offset, reason) and parsing goes
on: a bad item never loses the rest of the NOTAM, and nothing here raises on bad input.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from airpicture.decode.notam.fields import (
    find_coordinates,
    out_of_range_coordinates,
    parse_datetime,
    parse_limit,
    parse_qgeo,
)
from airpicture.model.notam import Coordinate, Notam, NotamIssue, NotamKind, QLine, Span, TextItem, VerticalLimit

_HEADER = re.compile(
    r"(?:(?P<series>[A-Z])\s?(?P<number>\d{4})\s?/\s?(?P<year>\d{2})"
    r"|(?<![A-Z0-9/])(?P<fmonth>\d{2})/(?P<fnumber>\d{3,4}))\s*NOTAM(?P<kind>[NRC])"
    r"(?:[ \t]+(?P<ref>[A-Z]\d{4}/\d{2}|\d{2}/\d{3,4}))?"
)
# FAA domestic format: "!ACCT MM/NNN LOC TEXT ... YYMMDDhhmm-YYMMDDhhmm[EST]" (FDC numbers are "N/NNNN").
_FAA_DOMESTIC = re.compile(r"^\s*!(?P<acct>[A-Z0-9]{3,4})\s+(?P<num>\d{1,2}/\d{3,4})\s+(?P<loc>[A-Z0-9]{3,5})\b")
_FAA_VALIDITY = re.compile(r"\b(?P<b>\d{10})-(?P<c>\d{10}|PERM)(?P<est>\s?EST)?\b")
_MARKER = re.compile(r"(?:(?<=[\s(])|(?<=^)|(?<=NOTAM[NRC])|(?<=\d{4}/\d{2}))(?P<letter>[QABCDEFG])\)")
_FOOTER = re.compile(
    r"^\s*(?:ZCZC.*|NNNN|CREATED:.*|SOURCE:.*|END PART \d+ OF \d+\.?|[A-Z]{2}(?: [A-Z]{8})+|\d{6} [A-Z]{8}.*)\s*$"
)
_PART = re.compile(r"\bPART\s+(?P<n>\d+)\s+OF\s+(?P<m>\d+)\b")
_C_ITEM = re.compile(r"^(?P<dt>\d{10})\s?(?P<est>EST)?$|^(?P<perm>PERM)$")
_ORDER = "QABCDEFG"


def _body_end(text: str, start: int) -> int:
    """Where the NOTAM body ends: before trailing footer/envelope lines and a closing parenthesis."""
    end = len(text)
    while True:
        stripped_end = len(text[:end].rstrip())
        line_start = text.rfind("\n", start, stripped_end) + 1
        if line_start <= start or not _FOOTER.match(text[line_start:stripped_end]):
            end = stripped_end
            break
        end = line_start
    # The closing parenthesis of a NOTAM wrapped in "( … )"; one that closes a parenthesis opened in item
    # E ("… (REF AIP ENR 5.1)") belongs to the text and stays.
    if end > start and text[end - 1] == ")":
        body = _MARKER.sub("", text[start:end])  # item markers "E)" are not parentheses
        if body.count(")") > body.count("("):
            end -= 1
    return end


def _find_items(text: str, start: int, end: int) -> dict[str, tuple[int, int]]:
    """Positions ``letter -> (marker_start, text_start)`` of the item markers, in ICAO order.

    The first E) after B) starts item E; C) and D) are looked for only between B) and E); F) and G)
    only after E) (their last occurrence, as they end the NOTAM).
    """
    found: dict[str, list[int]] = defaultdict(list)
    for match in _MARKER.finditer(text, start, end):
        found[match["letter"]].append(match.start())
    chosen: dict[str, int] = {}
    cursor = start
    for letter in "QAB":
        pos = next((p for p in found[letter] if p >= cursor), None)
        if pos is not None:
            chosen[letter] = pos
            cursor = pos + 2
    e_pos = next((p for p in found["E"] if p >= cursor), None)
    limit = e_pos if e_pos is not None else end
    for letter in "CD":
        pos = next((p for p in found[letter] if cursor <= p < limit), None)
        if pos is not None:
            chosen[letter] = pos
            cursor = pos + 2
    if e_pos is not None:
        chosen["E"] = e_pos
        cursor = e_pos + 2
        f_candidates = [p for p in found["F"] if p >= cursor]
        if f_candidates:
            chosen["F"] = f_candidates[-1]
            cursor = chosen["F"] + 2
        g_candidates = [p for p in found["G"] if p >= cursor]
        if g_candidates:
            chosen["G"] = g_candidates[-1]
    return {k: (v, v + 2) for k, v in sorted(chosen.items(), key=lambda kv: kv[1])}


def _items(text: str, positions: dict[str, tuple[int, int]], end: int) -> list[TextItem]:
    letters = list(positions)
    items = []
    for i, letter in enumerate(letters):
        text_start = positions[letter][1]
        text_end = positions[letters[i + 1]][0] if i + 1 < len(letters) else end
        chunk = text[text_start:text_end]
        lead = len(chunk) - len(chunk.lstrip())
        stripped = chunk.strip()
        items.append(TextItem(letter, stripped, Span(text_start + lead, text_start + lead + len(stripped))))
    return items


class _Issues:
    def __init__(self, notam_id: str | None) -> None:
        self.notam_id = notam_id
        self.items: list[NotamIssue] = []

    def add(self, item: str, offset: int, reason: str) -> None:
        self.items.append(NotamIssue(self.notam_id, item, offset, reason))


_Q_SLOTS = ("traffic", "purpose", "scope", "lower", "upper", "geo")
_Q_FITS = {
    "traffic": lambda v: v == "" or set(v) <= set("IVK"),
    "purpose": lambda v: v == "" or set(v) <= set("NBOMK"),
    "scope": lambda v: v == "" or set(v) <= set("AEWK"),
    "lower": lambda v: v == "" or (v.isdigit() and len(v) <= 3),
    "upper": lambda v: v == "" or (v.isdigit() and len(v) <= 3),
    "geo": lambda v: v == "" or bool(re.fullmatch(r"\d{4}[NS]\d{5}[EW](?:\d{3})?", v)),
}


def _assign_qfields(values: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which of the six fields after FIR/QCODE each value is: ``slot -> index into values``, and the
    slots no value was found for.

    With all six the fields are positional (an empty one stays empty). With fewer, the values keep their
    order and are laid on the slots where most of them fit their form (ties: the first such layout), so
    a Q-line that lost a field (``QLCXX//A/000/999/GEO``: one empty field for traffic and purpose)
    keeps its scope, limits and centre in place.
    """
    if len(values) >= len(_Q_SLOTS):
        return {slot: k for k, slot in enumerate(_Q_SLOTS)}, []
    best: tuple[int, ...] = ()
    best_score = -1
    for layout in combinations(range(len(_Q_SLOTS)), len(values)):
        score = sum(_Q_FITS[_Q_SLOTS[slot]](value) for slot, value in zip(layout, values, strict=True))
        if score > best_score:
            best, best_score = layout, score
    chosen = {_Q_SLOTS[slot]: k for k, slot in enumerate(best)}
    return chosen, [slot for slot in _Q_SLOTS if slot not in chosen]


def _parse_qline(item: TextItem, issues: _Issues) -> QLine | None:
    fields = item.text.split("/")
    offsets = []
    pos = item.span.start
    for f in fields:
        offsets.append(pos)
        pos += len(f) + 1
    if len(fields) < 2:
        issues.add("Q", item.span.start, "Q-line has no '/'-separated fields (expected FIR/QCODE/...)")
        return None
    stripped = [f.strip() for f in fields]
    # A trailing "/" after GEO (``.../5003N00804E012/``) is an empty ninth field, not a field.
    while len(stripped) > 8 and stripped[-1] == "":
        stripped.pop()
    fir, code = stripped[0], stripped[1]
    if not re.fullmatch(r"[A-Z]{4}", fir):
        if re.fullmatch(r"[A-Z0-9]{2,5}", fir):
            issues.add("Q", offsets[0], f"FIR {fir!r} is not a 4-letter ICAO designator: read as written")
        else:
            issues.add("Q", offsets[0], f"FIR {fir!r} is not a designator (expected 4 letters)")
    if not re.fullmatch(r"Q[A-Z]{4}", code):
        issues.add("Q", offsets[1], f"Q-code {code!r} is not Q + 4 letters")
        return None
    rest = stripped[2:]
    if len(rest) > len(_Q_SLOTS):
        issues.add("Q", offsets[8], f"Q-line has {len(stripped)} fields, expected 8: the extra ones are ignored")
    slots, missing = _assign_qfields(rest)
    if missing:
        issues.add(
            "Q",
            item.span.start,
            f"Q-line has {len(stripped)} fields, expected 8: {', '.join(missing)} missing (read as empty)",
        )
    values = {slot: rest[k] for slot, k in slots.items()}
    where = {slot: offsets[2 + k] for slot, k in slots.items()}
    for name, allowed in (("traffic", "IVK"), ("purpose", "NBOMK"), ("scope", "AEWK")):
        value = values.get(name, "")
        if value and not set(value) <= set(allowed):
            issues.add("Q", where[name], f"{name} {value!r} not of {allowed}")
    limits: dict[str, int | None] = {"lower": None, "upper": None}
    for name in limits:
        value = values.get(name, "")
        if value:
            if value.isdigit() and len(value) <= 3:
                limits[name] = int(value)
            else:
                issues.add("Q", where[name], f"{name} limit {value!r} is not a 3-digit flight level")
    if limits["lower"] is not None and limits["upper"] is not None and limits["lower"] > limits["upper"]:
        issues.add("Q", where["lower"], f"lower limit FL{limits['lower']:03d} is above upper FL{limits['upper']:03d}")
    centre = radius = None
    geo = values.get("geo", "")
    if geo:
        raw_geo = fields[2 + slots["geo"]]
        lead = len(raw_geo) - len(raw_geo.lstrip())
        try:
            centre, radius = parse_qgeo(geo, where["geo"] + lead)
        except ValueError as exc:
            issues.add("Q", where["geo"], f"GEO {geo!r}: {exc}")
    return QLine(
        fir=fir,
        subject=code[1:3],
        condition=code[3:5],
        traffic=values.get("traffic", ""),
        purpose=values.get("purpose", ""),
        scope=values.get("scope", ""),
        lower_fl=limits["lower"],
        upper_fl=limits["upper"],
        centre=centre,
        radius_nm=radius,
        raw=item.text,
        span=item.span,
    )


def parse_notam(text: str) -> Notam:
    """Parse one NOTAM (see module docstring). Never raises on bad input: see ``Notam.issues``."""
    faa = _FAA_DOMESTIC.match(text)
    if faa is not None:
        return _parse_faa_domestic(text, faa)
    header = _HEADER.search(text)
    notam_id = None
    if header is not None:
        notam_id = (
            f"{header['series']}{header['number']}/{header['year']}"
            if header["series"]
            else f"{header['fmonth']}/{header['fnumber']}"
        )
    issues = _Issues(notam_id)
    start = header.end() if header else 0
    if header is None:
        issues.add("header", 0, "no NOTAM id and type (expected e.g. 'A1234/22 NOTAMN')")
    elif not header["series"]:
        issues.add("header", header.start(), "FAA number mm/nnn: no series letter or year (year taken from item B)")
    end = _body_end(text, start)
    positions = _find_items(text, start, end)
    items = _items(text, positions, end)
    by_letter = {i.letter: i for i in items}
    kind = NotamKind(header["kind"]) if header else None
    ref_id = header["ref"] if header else None
    if kind in (NotamKind.REPLACE, NotamKind.CANCEL) and ref_id is None:
        issues.add("header", header.end() if header else 0, f"NOTAM{kind} without the id it refers to")
    if kind is NotamKind.NEW and ref_id is not None and header is not None:
        issues.add(
            "header",
            header.start("ref"),
            f"NOTAMN followed by a reference {ref_id}: a new NOTAM names none (NOTAMR or NOTAMC meant?); "
            "the reference is not linked",
        )

    qline = None
    if "Q" in by_letter:
        qline = _parse_qline(by_letter["Q"], issues)
    elif kind is not NotamKind.CANCEL:
        issues.add("Q", start, "no Q) item")

    locations: tuple[str, ...] = ()
    part = None
    if "A" in by_letter:
        a = by_letter["A"]
        part_match = _PART.search(a.text)
        body = a.text[: part_match.start()] if part_match else a.text
        if part_match:
            part = (int(part_match["n"]), int(part_match["m"]))
        locations = tuple(body.split())
        if not locations or not all(re.fullmatch(r"[A-Z]{4}", loc) for loc in locations):
            issues.add("A", a.span.start, f"item A {a.text!r} is not a list of 4-letter locations")
    else:
        issues.add("A", start, "no A) item")

    valid_from = valid_to = None
    estimated = permanent = False
    if "B" in by_letter:
        b = by_letter["B"]
        try:
            valid_from = parse_datetime(b.text.replace(" ", ""))
        except ValueError as exc:
            issues.add("B", b.span.start, f"item B {b.text!r}: {exc}")
    else:
        issues.add("B", start, "no B) item")
    if "C" in by_letter:
        c = by_letter["C"]
        match = _C_ITEM.match(c.text)
        if match is None:
            issues.add("C", c.span.start, f"item C {c.text!r}: expected YYMMDDhhmm[ EST] or PERM")
        elif match["perm"]:
            permanent = True
        else:
            estimated = bool(match["est"])
            try:
                valid_to = parse_datetime(match["dt"])
            except ValueError as exc:
                issues.add("C", c.span.start, f"item C {c.text!r}: {exc}")
    elif kind is not NotamKind.CANCEL:
        issues.add("C", start, "no C) item")
    if valid_from and valid_to and valid_to <= valid_from:
        issues.items.append(
            NotamIssue(
                notam_id,
                "C",
                by_letter["C"].span.start,
                "item C (end of validity) is not after item B (start): impossible window, NOTAM rejected",
                rejected=True,
            )
        )
        valid_from = valid_to = None

    limits: list[VerticalLimit | None] = []
    for letter in "FG":
        limit = None
        if letter in by_letter:
            item = by_letter[letter]
            try:
                limit = parse_limit(item.text)
            except ValueError as exc:
                issues.add(letter, item.span.start, f"item {letter} {item.text!r}: {exc}")
        limits.append(limit)

    coordinates: list[Coordinate] = []
    if qline is not None and qline.centre is not None:
        coordinates.append(qline.centre)
    e = by_letter.get("E")
    if e is not None:
        coordinates.extend(find_coordinates(e.text, e.span.start))
        for offset, raw in out_of_range_coordinates(e.text, e.span.start):
            issues.items.append(
                NotamIssue(
                    notam_id,
                    "E",
                    offset,
                    f"coordinate {raw!r} is out of range (minutes or seconds of 60 or more, or beyond 90°/180°): "
                    "the area cannot be drawn, NOTAM rejected",
                    rejected=True,
                )
            )
    elif header is not None:
        issues.add("E", end, "no E) item")

    return Notam(
        raw=text,
        id=notam_id,
        series=header["series"] if header else None,
        number=int(header["number"] or header["fnumber"]) if header else None,
        year=(int(header["year"]) if header["year"] else (valid_from.year % 100 if valid_from else None))
        if header
        else None,
        kind=kind,
        ref_id=ref_id,
        qline=qline,
        locations=locations,
        part=part,
        valid_from=valid_from,
        valid_to=valid_to,
        valid_to_estimated=estimated,
        permanent=permanent,
        schedule=by_letter["D"].text if "D" in by_letter else None,
        text=e.text if e is not None else "",
        lower=limits[0],
        upper=limits[1],
        items=tuple(items),
        coordinates=tuple(coordinates),
        issues=tuple(issues.items),
    )


def _parse_faa_domestic(text: str, match: re.Match[str]) -> Notam:
    """An FAA domestic-format NOTAM (``!ACCT MM/NNN LOC …``): id, location, validity and text are read; it
    has no Q-line, so no Q-code, limits or area, and it is FAILED with that reason (kept raw, one by one)."""
    notam_id = f"{match['acct']} {match['num']}"
    issues = _Issues(notam_id)
    end = _body_end(text, match.end())
    body_start = match.end() + (len(text[match.end() : end]) - len(text[match.end() : end].lstrip()))
    body = text[body_start:end].rstrip()
    issues.add(
        "Q",
        match.start(),
        "FAA domestic format (!ACCT MM/NNN): no ICAO Q-line, so no Q-code, limits or area; kept raw",
    )
    valid_from = valid_to = None
    estimated = permanent = False
    validity = next(reversed(list(_FAA_VALIDITY.finditer(body))), None)  # the last one ends the text
    if validity is None:
        issues.add("B", body_start, "no validity period YYMMDDhhmm-YYMMDDhhmm at the end of the text")
    else:
        try:
            valid_from = parse_datetime(validity["b"])
            if validity["c"] == "PERM":
                permanent = True
            else:
                valid_to = parse_datetime(validity["c"])
                estimated = bool(validity["est"])
        except ValueError as exc:
            issues.add("B", body_start + validity.start(), f"validity {validity.group(0)!r}: {exc}")
        if valid_from and valid_to and valid_to <= valid_from:
            issues.items.append(
                NotamIssue(
                    notam_id,
                    "C",
                    body_start + validity.start("c"),
                    "end of validity is not after its start: impossible window, NOTAM rejected",
                    rejected=True,
                )
            )
            valid_from = valid_to = None
    e_item = TextItem("E", body, Span(body_start, body_start + len(body)))
    return Notam(
        raw=text,
        id=notam_id,
        series=None,
        number=int(match["num"].split("/")[1]),
        year=valid_from.year % 100 if valid_from else None,
        kind=NotamKind.NEW,
        ref_id=None,
        qline=None,
        locations=(match["loc"],),
        part=None,
        valid_from=valid_from,
        valid_to=valid_to,
        valid_to_estimated=estimated,
        permanent=permanent,
        schedule=None,
        text=body,
        lower=None,
        upper=None,
        items=(e_item,),
        coordinates=tuple(find_coordinates(body, body_start)),
        issues=tuple(issues.items),
    )


def reassemble_parts(texts: Iterable[str]) -> list[str]:
    """Join multipart NOTAMs (``PART n OF m`` in item A) into one text each, before parsing.

    The first part is kept up to the end of its item E; the item E texts of the later parts follow,
    then the F)/G) items of the last part. Parts of an incomplete set are returned unchanged (they
    parse, and carry ``part``). Texts without a part marker pass through in order.
    """
    out: list[str] = []
    groups: dict[str, dict[int, tuple[str, Notam]]] = defaultdict(dict)
    sizes: dict[str, int] = {}
    order: list[str | tuple[str]] = []
    for text in texts:
        notam = parse_notam(text)
        if notam.part is None or notam.id is None or notam.part[1] < 2:
            order.append((text,))
            continue
        if notam.id not in groups:
            order.append(notam.id)
        groups[notam.id][notam.part[0]] = (text, notam)
        sizes[notam.id] = notam.part[1]
    for entry in order:
        if isinstance(entry, tuple):
            out.append(entry[0])
            continue
        parts = groups[entry]
        if sorted(parts) != list(range(1, sizes[entry] + 1)):
            out.extend(text for _, (text, _) in sorted(parts.items()))
            continue
        first_text, first = parts[1]
        e1 = first.item("E")
        head = first_text[: e1.span.end] if e1 else first_text
        tails = []
        for n in range(2, sizes[entry] + 1):
            e = parts[n][1].item("E")
            if e is not None:
                tails.append(e.text)
        last = parts[sizes[entry]][1]
        fg = [f"{i.letter}) {i.text}" for i in last.items if i.letter in "FG"]
        out.append("\n".join([head, *tails, *fg]))
    return out
