"""One live stream (a connection, or a replayed recording) on its way into the workspace, as ingest would
store it: the same :func:`~airpicture.pipeline.ingest_chunk.chunk_positions` per batch, one decoder per
stream, parts named as ingest names them, the crash-safe flush of ``pipeline/live_store.py``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from airpicture.decode.modes import FrameDecoder
from airpicture.model.clock import Clock
from airpicture.model.schemas import TimeBasis
from airpicture.pipeline import live_store
from airpicture.pipeline.ingest import is_simulated
from airpicture.pipeline.ingest_chunk import chunk_positions
from airpicture.pipeline.ingest_support import writing
from airpicture.pipeline.receivers import ReceiverOrigin
from airpicture.pipeline.time_basis import StartTime, anchor_of
from airpicture.sources.adsb import Chunk
from airpicture.sources.live import FeedBatch
from airpicture.store import Workspace


@dataclass
class LiveStream:
    """The state of one stream between flushes. ``skip`` batches were stored by an earlier run: they are decoded
    again (the decoder's state must be that of an uninterrupted read) but not stored."""

    stream_id: str
    feed: str
    receiver: str | None
    format: str
    path: str
    """How ``ingested_files.path`` names it: the replayed file's name, or ``live:<feed label>``."""
    simulated: bool = False
    start: StartTime = field(default_factory=StartTime)
    mtime: datetime | None = None
    size_bytes: int = 0
    skip: int = 0
    ended_before: bool = False
    """A previous run stored the whole stream (a replay read to its end): nothing of it is taken again."""
    decoder: FrameDecoder = field(default_factory=FrameDecoder)
    batches: int = 0
    parts: int = 0
    read: int = 0
    stored: int = 0
    rejected: int = 0
    time_basis: TimeBasis | None = None
    buffered: list[pa.Table] = field(default_factory=list)
    rejects: list[pa.Table] = field(default_factory=list)
    dirty: bool = False
    latest_us: int | None = None
    """The latest position time taken (µs since the epoch): the data horizon of provisional events."""
    first_received: datetime | None = None
    """Receipt time of the oldest batch not yet flushed (for the latency figures)."""

    regroup: bool = False
    """Replays: the feed cuts each reader chunk into paced slices; they are joined again and decoded as the
    reader's chunk (the decoder's CPR look-ahead stops at a batch boundary, docs/decoder.md), so the rows are
    ingest's. A slice that starts a reader chunk has ``read > 0``; the others have ``read == 0``."""
    group: list[FeedBatch] = field(default_factory=list)

    def take(self, batch: FeedBatch) -> None:
        """Decode one batch (or, for a replay, the reader chunk it completes); buffer its positions and rejects
        unless an earlier run stored it already."""
        if self.ended_before:
            return
        if not self.regroup:
            self._decode([batch])
            return
        if self.group and batch.chunk.read > 0:
            self._decode(self.group)
            self.group = []
        self.group.append(batch)

    def _decode(self, batches: list[FeedBatch]) -> None:
        chunk = batches[0].chunk if len(batches) == 1 else _joined([b.chunk for b in batches])
        self.batches += len(batches)
        taken = chunk_positions(chunk, self.decoder, self.stream_id, simulated=self.simulated)
        if self.batches <= self.skip:
            return  # stored by an earlier run: decoded only to keep the decoder's state
        self.read += chunk.read
        if chunk.time_basis is not None:
            self.time_basis = chunk.time_basis if self.time_basis is None else self.time_basis.weakest(chunk.time_basis)
        self.stored += taken.stored
        self.rejected += sum(t.num_rows for t in taken.rejects)
        self.rejects.extend(taken.rejects)
        if taken.positions is not None and taken.positions.num_rows:
            self.buffered.append(taken.positions)
            latest = pc.max(pc.cast(taken.positions["ts"], pa.int64())).as_py()
            self.latest_us = latest if self.latest_us is None else max(self.latest_us, latest)
        if self.first_received is None:
            self.first_received = batches[0].received_at
        self.dirty = True

    def end(self) -> None:
        """The stream gives nothing more: decode what is held back."""
        if self.group:
            self._decode(self.group)
            self.group = []

    def flush(self, workspace: Workspace, clock: Clock, *, ended: bool = False) -> pa.Table | None:
        """Store what is buffered (docs/live.md, "Flush and crash safety"); returns the positions stored."""
        if self.ended_before or not (self.dirty or ended):
            return None
        table = None
        if self.buffered:
            table = pa.concat_tables(self.buffered) if len(self.buffered) > 1 else self.buffered[0]
        part: int | None = None
        with workspace.connect() as con:
            if table is not None and table.num_rows:
                part = self.parts
                live_store.begin_flush(con, self.stream_id, self.feed, self.receiver, part, self.batches)
                with writing(f"positions part-{live_store.part_name(self.stream_id, part)}.parquet"):
                    workspace.write_partitioned("positions", table, live_store.part_name(self.stream_id, part))
                self.parts += 1
            basis = self.time_basis or TimeBasis.ABSOLUTE
            anchor, anchor_from = anchor_of(basis, self.start, self.mtime or clock.now())
            live_store.finish_flush(
                con,
                self.stream_id,
                self.feed,
                self.receiver,
                part=part,
                parts=self.parts,
                batches=self.batches,
                catalog={
                    "path": self.path,
                    "format": self.format,
                    "size_bytes": self.size_bytes,
                    "ingested_at": clock.now(),
                    "records_read": self.read,
                    "records_stored": self.stored,
                    "records_rejected": self.rejected,
                    "receiver": self.receiver,
                    "receiver_from": (ReceiverOrigin.OPTION if self.receiver else ReceiverOrigin.FILE).value,
                    "time_basis": basis.value,
                    "time_anchor": anchor,
                    "time_anchor_from": anchor_from.value,
                },
                rejects=self.rejects,
                ended=ended,
            )
        self.buffered, self.rejects, self.dirty, self.first_received = [], [], False, None
        return table


def _joined(chunks: list[Chunk]) -> Chunk:
    """Consecutive slices of one reader chunk as that chunk (rows in order; rejects and notes of the first)."""
    frames = [c.frames for c in chunks if c.frames is not None]
    positions = [c.positions for c in chunks if c.positions is not None]
    return replace(
        chunks[0],
        read=sum(c.read for c in chunks),
        frames=pa.concat_tables(frames) if frames else None,
        positions=pa.concat_tables(positions) if positions else None,
        rejects=pa.concat_tables([c.rejects for c in chunks]),
        notes=tuple(n for c in chunks for n in c.notes),
    )


def replay_stream(stream_id: str, feed: str, receiver: str | None, path: Path) -> LiveStream:
    """A stream for ``replay:PATH``: named, flagged and anchored as ingest treats that file."""
    from airpicture.pipeline.time_basis import start_for
    from airpicture.sources.adsb import detect_format, open_input

    source, head = open_input(path)
    return LiveStream(
        stream_id,
        feed,
        receiver,
        format=detect_format(source, head).format.value,
        path=path.name,
        simulated=is_simulated(path),
        regroup=True,
        start=start_for(path, None),
        mtime=source.mtime,
        size_bytes=source.size_bytes,
    )
