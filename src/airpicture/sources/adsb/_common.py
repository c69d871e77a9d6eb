"""What every ADS-B reader shares: the input file, the chunk it yields, rejects, hex and time columns.

A reader turns one file into an iterator of :class:`Chunk`: a bounded batch of either raw Mode S frames
(``model.schemas.RAW_FRAMES_SCHEMA``, for the decoder) or already-decoded positions
(``model.schemas.POSITIONS_SCHEMA``), plus the records it could not read (``REJECTS_SCHEMA``), each with
its reason and location. Nothing here holds a whole file in memory unless a format forces it (a single
JSON document), and the module docstring of that reader says so.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as _compute

from airpicture.model.schemas import POSITIONS_SCHEMA, RAW_FRAMES_SCHEMA, PositionFlag, TimeBasis
from airpicture.sources.adsb.streams import (
    DEFAULT_LIMITS,
    DecompressedStream,
    Limits,
    LineBlock,
)

ArrowColumn: TypeAlias = Any
"""An Arrow ``Array`` or ``ChunkedArray``. Typed loosely on purpose: the pyarrow stubs' compute overloads
reject valid calls (``pc.equal(StringArray, str)``), so columns are checked by tests, not by mypy."""

DEFAULT_CHUNK_ROWS = 1 << 18
"""Rows per chunk a reader yields (262,144): large enough for vectorised work, small enough to bound memory."""


GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

pc: Any = _compute  # the pyarrow-stubs compute overloads reject valid calls (pc.equal(StringArray, str))


class RecordKind(StrEnum):
    """What a reader produces."""

    FRAMES = "frames"
    POSITIONS = "positions"


class Compression(StrEnum):
    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"


class RejectReason(StrEnum):
    """Why a reader could not use a record. The decoder adds its own reasons (``crc``, ``unknown_df`` …)."""

    TRUNCATED = "truncated"
    """The file ends inside a record (a Beast frame cut short, a last line without its end)."""
    FRAMING = "framing"
    """Bytes between Beast records that are not a record (lost sync, unknown type byte)."""
    NON_HEX = "non_hex"
    """A frame with characters that are not hexadecimal digits."""
    BAD_LENGTH = "bad_length"
    """A frame that is not 2, 7 or 14 bytes (4, 14 or 28 hex digits)."""
    BAD_JSON = "bad_json"
    """A line or record that is not valid JSON."""
    BAD_ROW = "bad_row"
    """A CSV row with the wrong number of fields or a field of the wrong type."""
    MISSING_FIELD = "missing_field"
    """A record without a field the format requires (time, address or frame)."""
    BAD_TIMESTAMP = "bad_timestamp"
    """A timestamp that is missing, not a number, or outside 1990–2100."""
    OUT_OF_ORDER = "out_of_order"
    """A frame earlier than the latest frame already read from the file by more than ``ingest.max_reorder_s``."""
    BAD_ADDRESS = "bad_address"
    """An ICAO address that is not 6 hexadecimal digits."""
    TOO_LONG = "too_long"
    """A line longer than ``Limits.max_line_bytes`` (64 KiB): skipped without being held in memory."""


class BeastClock(StrEnum):
    """How the 6-byte Beast (and ``@``/``%``/``<`` hex-line) timestamp is to be read."""

    MHZ12 = "12mhz"
    """A free-running 12 MHz counter (dump1090, readsb, Mode-S Beast): not wall-clock time; anchored."""
    GPS = "1ghz"
    """Radarcape/GPS: upper 18 bits seconds of the UTC day, lower 30 bits nanoseconds; the day is anchored."""


_REJECT_FIELDS: list[pa.Field[Any]] = [
    pa.field("source_offset", pa.int64(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string(), nullable=False),
    pa.field("frame", pa.binary()),
]
REJECTS_SCHEMA = pa.schema(_REJECT_FIELDS)
"""Records a reader (or the decoder) could not use: location in the file, reason, one-line detail, raw bytes."""

EMPTY_REJECTS = REJECTS_SCHEMA.empty_table()

MIN_TS_US = 631_152_000_000_000
"""1990-01-01T00:00Z in microseconds: earlier timestamps are rejected as ``bad_timestamp``."""
MAX_TS_US = 4_102_444_800_000_000
"""2100-01-01T00:00Z in microseconds."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to ingest: its path, content hash (``file_id``), size, modification time and compression."""

    path: Path
    file_id: str
    size_bytes: int
    mtime: datetime
    compression: Compression

    def open(self, limits: Limits = DEFAULT_LIMITS) -> DecompressedStream:
        """The file's bytes, decompressed (gzip or zstd) on the fly, as a binary stream within ``limits``.

        A cut-short or corrupt compressed stream raises ``SourceError`` naming the file (``streams.py``)."""
        return DecompressedStream(self.path, self.compression.value, limits)

    def where(self, offset: int | str) -> str:
        return f"{self.path}:{offset}"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Choices a reader cannot make from the bytes alone. See ``docs/formats/adsb-inputs.md``."""

    start: datetime | None = None
    """UTC time of the first frame, for frame formats whose timestamps are not wall-clock time (Beast
    12 MHz counter, ``@``/``%`` hex lines) or absent (``*`` hex lines). Default: the file's mtime,
    taken as the time of its last frame (time basis ``file_mtime``: approximate)."""
    start_from: str = "--start"
    """Where ``start`` came from, for the notes: ``--start`` or the sidecar file's name."""
    beast_clock: BeastClock = BeastClock.MHZ12
    max_reorder_s: float = 5.0
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    limits: Limits = DEFAULT_LIMITS
    """Line, column, field, document and decompressed-size limits (``streams.Limits``, docs/ingest.md)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One bounded batch out of a reader. ``read`` counts the records read, good and bad."""

    read: int
    frames: pa.Table | None = None
    positions: pa.Table | None = None
    rejects: pa.Table = field(default_factory=REJECTS_SCHEMA.empty_table)
    notes: tuple[str, ...] = field(default=())
    time_basis: TimeBasis | None = None
    """Where this chunk's times come from; None: no statement (the data's own times). Readers of receiver
    clocks set it; a file's basis is the weakest its chunks state, ``absolute`` when none states one."""


