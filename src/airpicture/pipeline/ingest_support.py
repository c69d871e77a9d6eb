"""Helpers of ``pipeline/ingest.py``: write errors that name what could not be written, spooling stdin."""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import duckdb

from airpicture.model.clock import Clock
from airpicture.model.errors import AirpictureError, SourceError
from airpicture.sources.adsb import InputFile, detect_format


class WriteFailed(AirpictureError):
    """The workspace could not be written (disk full, file too large, database error): names what."""


@contextmanager
def writing(what: str) -> Iterator[None]:
    """Turn an OS or database error while writing ``what`` into :class:`WriteFailed` naming it."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            reason += " (the disk or a size limit is full: free space, then ingest again)"
        raise WriteFailed(f"cannot write {what}: {reason}") from exc
    except duckdb.Error as exc:
        raise WriteFailed(f"cannot write {what}: {exc}") from exc


def detected_hint(source: InputFile, head: bytes) -> str:
    try:
        return f"; it looks like {detect_format(source, head).format.value}"
    except SourceError:
        return ""


def spool_stdin(folder: Path, stream: BinaryIO, clock: Clock) -> Path:
    """Copy ``stream`` to a new file in ``folder``; its mtime is when the input ended (the clock's now)."""
    spool = folder / f"stdin-{uuid.uuid4().hex}"
    try:
        with writing(f"the spool of standard input in {folder}"):
            folder.mkdir(parents=True, exist_ok=True)
            with spool.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
        ended = clock.now().timestamp()
        os.utime(spool, (ended, ended))
    except BaseException:
        spool.unlink(missing_ok=True)
        raise
    return spool
