"""Rewriting the workspace database into a fresh file, so that no freed page keeps old values.

DuckDB does not zero the pages it frees: after an ``UPDATE`` or ``DELETE`` the old values stay in the file's
free space (``VACUUM`` does not clear them). A migration that scrubs identifying data (``SCRUB_MIGRATIONS``
in ``store.migrations``) is therefore followed by a compaction, and ``airpicture workspace compact`` runs one
at any time:

1. ``COPY FROM DATABASE`` into ``tmp/compact-new.duckdb`` (a fresh file: only live rows), checkpointed,
   closed and fsynced; the ``compact_pending`` mark is removed from the copy;
2. the old file is hard-linked as ``tmp/compact-old.duckdb``;
3. the fresh file is renamed over ``airpicture.duckdb`` (atomic) and the folder fsynced;
4. the old file (through its link) is overwritten with zeros, fsynced and deleted.

A kill at any point leaves ``airpicture.duckdb`` whole, old or new, never neither. The ``compact_pending``
mark, written in the same transaction as the scrub, stays in the old file until step 3, so an open after a
kill before it compacts again; an open after a kill in step 4 finds the old link in ``tmp/`` and shreds it
(:func:`finish_interrupted`; a link that is still the live file is only unlinked). The writer lock is held
throughout. Documented in docs/source-protection.md ("Upgrading an older workspace").
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from airpicture.store.atomic import fsync_dir, shred

COMPACT_PENDING_KEY = "compact_pending"
"""``airpicture_meta`` key set while a compaction is owed (a scrub migration ran on stored data)."""
NEW_NAME = "compact-new.duckdb"
OLD_NAME = "compact-old.duckdb"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    for each in (path, _wal(path)):
        if each.exists():
            each.unlink()


def finish_interrupted(db_path: Path, tmp_dir: Path) -> None:
    """Finish what a killed compaction left in ``tmp_dir``: shred the old file if it was already replaced
    (its link is another file than the database now), unlink it if not; remove a half-written copy."""
    old = tmp_dir / OLD_NAME
    if old.exists():
        if db_path.exists() and os.path.samefile(old, db_path):
            old.unlink()  # killed before the swap: this name is the live database
        else:
            shred(old)
    new = tmp_dir / NEW_NAME
    if new.exists() or _wal(new).exists():
        _remove(new)  # only live rows: nothing to shred


def compact(db_path: Path, tmp_dir: Path) -> None:
    """Rewrite ``db_path`` into a fresh file and swap it in (steps above). Writer lock held by the caller,
    no connection to ``db_path`` open."""
    tmp_dir.mkdir(exist_ok=True)
    finish_interrupted(db_path, tmp_dir)
    if _wal(db_path).exists():  # replay it into the file first: the copy must hold every committed row
        con = duckdb.connect(str(db_path))
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
    new, old = tmp_dir / NEW_NAME, tmp_dir / OLD_NAME
    con = duckdb.connect(str(db_path))
    try:
        source = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        con.execute(f"ATTACH '{new}' AS compact_target")
        con.execute(f'COPY FROM DATABASE "{source}" TO compact_target')
        con.execute(f"DELETE FROM compact_target.airpicture_meta WHERE key = '{COMPACT_PENDING_KEY}'")
        con.execute("CHECKPOINT compact_target")
        con.execute("DETACH compact_target")
    finally:
        con.close()
    if _wal(new).exists() or _wal(db_path).exists():
        raise RuntimeError("compaction: a write-ahead log was left beside the database; not swapped")
    with new.open("rb") as handle:
        os.fsync(handle.fileno())
    os.link(db_path, old)
    fsync_dir(tmp_dir)
    os.replace(new, db_path)  # the commit point: from here on the workspace is the fresh file
    fsync_dir(db_path.parent)
    shred(old)
    fsync_dir(tmp_dir)
