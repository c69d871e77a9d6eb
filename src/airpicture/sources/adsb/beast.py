"""Beast binary (dump1090/readsb port 30005, Mode-S Beast, Radarcape).

Record layout (every 0x1A inside a record is sent twice, ``1A 1A``)::

    +------+------+---------------------------+--------+----------------------+
    | 0x1A | type | timestamp, 6 bytes (BE)   | signal | message              |
    +------+------+---------------------------+--------+----------------------+
      type '1' (0x31): Mode A/C, message 2 bytes
      type '2' (0x32): Mode S short, message 7 bytes (56 bits)
      type '3' (0x33): Mode S long, message 14 bytes (112 bits)
      type '4' (0x34): receiver status (Radarcape), skipped
      a type '1' record whose body is all zeros is a heartbeat (dump1090/readsb keep-alive), skipped
      type 0xE3: receiver id (readsb): 8 bytes; names the receiver of the records that follow (the
                 ``receiver`` column, hex; ingest keeps only a keyed pseudonym of it, and a cut-short
                 receiver-id record is quarantined without its bytes)

The timestamp is a 12 MHz counter or GPS time (see ``clock.py`` for how it becomes UTC). The signal byte
``s`` is amplitude on a 0–255 scale: ``rssi_dbfs = 20·log10(s/255)`` (null for 0).

Bad input: bytes between records that are no record (lost sync, unknown type) are one ``framing``
reject per run of such bytes; a record cut short by the next ``0x1A`` start or by the end of the file is
``truncated``. ``source_offset`` is the byte offset of the record's ``0x1A`` in the decompressed stream.
Raw bytes go to quarantine only where they cannot hold a receiver id: bytes before the first whole record
(what a rotation or split left of a record, perhaps of an 0xE3 id: one ``truncated`` reject, or ``framing``
if longer than any record) are never kept, nor any bytes of a bad record once the stream has carried an id.
Read in 8 MiB blocks, so memory is bounded whatever the file size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from airpicture.sources.adsb._common import (
    BeastClock,
    Chunk,
    InputFile,
    OrderCheck,
    ReadOptions,
    RejectReason,
    concat_rejects,
    frames_table,
    rejects_table,
    timestamp_ok,
)
from airpicture.sources.adsb.clock import CounterClock
from airpicture.sources.adsb.streams import Limits

ESC = 0x1A
MESSAGE_BYTES = {0x31: 2, 0x32: 7, 0x33: 14, 0x34: 14}
RECEIVER_ID = 0xE3
RECEIVER_ID_BYTES = 8
MAX_ESCAPED_RECORD_BYTES = 2 + 2 * (6 + 1 + 14)
"""The longest a record can be on the wire (type 3, every body byte escaped): 44 bytes."""
_FRAME_TYPES = (0x31, 0x32, 0x33)


def sniff(head: bytes) -> bool:
    """Starts with a record, or holds several record starts and is not text."""
    if len(head) >= 2 and head[0] == ESC and (head[1] in MESSAGE_BYTES or head[1] == RECEIVER_ID):
        return True
    starts = sum(head.count(bytes([ESC, t])) for t in _FRAME_TYPES)
    return starts >= 3 and b"\x00" in head


@dataclass(frozen=True, slots=True)
class _Columns:
    offsets: npt.NDArray[np.int64]
    counters: npt.NDArray[np.uint64]
    signals: npt.NDArray[np.float64]
    messages: Any
    """``pa.BinaryArray`` of the Mode S messages."""
    receivers: Any
    """``pa.StringArray``: the receiver id (hex) in force at each record, or null."""


_SIZES = np.full(256, -1, dtype=np.int64)
_SIZES[0x32] = 7 + 7
_SIZES[0x33] = 7 + 14
"""Unescaped body bytes of the record types the vectorised path takes (short and long Mode S)."""


@dataclass(slots=True)
class _Parsed:
    offsets: list[int] = field(default_factory=list)
    stamps: list[bytes] = field(default_factory=list)
    signals: list[int] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    receivers: list[str | None] = field(default_factory=list)
    bad_at: list[int] = field(default_factory=list)
    bad_reason: list[str] = field(default_factory=list)
    bad_detail: list[str] = field(default_factory=list)
    bad_raw: list[bytes | None] = field(default_factory=list)
    columns: _Columns | None = None
    """The whole records of a clean block, as arrays (the vectorised path); the lists above are then empty."""
    receiver_ids: list[tuple[int, int]] = field(default_factory=list)
    """``(start, end)`` stream offsets of every 0xE3 receiver-id record, whole or cut (for redaction)."""
    skipped_status: int = 0
    heartbeats: int = 0
    """Heartbeat records (type '1', all body bytes zero: dump1090/readsb keep-alives), skipped."""

    @property
    def n_records(self) -> int:
        return len(self.columns.offsets) if self.columns is not None else len(self.offsets)

    def arrays(self) -> _Columns:
        """The records as arrays, whichever path parsed them."""
        if self.columns is not None:
            return self.columns
        stamps = np.frombuffer(b"".join(self.stamps), dtype=np.uint8).reshape(-1, 6).astype(np.uint64)
        counters = np.zeros(len(self.offsets), dtype=np.uint64)
        for k in range(6):
            counters = (counters << np.uint64(8)) | stamps[:, k]
        return _Columns(
            np.asarray(self.offsets, dtype=np.int64),
            counters,
            np.asarray(self.signals, dtype=np.float64),
            pa.array(self.messages, pa.binary()),
            pa.array(self.receivers, pa.string()),
        )

    def reject(self, offset: int, reason: RejectReason, detail: str, raw: bytes | None) -> None:
        self.bad_at.append(offset)
        self.bad_reason.append(str(reason))
        self.bad_detail.append(detail)
        self.bad_raw.append(raw[:64] if raw else None)


@dataclass(slots=True)
class BeastParser:
    """Incremental Beast parser: feed it blocks, it keeps the partial record between them."""

    receiver: str | None = None
    _carry: bytes = b""
    _carry_offset: int = 0
    _started: bool = False
    """A whole record has been read: bytes before it are the tail of a record cut at the file's start."""

    def _reject(self, out: _Parsed, offset: int, reason: RejectReason, detail: str, raw: bytes) -> None:
        """Record a reject, keeping its raw bytes only where they cannot hold a receiver id.

        Before the first whole record the bytes are what a rotation or split left of a record, perhaps of a
        0xE3 receiver id; once the stream has carried an id, any bytes between or inside records may be part
        of one (readsb sends an id before every frame). Neither is kept (docs/source-protection.md).
        """
        if not self._started:
            kind = RejectReason.TRUNCATED if len(raw) <= MAX_ESCAPED_RECORD_BYTES else RejectReason.FRAMING
            out.reject(
                offset,
                kind,
                f"file starts inside a record ({len(raw)} bytes before the first whole record, a rotation or "
                "split cut); bytes not kept: they may hold a receiver id",
                None,
            )
        elif self.receiver is not None:
            out.reject(offset, reason, f"{detail}; bytes not kept: this stream carries receiver ids", None)
        else:
            out.reject(offset, reason, detail, raw)

    @property
    def parsed_upto(self) -> int:
        """Stream offset of the first byte not yet parsed (the start of the carried partial record)."""
        return self._carry_offset

    def _feed_clean(self, buf: bytes, base: int) -> _Parsed | None:
        """The vectorised path for a block of whole, clean Mode S records (:func:`_clean_records`)."""
        found = _clean_records(buf)
        if found is None:
            return None
        unescaped, position, starts, carry_at = found
        body = starts + 2
        stamps = unescaped[body[:, None] + np.arange(6)].astype(np.uint64)
        counters = np.zeros(len(starts), dtype=np.uint64)
        for k in range(6):
            counters = (counters << np.uint64(8)) | stamps[:, k]
        lengths = np.where(unescaped[starts + 1] == 0x33, 14, 7)
        message_at = body + 7
        value_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        gather = np.repeat(message_at - value_offsets[:-1], lengths) + np.arange(int(value_offsets[-1]))
        messages = pa.Array.from_buffers(
            pa.binary(),
            len(starts),
            [None, pa.py_buffer(value_offsets.tobytes()), pa.py_buffer(unescaped[gather].tobytes())],
        )
        receivers = pa.array([self.receiver] * len(starts), pa.string())
        self._started = True
        self._carry = buf[carry_at:]
        self._carry_offset = base + carry_at
        columns = _Columns(
            base + position[starts].astype(np.int64),
            counters,
            unescaped[body + 6].astype(np.float64),
            messages,
            receivers,
        )
        return _Parsed(columns=columns)

    def feed(self, block: bytes, block_offset: int, last: bool) -> _Parsed:
        buf = self._carry + block
        base = self._carry_offset if self._carry else block_offset
        if not last and len(buf) >= 1024:
            fast = self._feed_clean(buf, base)
            if fast is not None:
                return fast
        out = _Parsed()
        i = 0
        n = len(buf)
        garbage_from = -1
        while i < n:
            j = buf.find(b"\x1a", i)
            if j < 0:
                if garbage_from < 0:
                    garbage_from = i
                i = n
                break
            if j > i and garbage_from < 0:
                garbage_from = i
            if j + 1 >= n:
                i = j
                break
            kind = buf[j + 1]
            if kind == ESC:  # an escaped 0x1A between records: still garbage
                if garbage_from < 0:
                    garbage_from = j
                i = j + 2
                continue
            size = MESSAGE_BYTES.get(kind, RECEIVER_ID_BYTES if kind == RECEIVER_ID else -1)
            if size < 0:
                if garbage_from < 0:
                    garbage_from = j
                i = j + 1
                continue
            if garbage_from >= 0:
                self._reject(
                    out,
                    base + garbage_from,
                    RejectReason.FRAMING,
                    f"{j - garbage_from} bytes that are no record",
                    buf[garbage_from:j],
                )
                garbage_from = -1
            body_len = size if kind == RECEIVER_ID else 7 + size
            end = j + 2 + body_len
            body = buf[j + 2 : end]
            if ESC in body or len(body) < body_len:
                body, end, cut = _unescape(buf, j + 2, body_len)
                if cut:
                    if end >= n and not last:
                        i = j  # the record continues in the next block
                        break
                    # a receiver id can name a volunteer's receiver (docs/source-protection.md): never quarantined
                    raw = b"" if kind == RECEIVER_ID else buf[j:end]
                    if kind == RECEIVER_ID:
                        out.receiver_ids.append((base + j, base + end))
                    self._reject(out, base + j, RejectReason.TRUNCATED, "record cut short", raw)
                    i = end
                    continue
            i = end
            self._started = True
            if kind == RECEIVER_ID:
                self.receiver = body.hex()
                out.receiver_ids.append((base + j, base + end))
            elif kind == 0x34:
                out.skipped_status += 1
            elif kind == 0x31 and not any(body):
                out.heartbeats += 1
            else:
                out.offsets.append(base + j)
                out.stamps.append(body[:6])
                out.signals.append(body[6])
                out.messages.append(body[7:])
                out.receivers.append(self.receiver)
        if garbage_from >= 0:
            end = i if i > garbage_from else n
            self._reject(
                out,
                base + garbage_from,
                RejectReason.FRAMING,
                f"{end - garbage_from} bytes that are no record",
                buf[garbage_from:end],
            )
        self._carry = buf[i:] if i < n else b""
        self._carry_offset = base + i
        if last and self._carry:
            raw = b"" if self._carry[1:2] == bytes([RECEIVER_ID]) else self._carry
            if not raw:
                out.receiver_ids.append((base + i, base + n))
            self._reject(out, base + i, RejectReason.TRUNCATED, "file ends inside a record", raw)
            self._carry = b""
        return out


