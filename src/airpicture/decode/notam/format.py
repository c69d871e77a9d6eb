"""``format_notam``: a NOTAM as canonical ICAO text, the inverse of ``parse_notam`` on its fields.

Canonical layout: header line, then ``Q)``, ``A) B) C)`` on one line, ``D)``, ``E)``, ``F) G)``; no
parentheses, no envelope. ``parse_notam(format_notam(n))`` has the same fields as ``n``.
"""

from __future__ import annotations

from datetime import datetime

from airpicture.model.notam import Notam, NotamKind


def _dt(value: datetime) -> str:
    return value.strftime("%y%m%d%H%M")


def format_notam(notam: Notam) -> str:
    """The ICAO text of ``notam`` (fields that are ``None`` are left out)."""
    header = f"{notam.id} NOTAM{notam.kind.value if notam.kind else NotamKind.NEW.value}"
    if notam.ref_id:
        header += f" {notam.ref_id}"
    lines = [header]
    q = notam.qline
    if q is not None:
        geo = ""
        if q.centre is not None:
            geo = q.centre.raw + (f"{q.radius_nm:03d}" if q.radius_nm is not None else "")
        fields = [
            q.fir,
            q.code,
            q.traffic,
            q.purpose,
            q.scope,
            f"{q.lower_fl:03d}" if q.lower_fl is not None else "",
            f"{q.upper_fl:03d}" if q.upper_fl is not None else "",
            geo,
        ]
        lines.append("Q) " + "/".join(fields))
    abc = []
    if notam.locations:
        a = " ".join(notam.locations)
        if notam.part:
            a += f" PART {notam.part[0]} OF {notam.part[1]}"
        abc.append(f"A) {a}")
    if notam.valid_from is not None:
        abc.append(f"B) {_dt(notam.valid_from)}")
    if notam.permanent:
        abc.append("C) PERM")
    elif notam.valid_to is not None:
        abc.append(f"C) {_dt(notam.valid_to)}" + (" EST" if notam.valid_to_estimated else ""))
    if abc:
        lines.append(" ".join(abc))
    if notam.schedule:
        lines.append(f"D) {notam.schedule}")
    lines.append(f"E) {notam.text}")
    fg = []
    if notam.lower is not None:
        fg.append(f"F) {notam.lower.raw}")
    if notam.upper is not None:
        fg.append(f"G) {notam.upper.raw}")
    if fg:
        lines.append(" ".join(fg))
    return "\n".join(lines)
