"""EAD / NATS Pre-flight Information Bulletin (PIB) XML: ``<Pib>…<Notam>…</Notam>…</Pib>``.

Each ``<Notam>`` carries structured fields (``Series``, ``Number``, ``Year``, ``Type``, ``Referred*``,
``QLine/{FIR,Code23,Code45,Traffic,Purpose,Scope,Lower,Upper}``, ``Coordinates``, ``Radius``, ``ItemA``,
``StartValidity``, ``EndValidity``, ``ItemD``…``ItemG``) but no ICAO text; the reader composes the ICAO
text from the items (so the one parser reads every source) and keeps the structured fields as
``RawNotam.reference`` for checking the parse. ``offset`` is the NOTAM's number in the file (0-based).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from airpicture.model.errors import SourceError
from airpicture.model.notam import RawNotam

FIELDS = (
    "Series",
    "Number",
    "Year",
    "Type",
    "ReferredSeries",
    "ReferredNumber",
    "ReferredYear",
    "Coordinates",
    "Radius",
    "ItemA",
    "StartValidity",
    "EndValidity",
    "ItemD",
    "ItemE",
    "ItemF",
    "ItemG",
    "NOF",
)
Q_FIELDS = ("FIR", "Code23", "Code45", "Traffic", "Purpose", "Scope", "Lower", "Upper")


def _fl(value: str) -> str:
    return f"{int(value):03d}" if value.strip().isdigit() else value


def _number(value: str) -> str:
    # the PIB drops leading zeros (E249); ICAO text has 4 digits (E0249)
    return f"{int(value):04d}" if value.strip().isdigit() else value


def compose_icao_text(f: Mapping[str, str]) -> str:
    """ICAO text from structured fields (keys as in the PIB, Q fields prefixed ``Q.``)."""
    notam_id = f"{f.get('Series', '')}{_number(f.get('Number', ''))}/{f.get('Year', '')}"
    header = f"{notam_id} NOTAM{f.get('Type', 'N')}"
    if f.get("ReferredSeries"):
        header += f" {f['ReferredSeries']}{_number(f.get('ReferredNumber', ''))}/{f.get('ReferredYear', '')}"
    geo = f.get("Coordinates", "") + (f"{int(f['Radius']):03d}" if f.get("Radius", "").isdigit() else "")
    q = "/".join(
        [
            f.get("Q.FIR", ""),
            f"Q{f.get('Q.Code23', '')}{f.get('Q.Code45', '')}",
            f.get("Q.Traffic", ""),
            f.get("Q.Purpose", ""),
            f.get("Q.Scope", ""),
            _fl(f.get("Q.Lower", "")),
            _fl(f.get("Q.Upper", "")),
            geo,
        ]
    )
    lines = [header, f"Q) {q}"]
    abc = f"A) {f.get('ItemA', '')} B) {f.get('StartValidity', '')}"
    if f.get("EndValidity"):
        abc += f" C) {f['EndValidity']}"
    lines.append(abc)
    if f.get("ItemD"):
        lines.append(f"D) {f['ItemD']}")
    lines.append(f"E) {f.get('ItemE', '')}")
    fg = " ".join(f"{k}) {f['Item' + k]}" for k in "FG" if f.get("Item" + k))
    if fg:
        lines.append(fg)
    return "\n".join(lines)


def read_pib_xml(data: bytes, source_file: str) -> list[RawNotam]:
    """Every ``<Notam>`` of a PIB. Raises ``SourceError`` (with line and column) if the XML is malformed."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise SourceError(f"not well-formed XML: {exc.msg}", where=f"{source_file}:{line}:{column}") from None
    out = []
    for k, element in enumerate(root.iter("Notam")):
        fields: dict[str, str] = {}
        for name in FIELDS:
            child = element.find(name)
            if child is not None and child.text is not None:
                fields[name] = child.text.strip() if name != "ItemE" else child.text.rstrip()
        qline = element.find("QLine")
        if qline is not None:
            for name in Q_FIELDS:
                child = qline.find(name)
                if child is not None and child.text is not None:
                    fields[f"Q.{name}"] = child.text.strip()
        out.append(
            RawNotam(
                text=compose_icao_text(fields),
                source_file=source_file,
                offset=k,
                reference=tuple(sorted(fields.items())),
            )
        )
    return out
