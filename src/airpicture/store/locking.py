"""The workspace's writer lock, and the snapshot readers use while a writer works.

One process writes a workspace at a time. It holds an exclusive ``flock`` on ``<workspace>/.write.lock``
and writes its pid and command into the file. The kernel releases the lock when the process ends, however
it ends, so a killed writer never blocks the next one; the pid it left in the file tells the next writer
that the last one did not finish (:attr:`WriterLock.interrupted`), and the next run redoes what it had not
finished (``store.stages``). A second writer gets :class:`~airpicture.model.errors.WorkspaceBusy` naming
the holder's pid.

DuckDB lets one process open a database file for writing and no other process open it at all meanwhile.
So a command-level writer first publishes a copy of the committed database (``.snapshot/airpicture.duckdb``,
written to a temp name and renamed), and read-only connections in other processes open that copy while a
writer holds the lock: they see the workspace as it was when the writer started. The writer removes the
copy when it ends (a killed writer's copy is removed by the next open that finds no writer), so no second
copy of the data outlives the command.

The lock is re-entrant within a process (a run that holds it calls ingest, which takes it per write).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from airpicture.model.errors import WorkspaceBusy
from airpicture.store.atomic import fsync_dir

LOCK_NAME = ".write.lock"
SNAPSHOT_DIR = ".snapshot"


@dataclass
class _Held:
    fd: int
    depth: int
    previous: str
    """What the file said before (a killed writer's line), written back on release when ``restore``."""
    restore: bool


_HELD: dict[Path, _Held] = {}
"""Lock files this process holds (resolved path → descriptor and nesting depth)."""


@dataclass(frozen=True, slots=True)
class WriterLock:
    """A writer lock just taken. ``interrupted``: the pid and command of a writer that took it before and
    never released it (killed), if any."""

    path: Path
    interrupted: str | None = None


def lock_path(root: Path) -> Path:
    return (root / LOCK_NAME).resolve()


def holds(root: Path) -> bool:
    """Whether this process holds the writer lock of the workspace at ``root``."""
    return lock_path(root) in _HELD


def holder(root: Path) -> str:
    """What the lock file says about its holder (``pid N (command)``), or ``''``."""
    try:
        text = lock_path(root).read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return text.splitlines()[0] if text else ""


def _pid_alive(line: str) -> bool:
    try:
        pid = int(line.split()[1])
    except (IndexError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def other_writer(root: Path) -> bool:
    """Whether another process holds the writer lock now (a shared test lock, released at once)."""
    path = lock_path(root)
    if path in _HELD or not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the test lock
    return False


def acquire(root: Path, command: str, *, restore: bool = False) -> WriterLock:
    """Take the writer lock (re-entrant) or raise ``WorkspaceBusy`` naming the holder; never waits for a
    writer. A reader's momentary test lock is waited out (a few milliseconds). ``restore``: a brief hold
    (recovery, one write) that puts back, on release, the line of a killed writer it found, so the next
    command still learns that the last one did not finish."""
    path = lock_path(root)
    held = _HELD.get(path)
    if held is not None:
        held.depth += 1
        return WriterLock(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    for attempt in range(50):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES) or attempt == 49 or _pid_alive(holder(root)):
                os.close(fd)
                who = holder(root)
                raise WorkspaceBusy(
                    f"another run is in progress ({who or 'pid unknown'})",
                    where=str(root),
                    expected="wait for it to finish, then run again",
                ) from None
            time.sleep(0.01)  # a reader's test lock lasts microseconds
    previous = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} ({command})\n".encode(), 0)
    os.fsync(fd)
    line = previous.splitlines()[0] if previous else ""
    _HELD[path] = _Held(fd, 1, line, restore)
    return WriterLock(path, line or None)


def release(root: Path) -> None:
    """Release one level of this process's writer lock; the last level empties the file and unlocks."""
    path = lock_path(root)
    held = _HELD.get(path)
    if held is None:
        return
    held.depth -= 1
    if held.depth:
        return
    del _HELD[path]
    try:
        os.ftruncate(held.fd, 0)  # a clean release leaves no holder behind
        if held.restore and held.previous:
            os.pwrite(held.fd, f"{held.previous}\n".encode(), 0)
    finally:
        os.close(held.fd)


@contextmanager
def writer(root: Path, command: str) -> Iterator[WriterLock]:
    """``with writer(root, "run"):`` — the writer lock for the block (re-entrant)."""
    lock = acquire(root, command)
    try:
        yield lock
    finally:
        release(root)


def snapshot_path(root: Path) -> Path:
    return root / SNAPSHOT_DIR / "airpicture.duckdb"


def publish_snapshot(root: Path, db_path: Path) -> None:
    """Copy the (checkpointed, closed) database for readers. Writer lock held."""
    folder = root / SNAPSHOT_DIR
    folder.mkdir(exist_ok=True)
    tmp = folder / f"tmp-{os.getpid()}.duckdb"
    shutil.copyfile(db_path, tmp)
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, snapshot_path(root))
    fsync_dir(folder)


def drop_snapshot(root: Path) -> None:
    """Remove the readers' copy (the writer has ended: readers open the database itself again). Readers that
    still have it open keep reading it until they close it."""
    shutil.rmtree(root / SNAPSHOT_DIR, ignore_errors=True)