def _clean_records(
    buf: bytes,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64], npt.NDArray[np.int64], int] | None:
    """For a block that is an unbroken chain of Mode S records from its first byte: the unescaped bytes,
    the original position of each, the unescaped start of each whole record, and where the carry begins.
    None for anything else (garbage, other record types, an escape cut at the end): the scalar loop's."""
    raw = np.frombuffer(buf, dtype=np.uint8)
    n = len(raw)
    escs = np.flatnonzero(raw == ESC)
    if not len(escs) or escs[0] != 0:
        return None
    breaks = np.ones(len(escs), dtype=bool)
    breaks[1:] = np.diff(escs) != 1
    run_first = np.maximum.accumulate(np.where(breaks, np.arange(len(escs)), 0))
    in_run = np.arange(len(escs)) - run_first
    last_of_run = np.ones(len(escs), dtype=bool)
    last_of_run[:-1] = breaks[1:]
    marker = last_of_run & (in_run % 2 == 0)
    keep = np.ones(n, dtype=bool)
    keep[escs[in_run % 2 == 1]] = False
    position = np.flatnonzero(keep)
    unescaped = raw[keep]
    is_marker = np.zeros(n, dtype=bool)
    is_marker[escs[marker]] = True
    starts = np.flatnonzero(is_marker[keep])
    if not len(starts) or position[starts[0]] != 0:
        return None
    m = len(unescaped)
    types = np.where(starts + 1 < m, unescaped[np.minimum(starts + 1, m - 1)], 0)
    ends = starts + 2 + _SIZES[types]
    complete = len(starts)
    if ends[-1] == m and raw[-1] != ESC:  # the block ends exactly after a whole record
        chain_ok = (_SIZES[types] > 0).all() and (ends[:-1] == starts[1:]).all()
        carry_at = n
    else:
        complete -= 1  # the last record continues in the next block
        chain_ok = bool((_SIZES[types[:-1]] > 0).all() and (ends[:-1] == starts[1:]).all())
        carry_at = int(position[starts[-1]])
    if not chain_ok or complete == 0:
        return None
    return unescaped, position, starts[:complete], carry_at


