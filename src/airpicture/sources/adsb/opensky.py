"""OpenSky Network state vectors (``state_vectors_data4`` schema), as CSV or Parquet.

Columns (SI units, converted on read)::

    time            Unix s (CSV) or timestamp (Parquet)  -> ts
    icao24          6 hex digits                          -> icao24
    lat, lon        degrees                               -> lat_deg, lon_deg
    velocity        m/s over ground                       -> gs_kt      (× 1.943844)
    heading         degrees true                          -> track_deg
    vertrate        m/s                                   -> vrate_fpm  (× 196.8504)
    callsign        string                                -> callsign (trimmed)
    onground        boolean                               -> on_ground
    squawk          4 octal digits                        -> squawk
    baroaltitude    m                                     -> alt_ft     (÷ 0.3048)
    geoaltitude     m                                     -> alt_gnss_ft
    alert, spi, lastposupdate, lastcontact, serials, hour: not stored

A file missing any of ``time, icao24, lat, lon`` (or named differently), a CSV header of more than
``Limits.max_columns`` names, or a Parquet column of a type that cannot be converted (``lat`` as text) is
refused whole with a ``SourceError`` naming the file and column. CSV rows are checked line by line before
parsing: an unterminated quote, the wrong number of fields, a field over 4 KiB or a number that is not one
is a ``bad_row`` reject of that row only; a line over 64 KiB is ``too_long``. A time outside 1990–2100 is
``bad_timestamp``. ``source_offset`` is the 1-based data row (the header is row 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from airpicture.model.errors import SourceError
from airpicture.sources.adsb._common import (
    ArrowColumn,
    Chunk,
    Compression,
    InputFile,
    ReadOptions,
    RejectReason,
    clean_callsign,
    concat_rejects,
    icao_ok,
    positions_table,
    rejects_table,
    seconds_to_micros,
    timestamp_ok,
    with_too_long,
)
from airpicture.sources.adsb.streams import Limits, iter_line_blocks, read_document

REQUIRED = ("time", "icao24", "lat", "lon")
OPTIONAL = ("velocity", "heading", "vertrate", "callsign", "onground", "squawk", "baroaltitude", "geoaltitude")
MS_TO_KT = 1.943844
MS_TO_FPM = 196.850394
M_TO_FT = 1 / 0.3048
PARQUET_MAGIC = b"PAR1"

pc: Any = _compute  # the pyarrow-stubs compute overloads reject valid calls (pc.equal(StringArray, str))


def sniff_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].strip().decode("utf-8", errors="replace")
    names = [n.strip() for n in first.split(",")]
    return "icao24" in names and ("time" in names or "lastcontact" in names) and ("velocity" in names)


def sniff_parquet(head: bytes) -> bool:
    return head.startswith(PARQUET_MAGIC)


def _check_columns(names: list[str], source: InputFile) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise SourceError(
            f"missing column(s) {', '.join(missing)}",
            where=str(source.path),
            found=", ".join(names)[:300],
            expected=f"OpenSky state_vectors_data4 columns including {', '.join(REQUIRED)}",
        )


def _convert(batch: pa.RecordBatch | pa.Table, rows: np.ndarray, source: InputFile) -> Chunk:
    names = batch.schema.names
    time = batch.column(names.index("time"))
    if pa.types.is_timestamp(time.type):
        micros = _timestamp_micros(time)
    else:
        seconds = pc.cast(time, pa.float64()).to_numpy(zero_copy_only=False)
        micros = seconds_to_micros(np.asarray(seconds, dtype=np.float64))
    ts_ok = timestamp_ok(micros) & ~pc.is_null(time).to_numpy(zero_copy_only=False)
    icao = pc.utf8_lower(pc.cast(batch.column(names.index("icao24")), pa.string()))
    addr_ok = icao_ok(icao)
    rejects = []
    for mask, reason, detail in (
        (~ts_ok, RejectReason.BAD_TIMESTAMP, "time missing, not a number, or outside 1990-2100"),
        (ts_ok & ~addr_ok, RejectReason.BAD_ADDRESS, "icao24 is not 6 hexadecimal digits"),
    ):
        if mask.any():
            rejects.append(rejects_table(rows[mask], reason, detail))
    good = ts_ok & addr_ok
    keep = pa.array(good)

    def col(name: str, scale: float = 1.0) -> ArrowColumn | None:
        if name not in names:
            return None
        values = pc.cast(batch.column(names.index(name)), pa.float64()).filter(keep)
        return pc.multiply(values, scale) if scale != 1.0 else values

    columns = {
        "ts": pa.array(micros[good]).cast(pa.timestamp("us", tz="UTC")),
        "icao24": icao.filter(keep),
        "lat_deg": col("lat"),
        "lon_deg": col("lon"),
        "alt_ft": col("baroaltitude", M_TO_FT),
        "alt_gnss_ft": col("geoaltitude", M_TO_FT),
        "gs_kt": col("velocity", MS_TO_KT),
        "track_deg": col("heading"),
        "vrate_fpm": col("vertrate", MS_TO_FPM),
        "callsign": clean_callsign(batch.column(names.index("callsign")).filter(keep)) if "callsign" in names else None,
        "squawk": pc.cast(batch.column(names.index("squawk")), pa.string()).filter(keep) if "squawk" in names else None,
        "on_ground": _bool(batch.column(names.index("onground"))).filter(keep) if "onground" in names else None,
        "source_offset": pa.array(rows[good]),
    }
    table = positions_table({k: v for k, v in columns.items() if v is not None}, int(good.sum()), source.file_id)
    return Chunk(read=len(rows), positions=table, rejects=concat_rejects(rejects))


def _timestamp_micros(time: ArrowColumn) -> np.ndarray:
    """Microseconds since the epoch of a timestamp column of any unit; nulls become 0 (out of range)."""
    unit = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 0}[time.type.unit]
    raw: np.ndarray = pc.fill_null(pc.cast(time, pa.int64()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    if unit == 0:
        return raw // 1000
    limit = np.iinfo(np.int64).max // unit
    micros: np.ndarray = np.where(np.abs(raw) < limit, raw * unit, 0)
    return micros


def _bool(values: ArrowColumn) -> ArrowColumn:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_boolean(values.type):
        return values
    text = pc.utf8_lower(pc.cast(values, pa.string()))
    return pc.if_else(
        pc.is_in(text, pa.array(["true", "1", "t"])),
        True,
        pc.if_else(pc.is_in(text, pa.array(["false", "0", "f"])), False, pa.scalar(None, pa.bool_())),
    )


_NUMERIC_TEXT = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
_NUMERIC = ("time", "lat", "lon", "velocity", "heading", "vertrate", "baroaltitude", "geoaltitude")
_TEXT = ("icao24", "callsign", "squawk")


def _check_parquet_types(schema: pa.Schema, source: InputFile) -> None:
    """Refuse a Parquet file whose columns have types the reader cannot convert, naming the column."""
    for name in (*REQUIRED, *OPTIONAL):
        if name not in schema.names:
            continue
        kind = schema.field(name).type
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)
        if name == "time":
            ok = numeric or pa.types.is_timestamp(kind)
            expected = "a timestamp or Unix seconds"
        elif name in _NUMERIC:
            ok, expected = numeric, "a number"
        elif name == "onground":
            ok, expected = text or pa.types.is_boolean(kind), "a boolean"
        else:
            ok, expected = text or pa.types.is_integer(kind), "text"
        if not ok:
            raise SourceError(
                f"column {name} has type {kind}", where=str(source.path), expected=f"{expected} (OpenSky state vectors)"
            )


def read_parquet(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    try:
        if source.compression is Compression.NONE:
            parquet = pq.ParquetFile(source.path)
        else:
            with source.open(options.limits) as stream:
                parquet = pq.ParquetFile(pa.BufferReader(read_document(stream, options.limits)))
        names = parquet.schema_arrow.names
        _check_columns(names, source)
        _check_parquet_types(parquet.schema_arrow, source)
        wanted = [c for c in (*REQUIRED, *OPTIONAL) if c in names]
        row = 1
        for batch in parquet.iter_batches(batch_size=options.chunk_rows, columns=wanted):
            rows = np.arange(row, row + batch.num_rows, dtype=np.int64)
            row += batch.num_rows
            yield _convert(batch, rows, source)
    except (OSError, pa.ArrowException) as exc:
        raise SourceError(f"unreadable Parquet: {exc}", where=str(source.path)) from exc


def read_csv(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    """Stream the CSV a block of whole lines at a time; damaged rows are rejected one by one.

    Lines are checked before Arrow parses them, so a row cannot swallow the ones after it: a line with an
    odd number of ``"`` (an unterminated quote, which would run on to the end of the file) is a ``bad_row``;
    so is a row with the wrong number of fields, a field over ``max_field_bytes`` or a number that is not
    one. Lines over ``max_line_bytes`` are ``too_long``; a header with more than ``max_columns`` names is
    refused before anything else is read.
    """
    limits = options.limits
    with source.open(limits) as stream:
        header: list[str] | None = None
        for block in iter_line_blocks(stream, limits):
            data, first_line = block.data, block.first_line
            if header is None:
                if block.too_long and block.too_long[0][0] == 1:
                    raise SourceError(f"CSV header longer than {limits.max_line_bytes:,} bytes", where=str(source.path))
                end = data.find(b"\n")
                end = len(data) if end < 0 else end
                header = _header(data[:end], source, limits)
                data, first_line = data[end + 1 :], 2
            chunk = _csv_block(data, first_line, header, source, limits)
            yield with_too_long(chunk, block, limits)
        if header is None:
            raise SourceError("empty CSV file", where=str(source.path), expected="a header line")


def _header(line: bytes, source: InputFile, limits: Limits) -> list[str]:
    n_columns = line.count(b",") + 1
    if n_columns > limits.max_columns:
        raise SourceError(
            f"CSV header names {n_columns:,} columns, more than the limit of {limits.max_columns:,}",
            where=f"{source.path}:1",
            expected="OpenSky state vectors (17 columns)",
        )
    names = [n.strip().strip('"') for n in line.decode("utf-8", errors="replace").strip().split(",")]
    _check_columns(names, source)
    return names


def _csv_block(data: bytes, first_line: int, header: list[str], source: InputFile, limits: Limits) -> Chunk:
    """Rows of one block of whole lines (``first_line`` is the number of its first line; header is line 1)."""
    if not data:
        return Chunk(read=0)
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if not data.endswith(b"\n"):
        ends = np.append(ends, len(raw))
    starts = np.concatenate([[0], ends[:-1] + 1])
    numbers = first_line + np.arange(len(ends), dtype=np.int64) - 1  # data row number = line number - 1
    quotes = np.add.reduceat((raw == 34).astype(np.int64), starts) if len(raw) else np.zeros(0, np.int64)
    quotes[starts >= ends] = 0  # reduceat over an empty line reads the next line's first byte
    lengths = ends - starts
    blank = (lengths == 0) | ((lengths == 1) & (raw[np.minimum(starts, len(raw) - 1)] == 13))
    unterminated = (quotes % 2 == 1) & ~blank
    keep_line = ~blank & ~unterminated
    rejects = []
    if unterminated.any():
        rejects.append(
            rejects_table(
                numbers[unterminated],
                RejectReason.BAD_ROW,
                'unterminated quote (an odd number of ")',
                [data[a : min(b, a + 200)] for a, b in zip(starts[unterminated], ends[unterminated], strict=True)],
            )
        )
    kept_numbers = numbers[keep_line]
    if not len(kept_numbers):
        return Chunk(read=int(unterminated.sum()), rejects=concat_rejects(rejects))
    if keep_line.all():
        clean = data
    else:
        clean = b"\n".join(data[a:b] for a, b in zip(starts[keep_line], ends[keep_line], strict=True))
    # Bytes that are not UTF-8 become U+FFFD (Arrow would refuse the whole block); a bad byte costs a field.
    clean = clean.decode("utf-8", errors="replace").encode("utf-8")
    table, invalid = _parse_csv(clean, header, source)
    if invalid:
        index = np.asarray([k for k, _ in invalid], dtype=np.int64)
        rejects.append(
            rejects_table(
                kept_numbers[index], RejectReason.BAD_ROW, "wrong number of fields", [t[:200] for _, t in invalid]
            )
        )
        kept_numbers = np.delete(kept_numbers, index)
    table, bad_fields = _typed(table, limits)
    for detail, mask in bad_fields:
        rejects.append(rejects_table(kept_numbers[mask], RejectReason.BAD_ROW, detail))
    good = np.ones(table.num_rows, dtype=bool)
    for _, mask in bad_fields:
        good &= ~mask
    chunk = _convert(table.filter(pa.array(good)), kept_numbers[good], source)
    read_count = chunk.read + sum(t.num_rows for t in rejects)
    return Chunk(read=read_count, positions=chunk.positions, rejects=concat_rejects([*rejects, chunk.rejects]))


def _parse_csv(clean: bytes, header: list[str], source: InputFile) -> tuple[pa.Table, list[tuple[int, bytes]]]:
    """Arrow's CSV parser over checked lines, every wanted column as text; rows with the wrong field count out."""
    invalid: list[tuple[int, bytes]] = []

    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip"]:
        text = row.text or ""
        invalid.append((-1 if row.number is None else row.number - 1, text.encode()[:200]))
        return "skip"

    wanted = [c for c in (*REQUIRED, *OPTIONAL) if c in header]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(clean),  # type: ignore[arg-type]  # stubs omit NativeFile
            read_options=pacsv.ReadOptions(column_names=header, use_threads=False, block_size=len(clean) + 1),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in wanted}, include_columns=wanted, strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as exc:
        raise SourceError(f"unreadable CSV data: {exc}", where=str(source.path)) from exc
    if any(k < 0 for k, _ in invalid):
        raise SourceError("CSV rows without a row number from the parser", where=str(source.path))
    return table, invalid


def _typed(table: pa.Table, limits: Limits) -> tuple[pa.Table, list[tuple[str, np.ndarray]]]:
    """Numbers out of text; ``(detail, row mask)`` for every field too long or not a number."""
    bad: list[tuple[str, np.ndarray]] = []
    columns = {}
    for name in table.column_names:
        text = table[name].combine_chunks()
        too_long = pc.fill_null(pc.greater(pc.binary_length(text), limits.max_field_bytes), False)
        too_long_mask = too_long.to_numpy(zero_copy_only=False)
        if too_long_mask.any():
            bad.append((f"field {name} longer than {limits.max_field_bytes:,} bytes (the limit)", too_long_mask))
        if name in _NUMERIC:
            blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(text), ""), True)
            valid = pc.fill_null(pc.match_substring_regex(text, _NUMERIC_TEXT), False)
            not_number = (~blank.to_numpy(zero_copy_only=False)) & ~valid.to_numpy(zero_copy_only=False)
            if not_number.any() and name != "time":
                bad.append((f"field {name} is not a number", not_number & ~too_long_mask))
            safe = pc.if_else(valid, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
            columns[name] = pc.cast(safe, pa.float64())
        else:
            columns[name] = text
    return pa.table(columns), bad
