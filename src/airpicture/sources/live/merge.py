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
import polars as pl
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
    parts = []
    for k in framed:
        b = batches[k]
        assert b.chunk.frames is not None
        n = b.n_frames
        parts.append(
            pl.DataFrame(
                {
                    "frame": pl.from_arrow(b.chunk.frames.column("frame").combine_chunks()),
                    "who": pl.Series([_who(b)] * n, dtype=pl.String),
                    "at_us": pl.Series([int(b.received_at.timestamp() * 1e6)] * n, dtype=pl.Int64),
                    "batch": pl.Series([k] * n, dtype=pl.Int32),
                    "row": pl.Series(np.arange(n, dtype=np.int32)),
                }
            )
        )
    rows = pl.concat(parts).with_row_index("order")
    rows = rows.sort(["at_us", "order"]).with_columns(pl.int_range(pl.len()).over(["frame", "who"]).alias("copy"))
    merged = rows.group_by(["frame", "copy"], maintain_order=True).agg(
        pl.col("batch").first(), pl.col("row").first(), pl.col("who").unique().sort().alias("receivers")
    )
    out: list[FeedBatch] = []
    by_batch = merged.partition_by("batch", as_dict=True)
    for k, b in enumerate(batches):
        if not b.n_frames:
            out.append(b)
            continue
        kept = by_batch.get((k,))
        assert b.chunk.frames is not None
        if kept is None:
            frames = b.chunk.frames.slice(0, 0)
            receivers = _receivers_column([], 0)
        else:
            kept = kept.sort("row")
            frames = b.chunk.frames.take(pa.array(kept["row"].to_numpy()))
            receivers = _receivers_column(kept["receivers"].to_list(), kept.height)
        out.append(replace(b, chunk=replace(b.chunk, frames=frames), receivers=receivers))
    return out


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
