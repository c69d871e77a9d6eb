"""Group-wise "most recent earlier row" lookups over sorted columns — the vectorised form of per-aircraft
state. Rows are sorted once by (group, time); a forward fill of row positions then answers "the last row of
this group, before this one, that satisfies a mask" for every row at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]

_TS_BITS = 38  # 2**38 µs ≈ 3.2 days of time span packed next to a 25-bit group key in one int64


def sort_order(group: I64, ts_us: I64) -> I64:
    """Stable order by (group, ts); ties keep input order."""
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    t0 = int(ts_us.min())
    span = int(ts_us.max()) - t0
    if span < (1 << _TS_BITS) and int(group.max()) < (1 << 25) and int(group.min()) >= 0:
        key = (group << _TS_BITS) | (ts_us - t0)
        return np.argsort(key, kind="stable").astype(np.int64)
    return np.lexsort((ts_us, group)).astype(np.int64)


def last_before(group_sorted: I64, mask_sorted: BoolArr, *, inclusive: bool) -> I64:
    """For each sorted row, the sorted position of the last row of the same group with ``mask`` True that
    comes before it (``inclusive``: or is itself); -1 if none."""
    n = group_sorted.size
    pos = np.where(mask_sorted, np.arange(n, dtype=np.int64), -1)
    last = np.maximum.accumulate(pos) if n else pos
    if not inclusive:
        last = np.concatenate(([-1], last[:-1])) if n else last
    ok = last >= 0
    ok &= group_sorted[np.maximum(last, 0)] == group_sorted
    return np.where(ok, last, -1)


def next_after(group_sorted: I64, mask_sorted: BoolArr) -> I64:
    """For each sorted row, the sorted position of the first later row of the same group with ``mask``; -1 if none."""
    n = group_sorted.size
    rev = last_before(group_sorted[::-1], mask_sorted[::-1], inclusive=False)[::-1]
    return np.where(rev >= 0, n - 1 - rev, -1)


def last_event(
    event_group: I64, event_ts: I64, query_group: I64, query_ts: I64, *, inclusive: bool = True
) -> I64:
    """For each query, the index of the latest event of the same group with ts ≤ query ts (``inclusive``) or
    ts < query ts; -1 if none. Events and queries are separate arrays."""
    n_e = event_group.size
    group = np.concatenate((event_group, query_group))
    ts = np.concatenate((event_ts, query_ts))
    # Events sort before queries at equal ts for ≤, after them for <: use a tie bit in the time.
    is_query = np.concatenate((np.zeros(n_e, dtype=np.int64), np.ones(query_group.size, dtype=np.int64)))
    tie = is_query if inclusive else 1 - is_query
    order = sort_order(group, ts * 2 + tie)
    is_event_sorted = order < n_e
    last = last_before(group[order], is_event_sorted, inclusive=True)
    result_sorted = np.where(last >= 0, order[np.maximum(last, 0)], -1)
    out = np.full(query_group.size, -1, dtype=np.int64)
    q = ~is_event_sorted
    out[order[q] - n_e] = result_sorted[q]
    return out


def gather(values: npt.NDArray[np.generic], index: I64, default: float | int) -> npt.NDArray[np.generic]:
    """``values[index]`` where ``index`` ≥ 0, else ``default`` (safe for an empty ``values``)."""
    if values.size == 0:
        return np.full(index.size, default, dtype=np.result_type(values.dtype, type(default)))
    return np.where(index >= 0, values[np.maximum(index, 0)], default)
