"""JSON Lines of timestamped Mode S frames (jet1090 / rs1090 / decode1090 style).

One JSON object per line; the reader needs two members and ignores the rest::

    {"timestamp": 1717664319.147975, "frame": "8c3461ce399e40586b4ee4932241", "df": "17", ...}

``timestamp`` is Unix seconds (UTC, float); ``frame`` the hex message (4, 14 or 28 digits). Fields the
producer already decoded are ignored on purpose: airpicture decodes every frame itself, so every file is
decoded the same way. ``source_offset`` is the 1-based line number.

Lines are parsed in blocks of about 8 MiB by Arrow's JSON reader (C++); a block with a malformed line
falls back to a line-by-line parse of that block only, so one bad line costs one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.json as pj

from airpicture.sources.adsb._common import (
    ArrowColumn,
    Chunk,
    InputFile,
    OrderCheck,
    ReadOptions,
    RejectReason,
    concat_rejects,
    first_json_object,
    frames_table,
    hex_to_frames,
    rejects_table,
    seconds_to_micros,
    timestamp_ok,
    with_too_long,
)
from airpicture.sources.adsb.streams import iter_line_blocks

_FIELDS: list[pa.Field[Any]] = [pa.field("timestamp", pa.float64()), pa.field("frame", pa.string())]
_SCHEMA = pa.schema(_FIELDS)
_PARSE = pj.ParseOptions(explicit_schema=_SCHEMA, unexpected_field_behavior="ignore")


def sniff(head: bytes) -> bool:
    """The first non-blank line is a JSON object with ``timestamp`` and ``frame`` members."""
    obj = first_json_object(head)
    return isinstance(obj, dict) and "frame" in obj and "timestamp" in obj


def read(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    order = OrderCheck(int(options.max_reorder_s * 1e6))
    limits = options.limits
    with source.open(limits) as stream:
        for line_block in iter_line_blocks(stream, limits):
            block, line_no = line_block.data, line_block.first_line - 1
            n_lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            truncated: pa.Table | None = None
            if line_block.is_last and block and not block.endswith(b"\n"):
                # A last line without its newline is fine if it parses (many writers omit it).
                last = block[block.rfind(b"\n") + 1 :]
                try:
                    orjson.loads(last)
                except orjson.JSONDecodeError:
                    truncated = rejects_table(
                        [line_no + n_lines], RejectReason.TRUNCATED, "last line is cut short", [last[:200]]
                    )
                    block = block[: len(block) - len(last)]
            yield with_too_long(_parse_block(block, line_no, order, truncated), line_block, limits)


def _parse_block(block: bytes, first_line: int, order: OrderCheck, extra: pa.Table | None) -> Chunk:
    fast = b"\n\n" not in block and not block.startswith(b"\n")
    table: pa.Table | None = None
    rejects = [extra] if extra is not None else []
    if fast and block:
        try:
            table = pj.read_json(
                pa.BufferReader(block),  # type: ignore[arg-type]  # stubs omit NativeFile
                read_options=pj.ReadOptions(use_threads=False, block_size=max(len(block), 1 << 20)),
                parse_options=_PARSE,
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            table = None
        if table is not None and table.num_rows != block.count(b"\n") + (0 if block.endswith(b"\n") else 1):
            table = None
    if table is not None:
        line_numbers = np.arange(first_line + 1, first_line + 1 + table.num_rows, dtype=np.int64)
        times = table["timestamp"].to_numpy().astype(np.float64)
        hex_column = table["frame"]
    else:
        line_numbers, times, hex_column, bad = _parse_lines(block, first_line)
        rejects.append(bad)
    read_count = len(line_numbers) + sum(t.num_rows for t in rejects)
    return _to_chunk(line_numbers, times, hex_column, order, rejects, read_count)


def _parse_lines(
    block: bytes, first_line: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], ArrowColumn, pa.Table]:
    numbers: list[int] = []
    times: list[float] = []
    frames: list[str | None] = []
    bad_at: list[int] = []
    bad_detail: list[str] = []
    bad_raw: list[bytes] = []
    for i, line in enumerate(block.split(b"\n")):
        if not line.strip():
            continue
        number = first_line + 1 + i
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            bad_at.append(number)
            bad_detail.append(f"not JSON: {exc}")
            bad_raw.append(line[:200])
            continue
        if not isinstance(obj, dict):
            bad_at.append(number)
            bad_detail.append("not a JSON object")
            bad_raw.append(line[:200])
            continue
        ts = obj.get("timestamp")
        numbers.append(number)
        times.append(float(ts) if isinstance(ts, int | float) and not isinstance(ts, bool) else float("nan"))
        frame = obj.get("frame")
        frames.append(frame if isinstance(frame, str) else None)
    bad = rejects_table(bad_at, RejectReason.BAD_JSON, bad_detail, bad_raw)
    return (
        np.asarray(numbers, dtype=np.int64),
        np.asarray(times, dtype=np.float64),
        pa.array(frames, pa.string()),
        bad,
    )


def _to_chunk(
    line_numbers: np.ndarray,
    times: np.ndarray,
    hex_column: ArrowColumn,
    order: OrderCheck,
    rejects: list[pa.Table],
    read_count: int,
) -> Chunk:
    micros = seconds_to_micros(times)
    converted = hex_to_frames(hex_column)
    keep = converted.keep
    if converted.reasons:
        rows = [r[0] for r in converted.reasons]
        rejects.append(
            rejects_table(
                line_numbers[rows],
                [str(r[1]) for r in converted.reasons],
                [r[2] for r in converted.reasons],
            )
        )
    frames = converted.frames
    micros_kept = micros[keep]
    lines_kept = line_numbers[keep]
    time_ok = timestamp_ok(micros_kept)
    if not time_ok.all():
        bad = ~time_ok
        rejects.append(
            rejects_table(
                lines_kept[bad],
                RejectReason.BAD_TIMESTAMP,
                "timestamp missing or outside 1990-2100",
                frames.filter(pa.array(bad)).to_pylist(),
            )
        )
    in_order = np.zeros(len(micros_kept), dtype=bool)
    in_order[time_ok] = order.check(micros_kept[time_ok])
    late = time_ok & ~in_order
    if late.any():
        rejects.append(
            rejects_table(
                lines_kept[late],
                RejectReason.OUT_OF_ORDER,
                [f"{(order.latest_us - m) / 1e6:.3f} s before the latest frame" for m in micros_kept[late].tolist()],
                frames.filter(pa.array(late)).to_pylist(),
            )
        )
    good = pa.array(in_order)
    table = frames_table(micros_kept[in_order], frames.filter(good), lines_kept[in_order])
    return Chunk(read=read_count, frames=table, rejects=concat_rejects(rejects))
