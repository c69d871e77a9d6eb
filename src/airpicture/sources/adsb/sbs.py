"""SBS-1 / BaseStation CSV (dump1090/readsb port 30003), already-decoded messages.

22 comma-separated fields, no header::

    MSG,3,1,1,4CA2D6,1,2024/06/06,08:58:39.147,2024/06/06,08:58:39.147,,37000,,,48.5,2.1,,,0,0,0,0
    0   1 2 3 4      5 6          7            8          9            10 11  12 13 14  15  16 17 …  21
    type, transmission type (1 ident, 2 surface pos, 3 airborne pos, 4 velocity, 5 surveillance alt,
    6 surveillance id, 7 air-to-air, 8 all-call), session, aircraft, hex ident, flight,
    date/time generated, date/time logged, callsign, altitude (ft), ground speed (kt), track (deg),
    latitude, longitude, vertical rate (ft/min), squawk, alert, emergency, SPI, on ground (-1 = true)

Times are the "generated" date and time, read as **UTC** (dump1090-fa and readsb write UTC; the original
BaseStation wrote local time: convert such files first). Only ``MSG`` lines become rows; ``SEL``, ``ID``,
``AIR``, ``STA`` and ``CLK`` lines are counted and skipped. A ``MSG`` line with the wrong number of fields
is a ``bad_row`` reject (so is one with a field over 4 KiB); a bad date/time or one outside 1990–2100 a
``bad_timestamp`` one; a line over 64 KiB a ``too_long`` one; an address that is not 6 hex digits a
``bad_address`` one. ``source_offset`` is the 1-based line number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as _compute

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
    with_too_long,
)
from airpicture.sources.adsb.streams import Limits, LineBlock, iter_line_blocks

N_FIELDS = 22
_KINDS = (b"MSG", b"SEL", b"ID", b"AIR", b"STA", b"CLK")
_COLUMNS = {
    4: "hex",
    6: "date",
    7: "time",
    10: "callsign",
    11: "alt",
    12: "gs",
    13: "track",
    14: "lat",
    15: "lon",
    16: "vrate",
    17: "squawk",
    21: "ground",
}

pc: Any = _compute  # the pyarrow-stubs compute overloads reject valid calls (pc.equal(StringArray, str))


def sniff(head: bytes) -> bool:
    lines = [line for line in head.splitlines()[:10] if line.strip()][:-1] or head.splitlines()[:1]
    return bool(lines) and all(line.split(b",", 1)[0] in _KINDS and line.count(b",") >= 9 for line in lines)


def read(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    skipped = 0
    limits = options.limits
    with source.open(limits) as stream:
        for block in iter_line_blocks(stream, limits):
            chunk, n_skipped = block_chunk(block, source.file_id, limits)
            skipped += n_skipped
            yield chunk
    if skipped:
        yield Chunk(read=0, notes=(f"{skipped:,} non-MSG lines (SEL/ID/AIR/STA/CLK) skipped",))


def block_chunk(block: LineBlock, file_id: str, limits: Limits) -> tuple[Chunk, int]:
    """One block of whole lines as a chunk of positions, and how many non-MSG lines it skipped.

    Shared by the file reader and the live socket reader (sources/live); ``file_id`` is the file's hash or
    the live stream's id."""
    lines = block.data.split(b"\n")
    if block.data.endswith(b"\n"):
        lines.pop()
    chunk, n_skipped = _parse(lines, block.first_line - 1, file_id, limits.max_field_bytes)
    return with_too_long(chunk, block, limits), n_skipped


