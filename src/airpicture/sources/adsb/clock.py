"""Turning receiver counters into UTC: the honest part of reading Beast and timestamped hex lines.

A Beast record carries a 6-byte (48-bit) big-endian timestamp. Which clock it is cannot be read from the
bytes, so it is a choice (``--beast-clock``):

* ``12mhz`` (dump1090, readsb, Mode-S Beast; the default): a free-running 12 MHz counter, ticks since
  the receiver started. It is **not** wall-clock time. airpicture anchors it: with ``--start T`` the
  first frame is at ``T``; without it the file's modification time is taken as the time of the *last*
  frame (the file was last written when its last frame arrived). Either way every frame keeps its
  exact spacing from the others; only the anchor is an assumption, and the ingest summary says which.
* ``1ghz`` (Radarcape and other GPS-disciplined receivers): upper 18 bits seconds of the UTC day, lower
  30 bits nanoseconds. The time of day is real; the day comes from ``--start`` (its UTC date) or else
  from the file's modification time, and advances when the time of day wraps past midnight.

A counter of 0 (dump1090-fa sends zeros when it has no timestamp) carries no time; such frames get the
anchor time itself, and the summary says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from airpicture.model.schemas import TimeBasis
from airpicture.sources.adsb._common import BeastClock

_DAY_US = 86_400_000_000
_NS_MASK = (1 << 30) - 1


def datetime_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of a timezone-aware datetime."""
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return round(value.timestamp() * 1e6)


@dataclass(slots=True)
class CounterClock:
    """Maps 48-bit receiver counters to UTC microseconds, chunk after chunk of one file."""

    kind: BeastClock
    start: datetime | None
    mtime: datetime
    last_counter: int | None = None
    """For ``12mhz`` without ``start``: the file's last non-zero counter (found by a first pass)."""
    start_from: str = "--start"
    """Where ``start`` came from (``--start`` or a sidecar's name), for the note."""
    _base_us: int | None = field(default=None, init=False)
    _prev_tod_us: int | None = field(default=None, init=False)
    zero_counters: int = field(default=0, init=False)

    @property
    def basis(self) -> TimeBasis:
        """``receiver_clock_anchored`` with a start time, else ``file_mtime`` (approximate)."""
        return TimeBasis.RECEIVER_CLOCK_ANCHORED if self.start is not None else TimeBasis.FILE_MTIME

    def note(self) -> str:
        if self.kind is BeastClock.MHZ12:
            if self.start is not None:
                return f"12 MHz counter anchored: first frame at {self.start.isoformat()} ({self.start_from})"
            return (
                f"12 MHz counter anchored: last frame at the file's mtime {self.mtime.isoformat()}; "
                "times are approximate (pass --start, or put the UTC start in a .start file next to it)"
            )
        anchor = self.start_from if self.start is not None else "the file's mtime; times are approximate"
        return f"GPS time of day; UTC date from {anchor}"

    def to_micros(self, counters: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        if len(counters) == 0:
            return np.zeros(0, dtype=np.int64)
        zero = counters == 0
        self.zero_counters += int(zero.sum())
        result = self._mhz12(counters) if self.kind is BeastClock.MHZ12 else self._gps(counters)
        if zero.any():
            result[zero] = datetime_us(self.start or self.mtime)
        return result

    def _mhz12(self, counters: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        ticks_us = (counters // np.uint64(12)).astype(np.int64)
        if self._base_us is None:
            nonzero = counters[counters != 0]
            if self.start is not None:
                first = int(nonzero[0]) // 12 if len(nonzero) else 0
                self._base_us = datetime_us(self.start) - first
            else:
                last = (self.last_counter or 0) // 12
                self._base_us = datetime_us(self.mtime) - last
        result: npt.NDArray[np.int64] = self._base_us + ticks_us
        return result

    def _gps(self, counters: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        seconds = (counters >> np.uint64(30)).astype(np.int64)
        nanos = (counters & np.uint64(_NS_MASK)).astype(np.int64)
        tod_us = seconds * 1_000_000 + nanos // 1000
        if self._base_us is None:
            anchor = self.start or self.mtime
            anchor_us = datetime_us(anchor)
            day_us = anchor_us - anchor_us % _DAY_US
            if self.start is None and int(tod_us[0]) > anchor_us % _DAY_US:
                day_us -= _DAY_US  # the file was last written after midnight: it began the day before
            self._base_us = day_us
            self._prev_tod_us = int(tod_us[0])
        assert self._prev_tod_us is not None
        previous = np.concatenate([[self._prev_tod_us], tod_us[:-1]])
        wraps = np.cumsum((tod_us - previous) < -_DAY_US // 2)
        result: npt.NDArray[np.int64] = self._base_us + wraps * _DAY_US + tod_us
        self._base_us += int(wraps[-1]) * _DAY_US
        self._prev_tod_us = int(tod_us[-1])
        return result
