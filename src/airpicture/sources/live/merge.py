"""Frames heard by more than one receiver, merged: one row each, with the set of receivers that heard it.

The same Mode S transmission reaches every receiver in range at nearly the same moment, so frames are
matched by their bytes inside a window of receipt time (:func:`merge_window`; :class:`FrameMerger` cuts the
stream of batches into tumbling windows of ``window_s``, default 0.5 s). Repeats from one receiver are kept:
an aircraft legitimately sends identical replies, so the *k*-th copy of a frame from receiver A is matched
with the *k*-th copy from receiver B (in receipt order), never with A's own other copies. The kept row is
the earliest received copy, with that copy's stream id and offset (its provenance); ``receivers`` lists every
receiver pseudonym that heard it, sorted. A feed that names no receiver counts as a receiver of its own,
listed by its feed label. A copy that falls just across a window boundary is not matched (it stays a frame
of its own receiver): the window bounds memory and latency, and the cost is a rare unmerged duplicate.
Positions (SBS, aircraft.json) are already decoded by the receiver and pass through unmerged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from airpicture.sources.adsb._common import ArrowColumn
from airpicture.sources.live.batch import FeedBatch

WINDOW_S = 0.5


def _who(batch: FeedBatch) -> str:
    return batch.receiver if batch.receiver is not None else batch.feed


def _receivers_column(lists: Any, n: int, only: str | None = None) -> ArrowColumn:
    if only is not None:
        offsets: Any = pa.array(np.arange(n + 1, dtype=np.int32))
        values: Any = pa.array([only] * n, pa.string())
        return pa.ListArray.from_arrays(offsets, values)
    return pa.array(lists, pa.list_(pa.string()))


def merge_window(batches: Sequence[FeedBatch]) -> list[FeedBatch]:
    """The batches of one receipt-time window, duplicates across receivers merged (module docstring).

    Pure: the same batches in give the same batches out, each input batch giving one output batch (with
    fewer frames where its copies were merged into an earlier one), in the input order."""
    framed = [k for k, b in enumerate(batches) if b.n_frames]
    who = {_who(batches[k]) for k in framed}
    if len(who) <= 1:
        return [
            replace(b, receivers=_receivers_column(None, b.n_frames, _who(b))) if b.n_frames else b for b in batches
        ]
    names = sorted(who)
    code = {name: k for k, name in enumerate(names)}
    frames = pa.concat_arrays([_binary(batches[k]) for k in framed])
    sizes = [batches[k].n_frames for k in framed]
    batch_of = np.repeat(np.asarray(framed, dtype=np.int64), sizes)
    row_of = np.concatenate([np.arange(n, dtype=np.int64) for n in sizes])
    who_of = np.repeat(np.asarray([code[_who(batches[k])] for k in framed], dtype=np.int64), sizes)
    at_of = np.repeat(np.asarray([int(batches[k].received_at.timestamp() * 1e6) for k in framed]), sizes)
    key0, key1 = _keys(frames)
    order = np.arange(len(frames))
    # copy number of each row among its receiver's identical frames, in receipt order
    by_receiver = np.lexsort((order, at_of, who_of, key1, key0))
    same = _same_as_previous(key0[by_receiver], key1[by_receiver], who_of[by_receiver])
    copy = np.empty(len(frames), dtype=np.int64)
    copy[by_receiver] = _rank_in_runs(same)
    # one group per (frame, copy): the earliest row is kept, every receiver in it listed
    by_group = np.lexsort((order, at_of, copy, key1, key0))
    same = _same_as_previous(key0[by_group], key1[by_group], copy[by_group])
    group_start = np.flatnonzero(~same)
    kept = by_group[group_start]
    by_name = np.lexsort((who_of, copy, key1, key0))  # the same groups, receivers in name order
    list_offsets: Any = pa.array(np.append(group_start, len(frames)).astype(np.int32))
    name_index: Any = pa.array(who_of[by_name], pa.int64())
    values: Any = pa.array(names, pa.string()).take(name_index)
    receivers = pa.ListArray.from_arrays(list_offsets, values)
    by_place = np.lexsort((row_of[kept], batch_of[kept]))
    kept_batch = batch_of[kept][by_place]
    bounds = np.searchsorted(kept_batch, np.arange(len(batches) + 1))
    out: list[FeedBatch] = []
    for k, b in enumerate(batches):
        if not b.n_frames:
            out.append(b)
            continue
        assert b.chunk.frames is not None
        mine = by_place[bounds[k] : bounds[k + 1]]
        frames_kept = b.chunk.frames.take(pa.array(row_of[kept[mine]]))
        group_index: Any = pa.array(mine, pa.int64())
        lists = receivers.take(group_index)
        out.append(replace(b, chunk=replace(b.chunk, frames=frames_kept), receivers=lists))
    return out


def _binary(batch: FeedBatch) -> ArrowColumn:
    assert batch.chunk.frames is not None
    column = batch.chunk.frames.column("frame")
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _keys(frames: ArrowColumn) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Each frame (at most 14 bytes) and its length packed into two 64-bit keys, equal iff the bytes are."""
    buffers: Any = frames.buffers()
    n = len(frames)
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=n + 1, offset=frames.offset * 4).astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(1, np.uint8)
    lengths = np.minimum(np.diff(offsets), 15)
    fixed = np.zeros((n, 16), dtype=np.uint8)
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        if length:
            fixed[rows, :length] = data[offsets[rows][:, None] + np.arange(length)]
    fixed[:, 15] = lengths
    keys = fixed.view(np.uint64).reshape(n, 2)
    return keys[:, 0].copy(), keys[:, 1].copy()


def _same_as_previous(*columns: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    same = np.zeros(len(columns[0]), dtype=bool)
    if len(same) > 1:
        equal = np.ones(len(same) - 1, dtype=bool)
        for column in columns:
            equal &= column[1:] == column[:-1]
        same[1:] = equal
    return same


def _rank_in_runs(same: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """0, 1, 2 … within each run of rows marked ``same`` as the previous one."""
    index = np.arange(len(same))
    starts = np.maximum.accumulate(np.where(~same, index, 0))
    rank: npt.NDArray[np.int64] = index - starts
    return rank


@dataclass(slots=True)
class FrameMerger:
    """Cuts batches into tumbling windows of receipt time and merges each window (:func:`merge_window`).

    State is explicit and small (the open window's batches). :meth:`push` returns the merged batches of
    windows that have closed; :meth:`flush` the rest (at the end, or when the consumer wants them now).
    A batch received before the open window began (a slow feed) is merged on its own, at once."""

    window_s: float = WINDOW_S
    _open: list[FeedBatch] = field(default_factory=list)
    _open_index: int | None = None

    def _index(self, batch: FeedBatch) -> int:
        return int(batch.received_at.timestamp() // self.window_s)

    def push(self, batch: FeedBatch) -> list[FeedBatch]:
        index = self._index(batch)
        if self._open_index is None or index == self._open_index:
            self._open_index = index
            self._open.append(batch)
            return []
        if index < self._open_index:
            return merge_window([batch])
        done = self.flush()
        self._open_index = index
        self._open = [batch]
        return done

    def flush(self) -> list[FeedBatch]:
        done = merge_window(self._open) if self._open else []
        self._open, self._open_index = [], None
        return done
