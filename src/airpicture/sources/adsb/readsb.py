"""readsb / tar1090 JSON: ``aircraft.json`` snapshots and ``globe_history`` trace files.

Both are one JSON document each, read whole (readsb writes a snapshot every second or so, and one trace
file per aircraft per day, so each stays small: the bundled 22.7-hour trace is 430 KB). A document over
``Limits.max_document_bytes`` (256 MiB decompressed) is refused unread.

``aircraft.json``::

    {"now": 1738703622.6, "aircraft": [{"hex": "ac671b", "flight": "DAL1812 ", "alt_baro": 32000 | "ground",
      "alt_geom": 33825, "gs": 478.6, "track": 327.8, "baro_rate": 0, "squawk": "4637", "lat": 16.77,
      "lon": -88.03, "nic": 8, "nac_p": 10, "sil": 3, "seen_pos": 0.4, "seen": 0.1, ...}, ...]}

A row's time is ``now - seen_pos`` when it has a position, else ``now - seen``. Addresses starting with
``~`` are not ICAO addresses (TIS-B/anonymous) and are ``bad_address`` rejects. ``source_offset`` is the
aircraft's index in the ``aircraft`` array.

Trace file (``trace_full_<hex>.json``)::

    {"icao": "ac671b", "timestamp": 1738703622.619, "trace": [
      [dt_s, lat, lon, alt_ft | "ground" | null, gs_kt, track_deg, flags, vrate_fpm, details | null,
       source, alt_geom_ft, geom_rate_fpm, ias_kt, roll_deg], ...]}

A point's time is ``timestamp + dt_s``. ``flags`` bit 8 says the altitude is geometric (then it goes to
``alt_gnss_ft``); ``details`` (when present) carries callsign, squawk, NIC, NACp and SIL. ``source_offset``
is the point's index in the ``trace`` array.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as _compute

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
    seconds_to_micros,
    timestamp_ok,
)
from airpicture.sources.adsb.streams import read_document

TRACE_ALT_GEOMETRIC = 8

pc: Any = _compute  # the pyarrow-stubs compute overloads reject valid calls (pc.equal(StringArray, str))


def sniff_aircraft(head: bytes) -> bool:
    start = head.lstrip()[:4096]
    return start.startswith(b"{") and b'"aircraft"' in head and b'"now"' in head


def sniff_trace(head: bytes) -> bool:
    return head.lstrip().startswith(b"{") and b'"trace"' in head and b'"icao"' in head


def _load(source: InputFile, options: ReadOptions) -> Any:
    with source.open(options.limits) as stream:
        data = read_document(stream, options.limits)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"not valid JSON: {exc}", where=str(source.path)) from exc


def _num(values: Sequence[Any]) -> ArrowColumn:
    return pa.array(
        [v if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values], pa.float64()
    )


def _int(values: Sequence[Any]) -> ArrowColumn:
    return pa.array(
        [v if isinstance(v, int) and not isinstance(v, bool) and -128 <= v < 128 else None for v in values], pa.int8()
    )


def _str(values: Sequence[Any]) -> ArrowColumn:
    return pa.array([v if isinstance(v, str) else None for v in values], pa.string())


def finish_positions(
    file_id: str,
    micros: np.ndarray,
    icao: ArrowColumn,
    columns: dict[str, Any],
    offsets: np.ndarray,
    rejects: list[pa.Table],
) -> Chunk:
    read_count = len(micros) + sum(t.num_rows for t in rejects)
    ok_time = timestamp_ok(micros)
    ok_addr = icao_ok(icao)
    for mask, reason, detail in (
        (~ok_time, RejectReason.BAD_TIMESTAMP, "time missing or outside 1990-2100"),
        (ok_time & ~ok_addr, RejectReason.BAD_ADDRESS, "address is not 6 hexadecimal digits"),
    ):
        if mask.any():
            rejects.append(rejects_table(offsets[mask], reason, detail))
    good = ok_time & ok_addr
    keep = pa.array(good)
    cols = {k: (v.filter(keep) if isinstance(v, pa.Array) else v[good]) for k, v in columns.items()}
    cols["ts"] = pa.array(micros[good]).cast(pa.timestamp("us", tz="UTC"))
    cols["icao24"] = icao.filter(keep)
    cols["source_offset"] = pa.array(offsets[good])
    table = positions_table(cols, int(good.sum()), file_id)
    return Chunk(read=read_count, positions=table, rejects=concat_rejects(rejects))


def read_aircraft(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    yield aircraft_chunk(_load(source, options), source.file_id, str(source.path))


def aircraft_chunk(doc: Any, file_id: str, where: str) -> Chunk:
    """One parsed ``aircraft.json`` document as a chunk of positions (the file reader's and the live HTTP
    poller's one code path); ``SourceError`` naming ``where`` when it is not one."""
    if not isinstance(doc, dict) or not isinstance(doc.get("aircraft"), list) or "now" not in doc:
        raise SourceError("not a readsb aircraft.json", where=where, expected='{"now": …, "aircraft": […]}')
    now = float(doc["now"])
    planes = [a if isinstance(a, dict) else {} for a in doc["aircraft"]]

    def get(key: str) -> list[Any]:
        return [a.get(key) for a in planes]

    alt_baro = get("alt_baro")
    seen = np.array([s if isinstance(s, int | float) else 0.0 for s in get("seen")], dtype=np.float64)
    seen_pos = np.array([s if isinstance(s, int | float) else np.nan for s in get("seen_pos")], dtype=np.float64)
    lat = _num(get("lat"))
    has_pos = ~lat.is_null().to_numpy(zero_copy_only=False)
    age = np.where(has_pos & np.isfinite(seen_pos), seen_pos, seen)
    micros = seconds_to_micros(now - age)
    rate = [b if b is not None else g for b, g in zip(get("baro_rate"), get("geom_rate"), strict=True)]
    columns: dict[str, Any] = {
        "lat_deg": lat,
        "lon_deg": _num(get("lon")),
        "alt_ft": _num(alt_baro),
        "alt_gnss_ft": _num(get("alt_geom")),
        "gs_kt": _num(get("gs")),
        "track_deg": _num(get("track")),
        "vrate_fpm": _num(rate),
        "callsign": clean_callsign(_str(get("flight"))),
        "squawk": _str(get("squawk")),
        "on_ground": pa.array(
            [True if a == "ground" else (False if a is not None else None) for a in alt_baro], pa.bool_()
        ),
        "nic": _int(get("nic")),
        "nacp": _int(get("nac_p")),
        "sil": _int(get("sil")),
    }
    icao = pc.utf8_lower(_str([h if isinstance(h, str) else "" for h in get("hex")]))
    offsets = np.arange(len(planes), dtype=np.int64)
    return finish_positions(file_id, micros, icao, columns, offsets, [])


def read_trace(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    doc = _load(source, options)
    if not isinstance(doc, dict) or not isinstance(doc.get("trace"), list):
        raise SourceError("not a readsb trace file", where=str(source.path), expected='{"icao": …, "trace": […]}')
    base = doc.get("timestamp")
    if not isinstance(base, int | float):
        raise SourceError("trace file without a timestamp", where=str(source.path), expected='"timestamp": <Unix s>')
    icao_text = str(doc.get("icao", "")).lower()
    points = doc["trace"]
    rejects: list[pa.Table] = []
    good_rows: list[list[Any]] = []
    good_index: list[int] = []
    bad_index: list[int] = []
    for index, point in enumerate(points):
        if isinstance(point, list) and len(point) >= 8 and isinstance(point[0], int | float):
            good_rows.append(point + [None] * (14 - len(point)))
            good_index.append(index)
        else:
            bad_index.append(index)
    if bad_index:
        rejects.append(rejects_table(bad_index, RejectReason.BAD_ROW, "trace point is not [dt, lat, lon, alt, …]"))
    details = [p[8] if isinstance(p[8], dict) else {} for p in good_rows]

    def col(k: int) -> list[Any]:
        return [p[k] for p in good_rows]

    def detail(key: str) -> list[Any]:
        return [d.get(key) for d in details]

    flags = np.array([p[6] if isinstance(p[6], int) else 0 for p in good_rows], dtype=np.int64)
    alt = col(3)
    geometric = (flags & TRACE_ALT_GEOMETRIC) != 0
    alt_numbers = _num(alt).to_numpy(zero_copy_only=False)
    alt_baro = np.where(geometric, np.nan, alt_numbers)
    alt_geom = _num(col(10)).to_numpy(zero_copy_only=False)
    alt_geom = np.where(geometric & np.isnan(alt_geom), alt_numbers, alt_geom)
    micros = seconds_to_micros(float(base) + np.array(col(0), dtype=np.float64))
    columns: dict[str, Any] = {
        "lat_deg": _num(col(1)),
        "lon_deg": _num(col(2)),
        "alt_ft": pa.array(alt_baro, pa.float64(), from_pandas=True),
        "alt_gnss_ft": pa.array(alt_geom, pa.float64(), from_pandas=True),
        "gs_kt": _num(col(4)),
        "track_deg": _num(col(5)),
        "vrate_fpm": _num(col(7)),
        "callsign": clean_callsign(_str(detail("flight"))),
        "squawk": _str(detail("squawk")),
        "on_ground": pa.array([True if a == "ground" else (False if a is not None else None) for a in alt], pa.bool_()),
        "nic": _int(detail("nic")),
        "nacp": _int(detail("nac_p")),
        "sil": _int(detail("sil")),
    }
    icao = pa.array([icao_text] * len(good_rows), pa.string())
    yield finish_positions(source.file_id, micros, icao, columns, np.asarray(good_index, dtype=np.int64), rejects)
