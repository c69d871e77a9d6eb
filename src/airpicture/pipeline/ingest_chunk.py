"""One chunk of a reader → the positions to store and the rejects to quarantine: the one step both ingest
drivers share (``pipeline/ingest.py`` for files, ``pipeline/live.py`` for feeds).

Frame chunks go through the Mode S decoder (one :class:`FrameDecoder` per file or stream, so its CPR and
address state is that of reading the whole recording in order); position chunks are taken as they are. Then
the backstop time-range check, the ``SIMULATED`` flag for the simulator's files and ``TIME_APPROXIMATE`` for
chunks whose time basis is approximate. Whatever calls this with the same chunks in the same order gets the
same rows, values and provenance (``source_file`` = the file's or stream's id, ``source_offset`` the reader's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.decode.modes import FrameDecoder
from airpicture.model.schemas import PositionFlag
from airpicture.sources.adsb import REJECTS_SCHEMA, Chunk, rejects_table, timestamp_ok


@dataclass(frozen=True, slots=True)
class ChunkPositions:
    """What one chunk gives: ``positions`` to store (None or empty: none), ``rejects`` to quarantine (in
    order: the reader's, the decoder's, the out-of-range times), ``stored`` positions counted as stored,
    ``good`` records the reader could use, and the Beast receiver ids (hex) its frames carry."""

    positions: pa.Table | None
    rejects: tuple[pa.Table, ...]
    stored: int
    good: int
    receiver_ids: tuple[str, ...]


def chunk_positions(chunk: Chunk, decoder: FrameDecoder | None, file_id: str, *, simulated: bool) -> ChunkPositions:
    """The positions and rejects of ``chunk`` of the file or stream ``file_id``. ``decoder`` is required for a
    chunk of frames; ``simulated``: the recording is the simulator's (every row flagged ``SIMULATED``)."""
    rejects: list[pa.Table] = [chunk.rejects] if chunk.rejects.num_rows else []
    positions = chunk.positions
    good = (chunk.frames.num_rows if chunk.frames is not None else 0) + (
        positions.num_rows if positions is not None else 0
    )
    stored = 0
    receiver_ids: tuple[str, ...] = ()
    if chunk.frames is not None and chunk.frames.num_rows:
        if decoder is None:
            raise ValueError("a chunk of frames needs a decoder")
        receiver_ids = _receiver_ids(chunk.frames)
        result = decoder.decode(chunk.frames, file_id)
        stored += int(result.counts.get("decoded", result.positions.num_rows))
        if result.rejected.num_rows:
            rejects.append(result.rejected.select(REJECTS_SCHEMA.names).cast(REJECTS_SCHEMA))
        positions = result.positions
    elif positions is not None:
        stored += positions.num_rows
    if positions is not None and positions.num_rows:
        positions, bad = _in_range(positions)
        if bad is not None:
            stored -= bad.num_rows
            rejects.append(bad)
    if positions is not None and positions.num_rows:
        if simulated:
            positions = set_flag(positions, PositionFlag.SIMULATED)
        if chunk.time_basis is not None and chunk.time_basis.approximate:
            positions = set_flag(positions, PositionFlag.TIME_APPROXIMATE)
    return ChunkPositions(positions, tuple(rejects), stored, good, receiver_ids)


def _in_range(positions: pa.Table) -> tuple[pa.Table, pa.Table | None]:
    """Positions inside the supported time range (1990-2100) and the ``bad_timestamp`` rejects of the others.

    Every reader checks this itself; this is the backstop that keeps a year-9999 row out of the store
    whatever a reader (or a future one) lets through, because later stages cannot handle it."""
    micros = pc.cast(positions["ts"], pa.int64()).to_numpy(zero_copy_only=False)
    ok = timestamp_ok(micros)
    if ok.all():
        return positions, None
    bad = positions.filter(pa.array(~ok))
    rejected = rejects_table(
        bad["source_offset"].to_numpy(zero_copy_only=False), "bad_timestamp", "time outside 1990-2100"
    )
    return positions.filter(pa.array(ok)), rejected


def _receiver_ids(frames: pa.Table) -> tuple[str, ...]:
    """The distinct Beast receiver ids naming frames of this chunk (columnar: distinct values only)."""
    ids = frames["receiver"].drop_null()
    return tuple(str(v) for v in pc.unique(ids).to_pylist()) if len(ids) else ()


def quarantine_rejects(con: duckdb.DuckDBPyConnection, file_id: str, rejects: pa.Table) -> None:
    """Insert ``rejects`` of the file or stream ``file_id`` into ``quarantine``."""
    if not rejects.num_rows:
        return
    con.register("_rejects", rejects)
    try:
        con.execute(
            "INSERT INTO quarantine SELECT ?, CAST(source_offset AS VARCHAR), reason, detail, frame FROM _rejects",
            [file_id],
        )
    finally:
        con.unregister("_rejects")


def set_flag(positions: pa.Table, flag: PositionFlag) -> pa.Table:
    """``flag`` set on every row of ``positions``."""
    index = positions.schema.get_field_index("flags")
    flags: Any = pc.bit_wise_or(positions["flags"], pa.scalar(int(flag), pa.uint16()))
    return positions.set_column(index, positions.schema.field("flags"), flags)
