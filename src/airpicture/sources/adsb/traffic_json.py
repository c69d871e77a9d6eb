"""The ``traffic`` library's track exports: pandas ``DataFrame.to_json`` of state vectors.

Columns (traffic's names and units): ``timestamp`` (Unix ms, or ISO 8601 text), ``icao24``, ``latitude``,
``longitude``, ``altitude`` (ft), ``geoaltitude`` (ft), ``groundspeed`` (kt), ``track`` (deg),
``vertical_rate`` (ft/min), ``callsign``, ``squawk``, ``onground``. Two pandas layouts are read:

* ``records`` (``[{"timestamp": …, "icao24": …}, …]``): streamed. The array is cut at ``},{`` into one
  object per line and parsed by Arrow's JSON reader a block at a time, so memory stays bounded
  (the bundled 65 MB ``quickstart.json`` reads in 8 MiB steps).
* ``columns`` (``{"timestamp": {"0": …, "1": …}, "icao24": {…}, …}``): a column needs every row before
  the next column starts, so the document is read whole.

``source_offset`` is the record's index (records) or the row label (columns). A record without
``timestamp`` or ``icao24`` is a ``missing_field`` reject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.json as pj

from airpicture.model.errors import SourceError
from airpicture.sources.adsb._common import (
    ArrowColumn,
    Chunk,
    InputFile,
    ReadOptions,
    RejectReason,
    clean_callsign,
    concat_rejects,
    icao_ok,
    positions_table,
    rejects_table,
    timestamp_ok,
)
from airpicture.sources.adsb.streams import READ_BLOCK_BYTES, Limits, read_document

_NUMERIC = {
    "latitude": "lat_deg",
    "longitude": "lon_deg",
    "altitude": "alt_ft",
    "geoaltitude": "alt_gnss_ft",
    "groundspeed": "gs_kt",
    "track": "track_deg",
    "vertical_rate": "vrate_fpm",
}
_FIELDS: list[pa.Field[Any]] = [
    pa.field("timestamp", pa.string()),
    pa.field("icao24", pa.string()),
    pa.field("callsign", pa.string()),
    pa.field("squawk", pa.string()),
    pa.field("onground", pa.bool_()),
]
_FIELDS.extend(pa.field(name, pa.float64()) for name in _NUMERIC)
_SCHEMA = pa.schema(_FIELDS)
_COLUMNS_ORIENT = re.compile(rb'^\s*\{\s*"[A-Za-z_]+"\s*:\s*\{\s*"\d+"\s*:')

pc: Any = _compute  # the pyarrow-stubs compute overloads reject valid calls (pc.equal(StringArray, str))


def sniff(head: bytes) -> bool:
    start = head.lstrip()
    if start.startswith(b"[") and start[1:].lstrip().startswith(b"{"):
        return b'"icao24"' in head and b'"timestamp"' in head
    # columns orient: the first column alone may fill the head, so only "timestamp" can be required here.
    return bool(_COLUMNS_ORIENT.match(start)) and b'"timestamp"' in head


def read(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    with source.open(options.limits) as stream:
        first = stream.read(4096)
        if first.lstrip().startswith(b"["):
            yield from _read_records(first, stream, source, options.limits)
            return
        data = first + read_document(
            stream, replace(options.limits, max_document_bytes=options.limits.max_document_bytes - len(first))
        )
    yield _read_columns(data, source)


def _read_records(first: bytes, stream: Any, source: InputFile, limits: Limits) -> Iterator[Chunk]:
    buf = first.lstrip()[1:]  # drop "["
    index = 0
    done = False
    while not done:
        more = stream.read(READ_BLOCK_BYTES)
        buf += more
        done = not more
        if len(buf) > READ_BLOCK_BYTES + limits.max_line_bytes and buf.rfind(b"},{") < len(buf) - limits.max_line_bytes:
            raise SourceError(
                f"a record longer than {limits.max_line_bytes:,} bytes (the limit) after record {index:,}",
                where=str(source.path),
                expected="records of a traffic export (docs/ingest.md, Limits)",
            )
        if done:
            body = buf.rstrip()
            if not body.endswith(b"]"):
                raise SourceError("JSON array is cut short", where=str(source.path), expected="a closing ']'")
            body = body[:-1].rstrip()
            buf = b""
        else:
            cut = buf.rfind(b"},{")
            if cut < 0:
                continue
            body, buf = buf[: cut + 1], buf[cut + 2 :]
        if not body:
            continue
        lines = body.replace(b"},{", b"}\n{")
        chunk, n = _parse_lines(lines, index, source)
        index += n
        yield chunk


def _parse_lines(lines: bytes, first_index: int, source: InputFile) -> tuple[Chunk, int]:
    n_lines = lines.count(b"\n") + 1
    try:
        table = pj.read_json(
            pa.BufferReader(lines),  # type: ignore[arg-type]  # stubs omit NativeFile
            read_options=pj.ReadOptions(use_threads=False, block_size=max(len(lines) + 1, 1 << 20)),
            parse_options=pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore"),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        table = None
    if table is not None and table.num_rows == n_lines:
        offsets = np.arange(first_index, first_index + n_lines, dtype=np.int64)
        return _convert(table, offsets, source, []), n_lines
    # Slow path: one record at a time, so one bad record costs one record.
    rows: list[dict[str, Any]] = []
    good: list[int] = []
    bad: list[int] = []
    details: list[str] = []
    for k, line in enumerate(lines.split(b"\n")):
        try:
            obj = orjson.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except (orjson.JSONDecodeError, ValueError) as exc:
            bad.append(first_index + k)
            details.append(f"not a JSON object: {exc}")
            continue
        rows.append(obj)
        good.append(first_index + k)
    return _convert(
        _table_from_rows(rows),
        np.asarray(good, dtype=np.int64),
        source,
        [rejects_table(bad, RejectReason.BAD_JSON, details)],
    ), n_lines


def _table_from_rows(rows: list[dict[str, Any]]) -> pa.Table:
    columns = {}
    for schema_field in _SCHEMA:
        values = [r.get(schema_field.name) for r in rows]
        if schema_field.name in ("timestamp", "icao24", "callsign", "squawk"):
            values = [None if v is None else str(v) for v in values]
        elif pa.types.is_floating(schema_field.type):
            values = [v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values]
        else:
            values = [v if isinstance(v, bool) else None for v in values]
        columns[schema_field.name] = pa.array(values, schema_field.type)
    return pa.table(columns, schema=_SCHEMA)


def _read_columns(data: bytes, source: InputFile) -> Chunk:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"not valid JSON: {exc}", where=str(source.path)) from exc
    if not isinstance(doc, dict) or "timestamp" not in doc or "icao24" not in doc:
        raise SourceError(
            "not a traffic export", where=str(source.path), expected='pandas JSON with "timestamp" and "icao24" columns'
        )
    labels = list(doc["timestamp"].keys())
    rows = [
        {name: doc[name].get(label) for name in _SCHEMA.names if isinstance(doc.get(name), dict)} for label in labels
    ]
    try:
        offsets = np.asarray([int(label) for label in labels], dtype=np.int64)
    except ValueError:
        offsets = np.arange(len(labels), dtype=np.int64)
    return _convert(_table_from_rows(rows), offsets, source, [])


def _timestamps(column: ArrowColumn) -> npt.NDArray[np.int64]:
    """Unix milliseconds (as text of a number) or ISO 8601 text -> microseconds; bad -> 0."""
    text = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    as_number = pc.cast(text, pa.float64(), safe=False) if _all_numeric(text) else None
    if as_number is not None:
        millis = as_number.to_numpy(zero_copy_only=False)
        micros = np.round(millis * 1000.0)
        return np.where(np.isfinite(micros), micros, 0).astype(np.int64)
    out = np.zeros(len(text), dtype=np.int64)
    for k, value in enumerate(text.to_pylist()):
        if value is None:
            continue
        try:
            out[k] = round(float(value) * 1000.0)
        except ValueError:
            try:
                out[k] = pa.scalar(value.replace("Z", "")).cast(pa.timestamp("us")).value
            except (pa.ArrowInvalid, TypeError):
                out[k] = 0
    return out


def _all_numeric(text: ArrowColumn) -> bool:
    valid = text.drop_null()
    return bool(
        pc.all(pc.match_substring_regex(valid, r"^-?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$")).as_py() is not False
    )


def _convert(table: pa.Table, offsets: np.ndarray, source: InputFile, rejects: list[pa.Table]) -> Chunk:
    read_count = len(offsets) + sum(t.num_rows for t in rejects)
    micros = _timestamps(table["timestamp"])
    icao = pc.utf8_lower(table["icao24"].combine_chunks())
    missing = table["timestamp"].is_null().to_numpy(zero_copy_only=False) | table["icao24"].is_null().to_numpy(
        zero_copy_only=False
    )
    ok_time = timestamp_ok(micros) & ~missing
    ok_addr = icao_ok(icao) & ~missing
    for mask, reason, detail in (
        (missing, RejectReason.MISSING_FIELD, "record without timestamp or icao24"),
        (~missing & ~ok_time, RejectReason.BAD_TIMESTAMP, "timestamp is not Unix ms or ISO 8601 in 1990-2100"),
        (~missing & ok_time & ~ok_addr, RejectReason.BAD_ADDRESS, "icao24 is not 6 hexadecimal digits"),
    ):
        if mask.any():
            rejects.append(rejects_table(offsets[mask], reason, detail))
    good = ok_time & ok_addr
    keep = pa.array(good)
    columns: dict[str, Any] = {out: table[name].combine_chunks().filter(keep) for name, out in _NUMERIC.items()}
    columns.update(
        ts=pa.array(micros[good]).cast(pa.timestamp("us", tz="UTC")),
        icao24=icao.filter(keep),
        callsign=clean_callsign(table["callsign"].combine_chunks().filter(keep)),
        squawk=table["squawk"].combine_chunks().filter(keep),
        on_ground=table["onground"].combine_chunks().filter(keep),
        source_offset=pa.array(offsets[good]),
    )
    positions = positions_table(columns, int(good.sum()), source.file_id)
    return Chunk(read=read_count, positions=positions, rejects=concat_rejects(rejects))
