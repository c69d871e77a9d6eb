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

A file missing any of ``time, icao24, lat, lon`` (or named differently) is refused whole with a
``SourceError`` naming the missing and found columns. CSV rows with the wrong number of fields are
``bad_row`` rejects. ``source_offset`` is the 1-based data row (the header is row 0).
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
)

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
        ts = pc.cast(pc.cast(time, pa.timestamp("us", tz="UTC")), pa.timestamp("us", tz="UTC"))
        micros = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
    else:
        seconds = pc.cast(time, pa.float64()).to_numpy(zero_copy_only=False)
        micros = np.round(seconds * 1e6)
        micros = np.where(np.isfinite(micros), micros, 0).astype(np.int64)
    ts_ok = (micros >= 631_152_000_000_000) & ~pc.is_null(time).to_numpy(zero_copy_only=False)
    icao = pc.utf8_lower(pc.cast(batch.column(names.index("icao24")), pa.string()))
    addr_ok = icao_ok(icao)
    rejects = []
    for mask, reason, detail in (
        (~ts_ok, RejectReason.BAD_TIMESTAMP, "time missing or before 1990"),
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


def read_parquet(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    if source.compression is Compression.NONE:
        parquet = pq.ParquetFile(source.path)
    else:
        with source.open() as stream:
            parquet = pq.ParquetFile(pa.BufferReader(stream.read()))
    names = parquet.schema_arrow.names
    _check_columns(names, source)
    wanted = [c for c in (*REQUIRED, *OPTIONAL) if c in names]
    row = 1
    for batch in parquet.iter_batches(batch_size=options.chunk_rows, columns=wanted):
        rows = np.arange(row, row + batch.num_rows, dtype=np.int64)
        row += batch.num_rows
        yield _convert(batch, rows, source)


def read_csv(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    invalid: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> Literal["skip"]:
        invalid.append((row.number or -1, row.text or ""))
        return "skip"

    types = {
        "time": pa.float64(),
        "icao24": pa.string(),
        "callsign": pa.string(),
        "squawk": pa.string(),
        "onground": pa.string(),
    }
    try:
        reader = pacsv.open_csv(
            source.open(),  # type: ignore[arg-type]  # stubs omit NativeFile
            read_options=pacsv.ReadOptions(use_threads=False, block_size=1 << 23),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )
    except pa.ArrowInvalid as exc:
        raise SourceError(f"not a readable CSV: {exc}", where=str(source.path)) from exc
    names = reader.schema.names
    _check_columns(names, source)
    done = 0
    reported = 0
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            raise SourceError(f"unreadable CSV data: {exc}", where=str(source.path)) from exc
        bad_rows = np.asarray(sorted(number - 1 for number, _ in invalid if number > 0), dtype=np.int64)
        wanted = np.arange(done + 1, done + 1 + batch.num_rows, dtype=np.int64)
        # The k-th good data row is row k plus the number of bad rows at or before it.
        rows = wanted + np.searchsorted(bad_rows - np.arange(len(bad_rows)), wanted, side="right")
        done += batch.num_rows
        chunk = _convert(batch, rows, source)
        new_bad = invalid[reported:]
        reported = len(invalid)
        if new_bad:
            bad = rejects_table(
                [n - 1 for n, _ in new_bad],
                RejectReason.BAD_ROW,
                "wrong number of fields",
                [t.encode()[:200] for _, t in new_bad],
            )
            chunk = Chunk(
                read=chunk.read + len(new_bad), positions=chunk.positions, rejects=concat_rejects([chunk.rejects, bad])
            )
        yield chunk
    if len(invalid) > reported:
        new_bad = invalid[reported:]
        yield Chunk(
            read=len(new_bad),
            rejects=rejects_table(
                [n - 1 for n, _ in new_bad],
                RejectReason.BAD_ROW,
                "wrong number of fields",
                [t.encode()[:200] for _, t in new_bad],
            ),
        )
