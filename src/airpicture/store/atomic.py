"""Atomic file writes: temp file in the same folder tree, fsync, rename, fsync the folder.

A process killed at any point leaves either the old file or the whole new one, never a part. Temp
files live under ``<workspace>/tmp`` (same file system as the data, so ``rename`` is atomic) and
are swept when the workspace is next opened.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def shred(path: Path) -> None:
    """Overwrite ``path`` with zeros (fsync), then delete it. On copy-on-write file systems, SSDs and in
    backups the old blocks may survive: this removes the name and the readable bytes, not every copy."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        zeros = bytes(min(size, 1 << 20))
        left = size
        while left > 0:
            handle.write(zeros[: min(left, len(zeros))])
            left -= len(zeros)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


def atomic_write(target: Path, write: Callable[[Path], None], tmp_dir: Path | None = None) -> Path:
    """Call ``write(tmp_path)``, fsync it, then rename it to ``target``. Returns ``target``.

    On any exception the temp file is removed and ``target`` is untouched.
    """
    tmp_dir = tmp_dir or target.parent
    tmp_dir.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / f".tmp-{uuid.uuid4().hex}-{target.name}"
    try:
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def atomic_write_bytes(target: Path, data: bytes, tmp_dir: Path | None = None) -> Path:
    """Write ``data`` to ``target`` atomically."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write(target, write, tmp_dir)


def atomic_write_parquet(target: Path, table: pa.Table, tmp_dir: Path | None = None) -> Path:
    """Write ``table`` as one zstd-compressed Parquet file at ``target``, atomically."""

    def write(tmp: Path) -> None:
        pq.write_table(table, tmp, compression="zstd", row_group_size=1 << 20)

    return atomic_write(target, write, tmp_dir)
