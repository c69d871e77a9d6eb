"""Writers for ``airpicture export``: one Arrow stream in, one file format out.

Formats: ``parquet``, ``csv``, ``json`` (one array of objects), ``jsonl`` (one object per line),
``geojson`` (FeatureCollection, RFC 7946) and ``kml`` (KML 2.2, opens in Google Earth). A row's
geometry is its ``geometry`` column (GeoJSON text) when present, else a point from
``lon_deg``/``lat_deg``; rows without either get a null geometry (GeoJSON) or are skipped (KML).
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


def _kml_coords(coords: list[Any]) -> str:
    return " ".join(f"{c[0]},{c[1]}" + (f",{c[2]}" if len(c) > 2 else "") for c in coords)


def _kml_geometry(geometry: dict[str, Any]) -> str:
    kind: str = geometry["type"]
    coords: Any = geometry.get("coordinates")
    if kind == "Point":
        return f"<Point><coordinates>{_kml_coords([coords])}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><tessellate>1</tessellate><coordinates>{_kml_coords(coords)}</coordinates></LineString>"
    if kind == "Polygon":
        rings = [
            f"<outerBoundaryIs><LinearRing><coordinates>{_kml_coords(coords[0])}</coordinates></LinearRing></outerBoundaryIs>"
        ]
        rings += [
            f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in coords[1:]
        ]
        return f"<Polygon>{''.join(rings)}</Polygon>"
    if kind.startswith("Multi"):
        single = kind.removeprefix("Multi")
        parts = "".join(_kml_geometry({"type": single, "coordinates": c}) for c in coords)
        return f"<MultiGeometry>{parts}</MultiGeometry>"
    if kind == "GeometryCollection":
        return f"<MultiGeometry>{''.join(_kml_geometry(g) for g in geometry['geometries'])}</MultiGeometry>"
    raise UsageError(f"cannot write geometry type {kind} as KML")


def write_kml(reader: pa.RecordBatchReader, out: BinaryIO, name: str = "airpicture export") -> int:
    rows = 0
    out.write(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        + f"<name>{escape(name)}</name>\n".encode()
    )
    for row in _records(reader):
        geometry = _geometry(row)
        if geometry is None:
            continue
        label = row.get("name") or row.get("callsign") or row.get("icao24") or row.get("id") or ""
        data = "".join(
            f'<Data name="{escape(str(k))}"><value>{escape(str(v))}</value></Data>'
            for k, v in row.items()
            if v is not None
        )
        placemark = (
            f"<Placemark><name>{escape(str(label))}</name>"
            + (f"<TimeStamp><when>{row['ts']}</when></TimeStamp>" if row.get("ts") else "")
            + f"<ExtendedData>{data}</ExtendedData>{_kml_geometry(geometry)}</Placemark>\n"
        )
        out.write(placemark.encode())
        rows += 1
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
