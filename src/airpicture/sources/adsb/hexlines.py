"""Raw hex lines (dump1090/readsb port 30002 ``--raw`` output, and the timestamped variants).

One message per line::

    *8D4840D6202CC371C32CE0576098;                       no timestamp
    @0000015A8877E8D4840D6202CC371C32CE0576098;           12 hex digits of 48-bit timestamp, then the frame
    %0000015A8877E8D4840D6202CC371C32CE0576098;           the same (written for frames whose CRC was checked)
    <0000015A8877E7F8D4840D6202CC371C32CE0576098;         timestamp, 2 hex digits of signal level, frame

The 48-bit timestamp is read like a Beast timestamp (``--beast-clock``, anchoring in ``clock.py``).
``*`` lines carry no time at all: every frame gets the anchor time (``--start``, else the file's mtime)
and the summary says so, because CPR pairing by time is then unreliable. Blank lines and ``#`` comments
and the heartbeat line ``*0000;`` (dump1090/readsb keep-alive) are skipped; ``source_offset`` is the 1-based
line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from airpicture.model.schemas import TimeBasis
from airpicture.sources.adsb._common import (
    BeastClock,
    Chunk,
    InputFile,
    OrderCheck,
    ReadOptions,
    RejectReason,
    concat_rejects,
    frames_table,
    hex_to_frames,
    rejects_table,
    timestamp_ok,
    with_too_long,
)
from airpicture.sources.adsb.clock import CounterClock, datetime_us
from airpicture.sources.adsb.streams import Limits, LineBlock, iter_line_blocks

_LINE = re.compile(rb"^[*@%<][0-9A-Fa-f]+;?$")


def sniff(head: bytes) -> bool:
    lines = [line.strip() for line in head.splitlines()[:20] if line.strip() and not line.startswith(b"#")]
    lines = lines[:-1] if len(lines) > 1 else lines  # the last line of the head may be cut
    return bool(lines) and sum(1 for line in lines if _LINE.match(line)) >= max(1, len(lines) * 3 // 4)


def _last_counter(source: InputFile, limits: Limits) -> int | None:
    found = None
    with source.open(limits) as stream:
        for block in iter_line_blocks(stream, limits):
            for line in reversed(block.data.splitlines()):
                line = line.strip()
                if line[:1] in (b"@", b"%", b"<") and len(line) > 13:
                    try:
                        value = int(line[1:13], 16)
                    except ValueError:
                        continue
                    if value:
                        found = value
                        break
    return found


def read(source: InputFile, options: ReadOptions) -> Iterator[Chunk]:
    anchor_counter = None
    if options.beast_clock is BeastClock.MHZ12 and options.start is None:
        anchor_counter = _last_counter(source, options.limits)
    clock = CounterClock(options.beast_clock, options.start, source.mtime, anchor_counter, options.start_from)
    order = OrderCheck(int(options.max_reorder_s * 1e6))
    untimed = 0
    first = True
    limits = options.limits
    with source.open(limits) as stream:
        for block in iter_line_blocks(stream, limits):
            chunk, n_untimed = block_chunk(block, clock, order, limits, first=first)
            untimed += n_untimed
            first = False
            yield chunk
    if untimed:
        anchor = (options.start or source.mtime).isoformat()
        yield Chunk(
            read=0,
            notes=(f"{untimed:,} '*' lines carry no timestamp: stamped {anchor}; their times are approximate",),
            time_basis=TimeBasis.NONE,
        )


def block_chunk(
    block: LineBlock,
    clock: CounterClock,
    order: OrderCheck,
    limits: Limits,
    *,
    first: bool,
    untimed_us: int | None = None,
) -> tuple[Chunk, int]:
    """One block of whole lines as a chunk, and how many of its frames had no time (``*`` lines).

    Shared by the file reader and the live socket reader (sources/live). ``untimed_us`` stamps ``*`` lines
    (a live feed gives the receipt time); None: the clock's anchor, as a file is read.
    """
    lines = block.data.split(b"\n")
    if block.data.endswith(b"\n"):
        lines.pop()
    cut = block.is_last and not block.data.endswith(b"\n")
    chunk, n_untimed = _parse(lines, block.first_line - 1, clock, order, truncated_last=cut, untimed_us=untimed_us)
    # '*' lines have no time at all (basis none); the others the receiver clock's basis
    basis = TimeBasis.NONE if n_untimed else clock.basis
    chunk = Chunk(chunk.read, chunk.frames, None, chunk.rejects, (clock.note(),) if first else (), basis)
    return with_too_long(chunk, block, limits), n_untimed


def _parse(
    lines: list[bytes],
    first_line: int,
    clock: CounterClock,
    order: OrderCheck,
    truncated_last: bool,
    untimed_us: int | None = None,
) -> tuple[Chunk, int]:
    numbers: list[int] = []
    stamps: list[int] = []
    signals: list[float] = []
    frames: list[str] = []
    untimed: list[bool] = []
    bad_at: list[int] = []
    bad_reason: list[str] = []
    bad_detail: list[str] = []
    bad_raw: list[bytes] = []
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith(b"#") or line == b"*0000;":  # '*0000;': a dump1090 heartbeat
            continue
        number = first_line + 1 + i
        if not line.endswith(b";") and truncated_last and i == len(lines) - 1:
            bad_at.append(number)
            bad_reason.append(RejectReason.TRUNCATED)
            bad_detail.append("last line is cut short (no ';')")
            bad_raw.append(line[:64])
            continue
        body = line.rstrip(b";")
        mark = body[:1]
        text = body[1:].decode("ascii", errors="replace")
        try:
            if mark == b"*":
                stamps.append(0)
                signals.append(np.nan)
                untimed.append(True)
                frames.append(text)
            elif mark in (b"@", b"%"):
                stamps.append(int(text[:12], 16))
                signals.append(np.nan)
                untimed.append(False)
                frames.append(text[12:])
            elif mark == b"<":
                stamps.append(int(text[:12], 16))
                level = int(text[12:14], 16)
                signals.append(20.0 * np.log10(level / 255.0) if level else np.nan)
                untimed.append(False)
                frames.append(text[14:])
            else:
                raise ValueError(f"line starts with {mark!r}, expected one of * @ % <")
        except ValueError as exc:
            bad_at.append(number)
            reason = RejectReason.FRAMING if "expected one of" in str(exc) else RejectReason.NON_HEX
            bad_reason.append(reason)
            bad_detail.append(str(exc) if reason is RejectReason.FRAMING else f"bad timestamp digits in {text[:40]!r}")
            bad_raw.append(line[:64])
            continue
        numbers.append(number)
    rejects = [rejects_table(bad_at, bad_reason, bad_detail, bad_raw)]
    read_count = len(numbers) + len(bad_at)
    if not numbers:
        return Chunk(read=read_count, rejects=concat_rejects(rejects)), 0
    line_numbers = np.asarray(numbers, dtype=np.int64)
    converted = hex_to_frames(pa.array(frames, pa.string()))
    if converted.reasons:
        rows = [r[0] for r in converted.reasons]
        rejects.append(
            rejects_table(line_numbers[rows], [str(r[1]) for r in converted.reasons], [r[2] for r in converted.reasons])
        )
    keep = converted.keep
    counters = np.asarray(stamps, dtype=np.uint64)[keep]
    no_time = np.asarray(untimed, dtype=bool)[keep]
    micros = clock.to_micros(counters) if len(counters) else np.zeros(0, np.int64)
    if no_time.any():
        micros[no_time] = datetime_us(clock.start or clock.mtime) if untimed_us is None else untimed_us
    kept_lines = line_numbers[keep]
    in_range = timestamp_ok(micros)
    if not in_range.all():
        rejects.append(
            rejects_table(kept_lines[~in_range], RejectReason.BAD_TIMESTAMP, "time outside 1990-2100 (check --start)")
        )
    ok = np.zeros(len(micros), dtype=bool)
    ok[in_range] = order.check(micros[in_range])
    late = in_range & ~ok
    if late.any():
        rejects.append(
            rejects_table(
                kept_lines[late],
                RejectReason.OUT_OF_ORDER,
                "earlier than the latest frame of this file",
                converted.frames.filter(pa.array(late)).to_pylist(),
            )
        )
    rssi = np.asarray(signals, dtype=np.float32)[keep][ok]
    table = frames_table(micros[ok], converted.frames.filter(pa.array(ok)), kept_lines[ok])
    table = table.set_column(3, "rssi_dbfs", pa.array(rssi, pa.float32(), from_pandas=True))
    return Chunk(read=read_count, frames=table, rejects=concat_rejects(rejects)), int(no_time[ok].sum())
