"""Writers for ``airpicture export``: one Arrow stream in, one file format out.

Formats: ``parquet``, ``csv``, ``json`` (one array of objects), ``jsonl`` (one object per line),
``geojson`` (FeatureCollection, RFC 7946) and ``kml`` (KML 2.2, opens in Google Earth). A row's
geometry is its ``geometry`` column (GeoJSON text) when present, else a point from
``lon_deg``/``lat_deg``; rows without either get a null geometry (GeoJSON) or a Placemark without
geometry (KML: every row is listed, and the document says how many have no position).
Work is done a record batch at a time, so memory stays bounded. CSV text cells that start like a
spreadsheet formula (``= + - @``, tab, CR, LF) get a leading ``'`` (see :func:`neutralise_formulas`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from airpicture.model.errors import UsageError

FORMATS = ("parquet", "csv", "json", "jsonl", "geojson", "kml")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return value.hex()
    return value


def _records(reader: pa.RecordBatchReader) -> Iterator[dict[str, Any]]:
    for batch in reader:
        for row in batch.to_pylist():
            yield {k: _plain(v) for k, v in row.items()}


def _geometry(row: dict[str, Any]) -> dict[str, Any] | None:
    geometry = row.pop("geometry", None)
    if isinstance(geometry, str) and geometry:
        parsed: dict[str, Any] = json.loads(geometry)
        return parsed
    lon, lat = row.get("lon_deg"), row.get("lat_deg")
    if lon is None or lat is None:
        return None
    return {"type": "Point", "coordinates": [lon, lat]}


def write_parquet(reader: pa.RecordBatchReader, out: BinaryIO) -> int:
    rows = 0
    with pq.ParquetWriter(out, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


FORMULA_START = "^([=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20])"
"""Leading characters a spreadsheet may read as a formula (OWASP "CSV Injection": = + - @ tab CR, plus LF and
the full-width forms some spreadsheets fold to them)."""


def neutralise_formulas(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Text cells that start like a formula get a leading single quote (OWASP's advice), so ``=HYPERLINK(…)``
    or ``=cmd|…`` from a callsign or a NOTAM is shown as text, never run. Numbers are left as numbers."""
    columns: list[Any] = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            column = pc.cast(column, column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.replace_substring_regex(column, pattern=FORMULA_START, replacement="'\\1", max_replacements=1)
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def write_csv(reader: pa.RecordBatchReader, out: BinaryIO) -> int:
    rows = 0
    writer: pacsv.CSVWriter | None = None
    try:
        for batch in reader:
            safe = neutralise_formulas(batch)
            if writer is None:
                writer = pacsv.CSVWriter(out, safe.schema)
            writer.write_batch(safe)
            rows += batch.num_rows
        if writer is None:  # no rows: the header alone
            empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
            writer = pacsv.CSVWriter(out, neutralise_formulas(empty).schema)
    finally:
        if writer is not None:
            writer.close()
    return rows


def write_json(reader: pa.RecordBatchReader, out: BinaryIO) -> int:
    rows = 0
    out.write(b"[")
    for row in _records(reader):
        out.write((b",\n" if rows else b"\n") + json.dumps(row, ensure_ascii=False).encode())
        rows += 1
    out.write(b"\n]\n")
    return rows


def write_jsonl(reader: pa.RecordBatchReader, out: BinaryIO) -> int:
    rows = 0
    for row in _records(reader):
        out.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        rows += 1
    return rows


def write_geojson(reader: pa.RecordBatchReader, out: BinaryIO) -> int:
    rows = 0
    out.write(b'{"type": "FeatureCollection", "features": [')
    for row in _records(reader):
        feature = {"type": "Feature", "geometry": _geometry(row), "properties": row}
        out.write((b",\n" if rows else b"\n") + json.dumps(feature, ensure_ascii=False).encode())
        rows += 1
    out.write(b"\n]}\n")
    return rows


FEET_TO_M = 0.3048

TIME_COLUMNS = (
    ("ts", "end_ts"),
    ("start_time", "end_time"),
    ("first_seen", "last_seen"),
    ("valid_from", "valid_to"),
    ("start", "end"),
)
"""Where a row's time is, by kind: (begin, end) column pairs; the first pair present is used."""

LABEL_COLUMNS = ("name", "callsign", "icao24", "notam_id", "subject", "track_id", "claim_id", "event_id", "id", "cell")
"""A Placemark's name: the first of these a row has."""

ALTITUDE_COLUMNS = ("alt_ft", "alt_gnss_ft")
"""A point's altitude (feet, converted to the metres KML wants), first present wins."""


def _kml_coords(coords: list[Any], alt_m: float | None = None) -> str:
    def one(c: list[Any]) -> str:
        if len(c) > 2:
            return f"{c[0]},{c[1]},{c[2]}"
        return f"{c[0]},{c[1]}" + (f",{alt_m:.1f}" if alt_m is not None else "")

    return " ".join(one(c) for c in coords)


def _altitude_mode(coords: Any, alt_m: float | None) -> str:
    has_z = alt_m is not None or _depth3(coords)
    return "<altitudeMode>absolute</altitudeMode>" if has_z else ""


def _depth3(coords: Any) -> bool:
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    return isinstance(coords, list) and len(coords) > 2


def _kml_geometry(geometry: dict[str, Any], alt_m: float | None = None) -> str:
    kind: str = geometry["type"]
    coords: Any = geometry.get("coordinates")
    mode = _altitude_mode(coords, alt_m) if kind != "GeometryCollection" else ""
    if kind == "Point":
        return f"<Point>{mode}<coordinates>{_kml_coords([coords], alt_m)}</coordinates></Point>"
    if kind == "LineString":
        tessellate = "" if mode else "<tessellate>1</tessellate>"
        return f"<LineString>{tessellate}{mode}<coordinates>{_kml_coords(coords)}</coordinates></LineString>"
    if kind == "Polygon":
        rings = [
            f"<outerBoundaryIs><LinearRing><coordinates>{_kml_coords(coords[0])}</coordinates></LinearRing></outerBoundaryIs>"
        ]
        rings += [
            f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in coords[1:]
        ]
        return f"<Polygon>{mode}{''.join(rings)}</Polygon>"
    if kind.startswith("Multi"):
        single = kind.removeprefix("Multi")
        parts = "".join(_kml_geometry({"type": single, "coordinates": c}) for c in coords)
        return f"<MultiGeometry>{parts}</MultiGeometry>"
    if kind == "GeometryCollection":
        return f"<MultiGeometry>{''.join(_kml_geometry(g) for g in geometry['geometries'])}</MultiGeometry>"
    raise UsageError(f"cannot write geometry type {kind} as KML")


def _kml_time(row: dict[str, Any]) -> str:
    """TimeSpan (begin and end differ) or TimeStamp, so Google Earth's time slider works."""
    for begin_column, end_column in TIME_COLUMNS:
        begin, end = row.get(begin_column), row.get(end_column)
        if isinstance(begin, str) and begin:
            if isinstance(end, str) and end and end != begin:
                return f"<TimeSpan><begin>{escape(begin)}</begin><end>{escape(end)}</end></TimeSpan>"
            return f"<TimeStamp><when>{escape(begin)}</when></TimeStamp>"
    day = row.get("day")
    return f"<TimeStamp><when>{escape(day)}</when></TimeStamp>" if isinstance(day, str) and day else ""


_PALETTE = ("ff0000ff", "ff00a5ff", "ff00ffff", "ff00ff00", "ffffff00", "ffff0000", "ffff00ff", "ff7f7f7f")
"""KML colours (aabbggrr): red, orange, yellow, green, cyan, blue, magenta, grey."""


def _style_key(row: dict[str, Any]) -> str:
    """What a row is styled by: its event type, else the aircraft's role, else its kind of row."""
    for column in ("type", "event_type", "role", "qcode", "level"):
        value = row.get(column)
        if isinstance(value, str) and value:
            return f"{column}:{value}"
    return "default"


def _style(key: str) -> str:
    colour = _PALETTE[sum(key.encode()) % len(_PALETTE)]
    fill = "7f" + colour[2:]
    return (
        f'<Style id="{escape(_style_id(key))}"><LineStyle><color>{colour}</color><width>2</width></LineStyle>'
        f"<PolyStyle><color>{fill}</color></PolyStyle><IconStyle><color>{colour}</color></IconStyle></Style>"
    )


def _style_id(key: str) -> str:
    return "s-" + "".join(ch if ch.isalnum() else "-" for ch in key)


def write_kml(reader: pa.RecordBatchReader, out: BinaryIO, name: str = "airpicture export") -> int:
    """Every row is a Placemark (one without a position has no geometry: listed, not drawn, and counted in the
    closing 'summary' folder); time as TimeSpan/TimeStamp; one style per event type, role or Q-code; points with
    an altitude column and 3-D coordinates are drawn at their altitude (metres, absolute)."""
    rows = 0
    no_position = 0
    styles: set[str] = set()
    out.write(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + f"<name>{escape(name)}</name>\n".encode()
    )
    for row in _records(reader):
        geometry = _geometry(row)
        label = next((str(row[c]) for c in LABEL_COLUMNS if row.get(c)), "")
        if isinstance(row.get("type"), str) and row["type"] not in label:
            label = f"{row['type']} {label}".strip()  # events: what happened, then to whom
        key = _style_key(row)
        if key not in styles:
            styles.add(key)
            out.write((_style(key) + "\n").encode())
        alt_ft = next((row[c] for c in ALTITUDE_COLUMNS if isinstance(row.get(c), int | float)), None)
        alt_m = None if alt_ft is None else float(alt_ft) * FEET_TO_M
        data = "".join(
            f'<Data name="{escape(str(k))}"><value>{escape(str(v))}</value></Data>'
            for k, v in row.items()
            if v is not None
        )
        if geometry is None:
            no_position += 1
        placemark = (
            f"<Placemark><name>{escape(str(label))}</name>"
            + ("<description>no position</description>" if geometry is None else "")
            + _kml_time(row)
            + f"<styleUrl>#{escape(_style_id(key))}</styleUrl>"
            + f"<ExtendedData>{data}</ExtendedData>"
            + (_kml_geometry(geometry, alt_m) if geometry is not None else "")
            + "</Placemark>\n"
        )
        out.write(placemark.encode())
        rows += 1
    summary = f"{rows:,} rows; {no_position:,} without a position (listed, not drawn)"
    out.write(f"<Folder><name>summary</name><description>{escape(summary)}</description></Folder>".encode())
    out.write(b"</Document></kml>\n")
    return rows


WRITERS: dict[str, Callable[[pa.RecordBatchReader, BinaryIO], int]] = {
    "parquet": write_parquet,
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "geojson": write_geojson,
    "kml": write_kml,
}


def write_export(reader: pa.RecordBatchReader, fmt: str, out: BinaryIO) -> int:
    """Write ``reader`` to ``out`` in ``fmt``; returns the number of rows written."""
    try:
        writer = WRITERS[fmt]
    except KeyError:
        raise UsageError("unknown export format", found=fmt, expected=f"one of {', '.join(FORMATS)}") from None
    return writer(reader, out)
