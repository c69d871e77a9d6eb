"""readsb ``--net-json-port`` output: one JSON object per line, per aircraft, for every position received.

readsb writes this on its JSON port (30047 by convention, e.g. ``nc localhost 30047 > feed.ndjson``); each
line is the aircraft object of ``aircraft.json`` with the time of the update in front::

    {"now" : 1738703622.619,"hex":"ac671b","type":"adsb_icao","flight":"DAL1812 ","alt_baro":32000,
     "alt_geom":33825,"gs":478.6,"track":327.8,"baro_rate":0,"squawk":"4637","lat":16.77,"lon":-88.03,
     "nic":8,"nac_p":10,"sil":3,"seen_pos":0.4,"seen":0.1, ...}

Fields are read as in ``readsb.py`` (aircraft.json): the row's time is ``now - seen_pos`` when it has a
position, else ``now - seen``; ``alt_baro`` ``"ground"`` sets ``on_ground``; addresses starting with ``~``
(TIS-B, anonymous) are ``bad_address`` rejects; other members are ignored (receiver lists included: they are
never stored). ``source_offset`` is the 1-based line number. Lines are streamed a block at a time and
parsed by Arrow's JSON reader; a block with a malformed line falls back to a line-by-line parse of that
block, so a bad line (``bad_json``) costs one line. A line over ``Limits.max_line_bytes`` is ``too_long``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as _compute
import pyarrow.json as pj

from airpicture.sources.adsb._common import (
    Chunk,
    InputFile,
    ReadOptions,
    RejectReason,
    clean_callsign,
    first_json_object,
    rejects_table,
    seconds_to_micros,
    with_too_long,
)
from airpicture.sources.adsb.readsb import finish_positions
from airpicture.sources.adsb.streams import iter_line_blocks

pc: Any = _compute  # the pyarrow-stubs compute overloads reject valid calls (pc.equal(StringArray, str))

_FLOATS = ("now", "seen", "seen_pos", "lat", "lon", "alt_baro", "alt_geom", "gs", "track", "baro_rate", "geom_rate")
_INTS = ("nic", "nac_p", "sil")
_TEXTS = ("hex", "flight", "squawk")
_FIELDS: list[pa.Field[Any]] = [pa.field(name, pa.float64()) for name in _FLOATS]
_FIELDS += [pa.field(name, pa.float64()) for name in _INTS]
_FIELDS += [pa.field(name, pa.string()) for name in _TEXTS]
_FIELDS.append(pa.field("ground", pa.bool_()))
_SCHEMA = pa.schema(_FIELDS)
_PARSE = pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")
_GROUND = b'"alt_baro":"ground"'
_GROUND_AS = b'"alt_baro":null,"ground":true'


def sniff(head: bytes) -> bool:
    """The first non-blank line is a JSON object with ``now`` and ``hex`` members (one aircraft)."""
    obj = first_json_object(head)
    return isinstance(obj, dict) and "now" in obj and "hex" in obj and "aircraft" not in obj


def read(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    limits = options.limits
    with source.open(limits) as stream:
        for block in iter_line_blocks(stream, limits):
            yield with_too_long(_parse_block(block.data, block.first_line, source.file_id), block, limits)


def _parse_block(data: bytes, first_line: int, file_id: str) -> Chunk:
    if not data.strip():
        return Chunk(read=0)
    text = data.replace(_GROUND, _GROUND_AS)
    n_lines = text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
    table: pa.Table | None = None
    if b"\n\n" not in text and not text.startswith(b"\n"):
        try:
            table = pj.read_json(
                pa.BufferReader(text),  # type: ignore[arg-type]  # stubs omit NativeFile
                read_options=pj.ReadOptions(use_threads=False, block_size=max(len(text) + 1, 1 << 20)),
                parse_options=_PARSE,
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table = None
        if table is not None and table.num_rows != n_lines:
            table = None
    rejects: list[pa.Table] = []
    if table is not None:
        lines = np.arange(first_line, first_line + n_lines, dtype=np.int64)
    else:
        table, lines, bad = _parse_lines(text, first_line)
        rejects.append(bad)
    return _to_chunk(table, lines, file_id, rejects)


def _parse_lines(text: bytes, first_line: int) -> tuple[pa.Table, np.ndarray, pa.Table]:
    """One line at a time (a block with a bad line): good objects as a table, the rest as ``bad_json``."""
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    bad_at: list[int] = []
    bad_detail: list[str] = []
    bad_raw: list[bytes] = []
    for k, line in enumerate(text.split(b"\n")):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            bad_at.append(first_line + k)
            bad_detail.append(f"not JSON: {exc}")
            bad_raw.append(line[:200])
            continue
        if not isinstance(obj, dict):
            bad_at.append(first_line + k)
            bad_detail.append("not a JSON object")
            bad_raw.append(line[:200])
            continue
        rows.append(obj)
        numbers.append(first_line + k)
    columns: dict[str, Any] = {}
    for schema_field in _SCHEMA:
        values = [r.get(schema_field.name) for r in rows]
        if schema_field.type == pa.string():
            values = [v if isinstance(v, str) else None for v in values]
        elif schema_field.type == pa.bool_():
            values = [v if isinstance(v, bool) else None for v in values]
        else:
            values = [v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values]
        columns[schema_field.name] = pa.array(values, schema_field.type)
    table = pa.table(columns, schema=_SCHEMA)
    return table, np.asarray(numbers, dtype=np.int64), rejects_table(bad_at, RejectReason.BAD_JSON, bad_detail, bad_raw)


def _to_chunk(table: pa.Table, lines: np.ndarray, file_id: str, rejects: list[pa.Table]) -> Chunk:
    def num(name: str) -> np.ndarray:
        values: np.ndarray = table[name].to_numpy(zero_copy_only=False).astype(np.float64)
        return values

    lat = table["lat"].combine_chunks()
    has_pos = ~lat.is_null().to_numpy(zero_copy_only=False)
    seen, seen_pos = np.nan_to_num(num("seen"), nan=0.0), num("seen_pos")
    age = np.where(has_pos & np.isfinite(seen_pos), seen_pos, seen)
    micros = seconds_to_micros(num("now") - age)
    ground = table["ground"].combine_chunks()
    alt = table["alt_baro"].combine_chunks()
    rate = pc.coalesce(table["baro_rate"].combine_chunks(), table["geom_rate"].combine_chunks())

    def small_int(name: str) -> Any:
        values = table[name].combine_chunks()
        fits = pc.and_(pc.greater_equal(values, -128), pc.less(values, 128))
        return pc.cast(pc.if_else(fits, values, pa.scalar(None, pa.float64())), pa.int8(), safe=False)

    columns: dict[str, Any] = {
        "lat_deg": lat,
        "lon_deg": table["lon"].combine_chunks(),
        "alt_ft": alt,
        "alt_gnss_ft": table["alt_geom"].combine_chunks(),
        "gs_kt": table["gs"].combine_chunks(),
        "track_deg": table["track"].combine_chunks(),
        "vrate_fpm": rate,
        "callsign": clean_callsign(table["flight"].combine_chunks()),
        "squawk": table["squawk"].combine_chunks(),
        "on_ground": pc.if_else(
            pc.fill_null(ground, False), True, pc.if_else(alt.is_null(), pa.scalar(None, pa.bool_()), False)
        ),
        "nic": small_int("nic"),
        "nacp": small_int("nac_p"),
        "sil": small_int("sil"),
    }
    icao = pc.utf8_lower(pc.fill_null(table["hex"].combine_chunks(), ""))
    return finish_positions(file_id, micros, icao, columns, lines, rejects)