def first_json_object(head: bytes, lines: int = 5) -> object | None:
    """The first non-blank line of ``head`` (within ``lines``) parsed as JSON; None when it is not JSON (for
    the line-per-object formats' sniffers)."""
    import orjson

    for line in head.splitlines()[:lines]:
        if not line.strip():
            continue
        try:
            parsed: object = orjson.loads(line)
            return parsed
        except orjson.JSONDecodeError:
            return None
    return None


def detect_compression(head: bytes) -> Compression:
    if head.startswith(GZIP_MAGIC):
        return Compression.GZIP
    if head.startswith(ZSTD_MAGIC):
        return Compression.ZSTD
    return Compression.NONE


def read_head(path: Path, size: int = 1 << 16) -> tuple[Compression, bytes]:
    """The compression of ``path`` and up to ``size`` bytes of its decompressed start (for sniffing)."""
    with path.open("rb") as stream:
        magic = stream.read(4)
    compression = detect_compression(magic)
    with DecompressedStream(path, compression.value) as decompressed:
        head = decompressed.read(size)
    return compression, head


def hash_file(path: Path, block: int = 1 << 20) -> str:
    """SHA-256 hex of the file's bytes as stored (compressed files hash as compressed)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while data := stream.read(block):
            digest.update(data)
    return digest.hexdigest()


# -- rejects ---------------------------------------------------------------------------------------------


def rejects_table(
    offsets: Sequence[int] | npt.NDArray[np.int64],
    reasons: Sequence[str] | str,
    details: Sequence[str] | str,
    raw: Sequence[bytes | None] | None = None,
) -> pa.Table:
    """A ``REJECTS_SCHEMA`` table; a single ``reasons``/``details`` string applies to every row."""
    n = len(offsets)
    if n == 0:
        return EMPTY_REJECTS
    reasons_list = [reasons] * n if isinstance(reasons, str) else list(reasons)
    details_list = [details] * n if isinstance(details, str) else list(details)
    return pa.table(
        {
            "source_offset": pa.array(np.asarray(offsets, dtype=np.int64)),
            "reason": pa.array(reasons_list, pa.string()),
            "detail": pa.array(details_list, pa.string()),
            "frame": pa.array(list(raw) if raw is not None else [None] * n, pa.binary()),
        },
        schema=REJECTS_SCHEMA,
    )


def concat_rejects(tables: Sequence[pa.Table]) -> pa.Table:
    useful = [t for t in tables if t.num_rows]
    if not useful:
        return EMPTY_REJECTS
    return pa.concat_tables(useful) if len(useful) > 1 else useful[0]


# -- hex frames ------------------------------------------------------------------------------------------

_HEX_VALUE = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX_VALUE[_c] = 10 + _i
FRAME_HEX_LENGTHS = (4, 14, 28)
"""Mode A/C (2 bytes), short Mode S (56 bits) and long Mode S (112 bits), in hex digits."""


def _string_buffers(arr: ArrowColumn) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """Offsets (relative to the first value) and UTF-8 bytes of a string/large_string array."""
    if pa.types.is_large_string(arr.type):
        width: type[np.integer[Any]] = np.int64
    else:
        width = np.int32
    _, offsets_buf, data_buf = arr.buffers()
    assert offsets_buf is not None
    offsets = np.frombuffer(offsets_buf, dtype=width, count=len(arr) + 1, offset=arr.offset * np.dtype(width).itemsize)
    offsets = offsets.astype(np.int64)
    if data_buf is None or offsets[-1] == offsets[0]:
        return offsets - offsets[0], np.zeros(0, np.uint8)
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


@dataclass(frozen=True, slots=True)
class HexFrames:
    """The result of :func:`hex_to_frames`: the good frames and which input rows they came from."""

    frames: ArrowColumn
    keep: npt.NDArray[np.bool_]
    """One entry per input row: True where the frame was good (``frames`` holds those, in order)."""
    reasons: list[tuple[int, RejectReason, str]]
    """``(row index, reason, detail)`` of every bad row."""


def hex_to_frames(column: ArrowColumn) -> HexFrames:
    """Convert a column of hex strings to binary frames, vectorised (no Python loop over rows).

    Rows that are null, of a length other than 4/14/28 hex digits, or hold a non-hex character are
    reported in ``reasons`` and left out of ``frames``.
    """
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    n = len(arr)
    lengths = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    good_length = np.isin(lengths, FRAME_HEX_LENGTHS)
    reasons: list[tuple[int, RejectReason, str]] = []
    null_mask = arr.is_null().to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(~good_length):
        if null_mask[i]:
            reasons.append((int(i), RejectReason.MISSING_FIELD, "no frame"))
        else:
            text = arr[int(i)].as_py()
            reasons.append((int(i), RejectReason.BAD_LENGTH, f"{lengths[i]} hex digits in {text[:40]!r}"))
    sized = arr.filter(pa.array(good_length)) if not good_length.all() else arr
    offsets, data = _string_buffers(sized)
    nibbles = _HEX_VALUE[data]
    bad_char = nibbles == 255
    keep = good_length.copy()
    if bad_char.any():
        bad_rows = np.zeros(len(sized), dtype=bool)
        if len(sized):
            counts = np.add.reduceat(bad_char.astype(np.int64), offsets[:-1]) if len(data) else np.zeros(len(sized))
            bad_rows = counts > 0
        sized_index = np.flatnonzero(good_length)
        for j in np.flatnonzero(bad_rows):
            text = sized[int(j)].as_py()
            reasons.append((int(sized_index[j]), RejectReason.NON_HEX, f"not hexadecimal: {text[:40]!r}"))
        keep[sized_index[bad_rows]] = False
        row_of_byte = np.repeat(bad_rows, np.diff(offsets))
        data_ok = ~row_of_byte
        nibbles = nibbles[data_ok]
        offsets = np.concatenate([[0], np.cumsum(np.diff(offsets)[~bad_rows])])
    packed = (nibbles[0::2] << 4) | nibbles[1::2]
    byte_offsets = (offsets // 2).astype(np.int32)
    frames = pa.Array.from_buffers(
        pa.binary(), len(byte_offsets) - 1, [None, pa.py_buffer(byte_offsets.tobytes()), pa.py_buffer(packed.tobytes())]
    )
    assert isinstance(frames, pa.BinaryArray)
    assert len(frames) == int(keep.sum()) or n == 0
    return HexFrames(frames=frames, keep=keep, reasons=sorted(reasons))


# -- time ------------------------------------------------------------------------------------------------


def seconds_to_micros(seconds: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Unix seconds (float) to integer microseconds, rounded; NaN becomes ``MIN_TS_US - 1`` (out of range)."""
    micros = np.round(seconds * 1e6)
    micros[~np.isfinite(micros)] = MIN_TS_US - 1
    clipped = np.clip(micros, MIN_TS_US - 1, MAX_TS_US + 1)
    return clipped.astype(np.int64)