def _parse(lines: list[bytes], first_line: int, file_id: str, max_field: int) -> tuple[Chunk, int]:
    cols: dict[str, list[str]] = {name: [] for name in _COLUMNS.values()}
    numbers: list[int] = []
    bad_at: list[int] = []
    bad_detail: list[str] = []
    bad_raw: list[bytes] = []
    skipped = 0
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        fields = line.split(b",")
        if fields[0] != b"MSG":
            if fields[0] in _KINDS:
                skipped += 1
                continue
            bad_at.append(first_line + 1 + i)
            bad_detail.append(f"line starts with {fields[0][:10]!r}, expected MSG")
            bad_raw.append(line[:200])
            continue
        if len(fields) != N_FIELDS:
            bad_at.append(first_line + 1 + i)
            bad_detail.append(f"{len(fields)} fields, expected {N_FIELDS}")
            bad_raw.append(line[:200])
            continue
        if len(line) > max_field and max(len(f) for f in fields) > max_field:
            bad_at.append(first_line + 1 + i)
            bad_detail.append(f"a field longer than {max_field:,} bytes (the limit)")
            bad_raw.append(line[:200])
            continue
        numbers.append(first_line + 1 + i)
        for index, name in _COLUMNS.items():
            cols[name].append(fields[index].decode("utf-8", errors="replace").strip())
    rejects = [rejects_table(bad_at, RejectReason.BAD_ROW, bad_detail, bad_raw)]
    read_count = len(numbers) + len(bad_at)
    if not numbers:
        return Chunk(read=read_count, rejects=concat_rejects(rejects)), skipped
    arrays = {name: pa.array(values, pa.string()) for name, values in cols.items()}
    empty_null = {name: pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a) for name, a in arrays.items()}
    stamp_text = pc.binary_join_element_wise(pc.replace_substring(arrays["date"], "/", "-"), arrays["time"], " ")
    try:
        ts = pc.cast(stamp_text, pa.timestamp("us"))
        ts_ok = np.ones(len(numbers), dtype=bool)
    except pa.ArrowInvalid:
        ts_list = []
        ts_ok = np.ones(len(numbers), dtype=bool)
        for k, text in enumerate(stamp_text.to_pylist()):
            try:
                ts_list.append(pa.scalar(text).cast(pa.timestamp("us")).value)
            except (pa.ArrowInvalid, TypeError):
                ts_list.append(0)
                ts_ok[k] = False
        ts = pa.array(ts_list, pa.timestamp("us"))
    if ts_ok.any():
        # Inside the supported range (1990-2100) or rejected: a year 9999 must not reach the store.
        in_range = timestamp_ok(pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False))
        ts_ok &= in_range
    icao = pc.utf8_lower(arrays["hex"])
    addr_ok = icao_ok(icao)
    line_numbers = np.asarray(numbers, dtype=np.int64)
    for mask, reason, detail in (
        (~ts_ok, RejectReason.BAD_TIMESTAMP, "date/time generated is not YYYY/MM/DD HH:MM:SS[.fff] in 1990-2100"),
        (ts_ok & ~addr_ok, RejectReason.BAD_ADDRESS, "hex ident is not 6 hexadecimal digits"),
    ):
        if mask.any():
            rejects.append(rejects_table(line_numbers[mask], reason, detail))
    good = ts_ok & addr_ok
    keep = pa.array(good)

    def number(name: str) -> ArrowColumn:
        return pc.cast(empty_null[name].filter(keep), pa.float64(), safe=False)

    ground = pc.equal(pc.utf8_trim(empty_null["ground"].filter(keep), "-"), "1")
    columns = {
        "ts": pc.cast(ts.filter(keep), pa.timestamp("us", tz="UTC")),
        "icao24": icao.filter(keep),
        "lat_deg": number("lat"),
        "lon_deg": number("lon"),
        "alt_ft": number("alt"),
        "gs_kt": number("gs"),
        "track_deg": number("track"),
        "vrate_fpm": number("vrate"),
        "callsign": clean_callsign(empty_null["callsign"].filter(keep)),
        "squawk": empty_null["squawk"].filter(keep),
        "on_ground": pc.if_else(empty_null["ground"].filter(keep).is_null(), pa.scalar(None, pa.bool_()), ground),
        "source_offset": pa.array(line_numbers[good]),
    }
    table = positions_table(columns, int(good.sum()), file_id)
    return Chunk(read=read_count, positions=table, rejects=concat_rejects(rejects)), skipped
