"""Reading a whole file with a size limit that holds whatever the file is or does while it is read.

``Path.read_bytes`` reads everything before any check can run; a ``stat`` first is not enough either (the
file can grow between the two, and a FIFO or a device reports size 0 and then never ends, or blocks the
open). :func:`read_bounded` refuses anything but a regular file (checked on the opened descriptor, without
following a symbolic link and without blocking on a FIFO), refuses one whose size is over the limit before
reading it, and reads at most ``max_bytes + 1`` bytes, so a file that grows meanwhile is refused too.
Used for observer-report exports and their media (docs/source-protection.md, "Limits").
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from airpicture.model.errors import SourceError

_CHUNK_BYTES = 1 << 20


def read_bounded(path: Path, max_bytes: int, *, label: str, what: str = "file", follow_links: bool = False) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them.

    Raises ``SourceError`` naming the file by ``label`` only (never by its path, which can name a sender)
    when it is not a regular file (a FIFO, a device, a folder; a symbolic link unless ``follow_links``), when it
    is larger than ``max_bytes`` (by its size, or by what a read finds when it grew), or when it cannot be read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_links else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        reason = (
            "a symbolic link, not read"
            if getattr(exc, "errno", None) == errno.ELOOP
            else f"cannot read: {exc.strerror}"
        )
        raise SourceError(f"{what}: {reason}", where=label) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{what} is not a regular file, not read", where=label, expected="a regular file")
        if info.st_size > max_bytes:
            raise SourceError(f"{what} too large, not read", where=label, expected=f"at most {max_bytes:,} bytes")
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(_CHUNK_BYTES, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise SourceError(
                f"{what} too large (it grew while read), not read", where=label, expected=f"at most {max_bytes:,} bytes"
            )
        return b"".join(chunks)
    except OSError as exc:
        raise SourceError(f"{what}: cannot read: {exc.strerror}", where=label) from None
    finally:
        os.close(fd)