def timestamp_ok(micros: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """True where a time is inside the supported range, 1990-01-01 (inclusive) to 2100-01-01 (exclusive)."""
    return (micros >= MIN_TS_US) & (micros < MAX_TS_US)


def with_too_long(chunk: Chunk, block: LineBlock, limits: Limits) -> Chunk:
    """``chunk`` plus one ``too_long`` reject per over-long line of ``block`` (line number, first 200 bytes)."""
    if not block.too_long:
        return chunk
    long = rejects_table(
        [n for n, _ in block.too_long],
        RejectReason.TOO_LONG,
        f"line longer than {limits.max_line_bytes:,} bytes (the limit): skipped",
        [start for _, start in block.too_long],
    )
    return replace(chunk, read=chunk.read + long.num_rows, rejects=concat_rejects([chunk.rejects, long]))


@dataclass(slots=True)
class OrderCheck:
    """Rejects frames earlier than the latest one seen in this file by more than ``max_reorder_us``.

    Small reorderings (merged feeds, network jitter) pass; a clock jump backwards does not, because the
    decoder pairs CPR frames by time and would pair across the jump.
    """

    max_reorder_us: int
    latest_us: int = MIN_TS_US

    def check(self, micros: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """True where the frame is in order enough. Rejected frames do not move the running latest."""
        if len(micros) == 0:
            return np.ones(0, dtype=bool)
        running = np.maximum.accumulate(np.concatenate([[self.latest_us], micros]))[:-1]
        ok = micros >= running - self.max_reorder_us
        if not ok.all():
            # A rejected frame must not raise the bar for those after it: recompute over accepted ones.
            ok = np.ones(len(micros), dtype=bool)
            latest = self.latest_us
            for i, value in enumerate(micros.tolist()):
                if value < latest - self.max_reorder_us:
                    ok[i] = False
                elif value > latest:
                    latest = value
            self.latest_us = latest
        else:
            self.latest_us = max(self.latest_us, int(micros.max()))
        return ok


def frames_table(
    ts_us: npt.NDArray[np.int64],
    frames: ArrowColumn,
    offsets: npt.NDArray[np.int64],
    rssi_dbfs: npt.NDArray[np.float32] | None = None,
    receiver: ArrowColumn | None = None,
) -> pa.Table:
    """A ``RAW_FRAMES_SCHEMA`` table from columns."""
    n = len(ts_us)
    return pa.Table.from_arrays(
        [
            pa.array(ts_us, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            frames,
            pa.array(offsets, pa.int64()),
            pa.array(rssi_dbfs, pa.float32()) if rssi_dbfs is not None else pa.nulls(n, pa.float32()),
            receiver if receiver is not None else pa.nulls(n, pa.string()),
        ],
        schema=RAW_FRAMES_SCHEMA,
    )


# -- positions -------------------------------------------------------------------------------------------

_ICAO_OK = np.zeros(256, dtype=bool)
_ICAO_OK[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = True


def positions_table(columns: dict[str, ArrowColumn | npt.NDArray[Any]], n: int, file_id: str) -> pa.Table:
    """A ``POSITIONS_SCHEMA`` table: given columns cast to the schema, absent ones null.

    ``flags`` gets ``NO_POSITION`` where latitude or longitude is null, on top of any given flags.
    """
    arrays: list[ArrowColumn] = []
    for schema_field in POSITIONS_SCHEMA:
        name = schema_field.name
        if name == "source_file":
            arrays.append(pa.array(np.full(n, file_id, dtype=object), pa.string()) if n else pa.array([], pa.string()))
            continue
        if name == "flags":
            given = columns.get("flags")
            flags = np.zeros(n, np.uint16) if given is None else np.asarray(given, dtype=np.uint16)
            lat, lon = columns.get("lat_deg"), columns.get("lon_deg")
            if lat is None or lon is None:
                flags = flags | np.uint16(PositionFlag.NO_POSITION)
            else:
                missing = _null_mask(lat, n) | _null_mask(lon, n)
                flags = np.where(missing, flags | np.uint16(PositionFlag.NO_POSITION), flags).astype(np.uint16)
            arrays.append(pa.array(flags, pa.uint16()))
            continue
        value = columns.get(name)
        if value is None:
            arrays.append(pa.nulls(n, schema_field.type))
        else:
            arr = value if isinstance(value, pa.Array | pa.ChunkedArray) else pa.array(value)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arrays.append(arr if arr.type == schema_field.type else pc.cast(arr, schema_field.type))
    return pa.Table.from_arrays(arrays, schema=POSITIONS_SCHEMA)


def _null_mask(values: ArrowColumn | npt.NDArray[Any], n: int) -> npt.NDArray[np.bool_]:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        mask: npt.NDArray[np.bool_] = values.is_null(nan_is_null=True).to_numpy(zero_copy_only=False)
        return mask
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        return np.asarray(np.isnan(arr))
    return np.zeros(n, dtype=bool)


def icao_ok(icao24: ArrowColumn) -> npt.NDArray[np.bool_]:
    """True where the (already lower-cased) address is exactly 6 hex digits."""
    lengths = pc.fill_null(pc.binary_length(icao24), 0).to_numpy(zero_copy_only=False)
    ok: npt.NDArray[np.bool_] = lengths == 6
    matches = pc.fill_null(pc.match_substring_regex(icao24, r"^[0-9a-f]{6}$"), False)
    ok &= matches.to_numpy(zero_copy_only=False)
    return ok


def clean_callsign(values: ArrowColumn) -> ArrowColumn:
    """Trim spaces and underscores padding; empty strings become null."""
    trimmed = pc.utf8_trim(pc.cast(values, pa.string()), " _")
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def text_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