def _unescape(buf: bytes, start: int, size: int) -> tuple[bytes, int, bool]:
    """Read ``size`` unescaped bytes from ``buf[start:]``: ``(body, end, cut_short)``."""
    body = bytearray()
    k = start
    n = len(buf)
    while len(body) < size:
        if k >= n:
            return bytes(body), k, True
        byte = buf[k]
        if byte == ESC:
            if k + 1 >= n:
                return bytes(body), n, True
            if buf[k + 1] != ESC:
                return bytes(body), k, True  # a new record starts: this one is cut short
            k += 2
        else:
            k += 1
        body.append(byte)
    return bytes(body), k, False


def last_counter(source: InputFile, limits: Limits) -> int | None:
    """The last non-zero timestamp counter in the file (a first pass, for anchoring on the mtime)."""
    parser = BeastParser()
    found: int | None = None
    offset = 0
    with source.open(limits) as stream:
        while True:
            block = stream.read(1 << 23)
            parsed = parser.feed(block, offset, last=not block)
            counters = parsed.arrays().counters
            nonzero = counters[counters != 0]
            if len(nonzero):
                found = int(nonzero[-1])
            if not block:
                return found
            offset += len(block)


def read(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    anchor_counter = None
    if options.beast_clock is BeastClock.MHZ12 and options.start is None:
        anchor_counter = last_counter(source, options.limits)
    clock = CounterClock(options.beast_clock, options.start, source.mtime, anchor_counter, options.start_from)
    order = OrderCheck(int(options.max_reorder_s * 1e6))
    parser = BeastParser()
    offset = 0
    first = True
    with source.open(options.limits) as stream:
        while True:
            block = stream.read(1 << 22)
            parsed = parser.feed(block, offset, last=not block)
            offset += len(block)
            chunk = frames_chunk(parsed, clock, order, notes=(clock.note(),) if first else ())
            chunk = replace(chunk, time_basis=clock.basis)
            if chunk.read or chunk.notes:
                first = False
                yield chunk
            if not block:
                break
    if clock.zero_counters:
        yield Chunk(
            read=0, notes=(f"{clock.zero_counters:,} frames had no timestamp (counter 0): given the anchor time",)
        )


def frames_chunk(parsed: _Parsed, clock: CounterClock, order: OrderCheck, notes: tuple[str, ...]) -> Chunk:
    """What :meth:`BeastParser.feed` parsed, as a chunk of frames (shared by the file and socket readers)."""
    rejects = [rejects_table(parsed.bad_at, parsed.bad_reason, parsed.bad_detail, parsed.bad_raw)]
    n = parsed.n_records
    read_count = n + len(parsed.bad_at)
    if n == 0:
        return Chunk(read=read_count, rejects=concat_rejects(rejects), notes=notes)
    columns = parsed.arrays()
    micros = clock.to_micros(columns.counters)
    signals = columns.signals
    with np.errstate(divide="ignore"):
        rssi = np.where(signals > 0, 20.0 * np.log10(signals / 255.0), np.nan).astype(np.float32)
    offsets = columns.offsets
    frames = columns.messages
    in_range = timestamp_ok(micros)
    if not in_range.all():
        rejects.append(
            rejects_table(offsets[~in_range], RejectReason.BAD_TIMESTAMP, "time outside 1990-2100 (check --start)")
        )
    ok = np.zeros(n, dtype=bool)
    ok[in_range] = order.check(micros[in_range])
    late = in_range & ~ok
    if late.any():
        rejects.append(
            rejects_table(
                offsets[late],
                RejectReason.OUT_OF_ORDER,
                "earlier than the latest frame of this file",
                frames.filter(pa.array(late)).to_pylist(),
            )
        )
    keep = pa.array(ok)
    rssi_arr = pa.array(rssi[ok], pa.float32(), from_pandas=True)
    table = frames_table(micros[ok], frames.filter(keep), offsets[ok], None, columns.receivers.filter(keep))
    table = table.set_column(3, "rssi_dbfs", rssi_arr)
    return Chunk(read=read_count, frames=table, rejects=concat_rejects(rejects), notes=notes)
