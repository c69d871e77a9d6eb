"""The workspace: one folder on local disk, no server.

Layout::

    <workspace>/
      airpicture.toml                  optional settings file
      airpicture.duckdb                small tables (catalog, events, restrictions, claims, …)
      positions/day=YYYY-MM-DD/part-<id>.parquet   hive-partitioned by UTC day
      reference/                       user-refreshed reference data
      tmp/                             temp files of in-flight atomic writes (swept on open)

Positions are read straight from Parquet by DuckDB, Polars or Dask
(``read_parquet('<ws>/positions/*/*.parquet', hive_partitioning=true)``).

Writes are all-or-nothing, even when one batch spans several days (several files):

1. every file is written under ``tmp/<txid>/`` and fsynced;
2. one DuckDB transaction records the planned renames (``pending_renames``) — the commit point;
3. the files are renamed into their partitions and the folders fsynced;
4. the pending rows are deleted.

A writer killed before (2) leaves only temp files, which the next open sweeps away; killed after (2),
the next open finishes the renames (roll forward). Writers hold the writer lock (``store.locking``);
recovery runs only when no writer holds it. While another process holds it, read-only connections open
the snapshot that writer published when it started (DuckDB allows no reader beside a writing process).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.model.errors import WorkspaceBusy, WorkspaceError
from airpicture.store import locking
from airpicture.store.atomic import atomic_write_parquet, fsync_dir
from airpicture.store.compact import COMPACT_PENDING_KEY, compact, finish_interrupted
from airpicture.store.migrations import MIGRATIONS, SCHEMA_VERSION, SCRUB_MIGRATIONS
from airpicture.store.transaction import transaction

DB_NAME = "airpicture.duckdb"
PARTITIONED_TABLES = ("positions",)
COMPLETE_POSITIONS = "source_file NOT IN (SELECT file_id FROM ingest_pending)"
"""SQL condition on ``positions`` that leaves out the rows of a file whose ingest has not completed."""
INTERNAL_TABLES = ("airpicture_meta", "pending_renames", "stage_done")
LOCK_WAIT_S = 30.0
"""How long a connection waits for another process's momentary DuckDB file lock (a reader, an opening)."""


@dataclass(frozen=True, slots=True)
class WorkspaceInfo:
    """What ``airpicture workspace info`` shows."""

    root: Path
    schema_version: int
    row_counts: dict[str, int]
    first_day: date | None
    last_day: date | None
    size_bytes: int


class Workspace:
    """An opened workspace. Construct with :meth:`init` or :meth:`open`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / DB_NAME
        self.tmp_dir = root / "tmp"

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def init(cls, root: Path) -> Workspace:
        """Create ``root`` (if needed) and its database at the current schema version; idempotent."""
        if root.exists() and not root.is_dir():
            raise WorkspaceError("exists and is not a folder", where=str(root))
        root.mkdir(parents=True, exist_ok=True)
        workspace = cls(root)
        workspace._migrate()
        return workspace

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Open an existing workspace, migrating an older schema forward.

        Raises ``WorkspaceError`` when there is no workspace at ``root`` or when it was written by a
        newer airpicture (schema version above :data:`SCHEMA_VERSION`).
        """
        workspace = cls(root)
        if not workspace.db_path.is_file():
            raise WorkspaceError("no workspace here", where=str(root), expected="run 'airpicture workspace init' first")
        workspace._migrate()
        return workspace

    def _migrate(self) -> None:
        if locking.other_writer(self.root):
            return  # the writer migrated it when it opened it; readers read its snapshot
        version, owed = self._stored_state()
        if version > SCHEMA_VERSION:
            raise WorkspaceError(
                "written by a newer airpicture",
                where=str(self.root),
                found=f"schema version {version}",
                expected=f"at most {SCHEMA_VERSION}; upgrade airpicture to open it",
            )
        if version < SCHEMA_VERSION or owed:
            with self._write_lock():
                con = self._duckdb(read_only=False)
                try:
                    con.execute("CREATE TABLE IF NOT EXISTS airpicture_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
                    row = con.execute("SELECT value FROM airpicture_meta WHERE key = 'schema_version'").fetchone()
                    version = int(row[0]) if row else 0
                    existing = version > 0
                    while version < SCHEMA_VERSION:
                        with transaction(con):
                            for statement in MIGRATIONS[version]:
                                con.execute(statement)
                            if existing and version in SCRUB_MIGRATIONS:  # its old values stay in freed pages
                                con.execute(
                                    "INSERT OR REPLACE INTO airpicture_meta VALUES (?, '1')", [COMPACT_PENDING_KEY]
                                )
                            version += 1
                            con.execute(
                                "INSERT OR REPLACE INTO airpicture_meta VALUES ('schema_version', ?)", [str(version)]
                            )
                    con.execute("CHECKPOINT")
                    owed = bool(
                        con.execute(
                            "SELECT count(*) FROM airpicture_meta WHERE key = ?", [COMPACT_PENDING_KEY]
                        ).fetchone()[0]  # type: ignore[index]
                    )
                finally:
                    con.close()
                if owed:
                    compact(self.db_path, self.tmp_dir)
        self._recover()

    def compact(self) -> None:
        """Rewrite the database into a fresh file, swapped in atomically, the old one shredded, so that no
        freed page keeps a value deleted or overwritten before (``store.compact``). Takes the writer lock;
        ``WorkspaceBusy`` while another process holds it. No connection of this process may be open."""
        with self._write_lock():
            compact(self.db_path, self.tmp_dir)

    def _stored_state(self) -> tuple[int, bool]:
        """The schema version in the database (0: a new file) and whether a compaction is owed (a scrub
        migration ran and the rewrite did not finish), read without taking the writer lock."""
        if not self.db_path.exists():
            return 0, False
        con = self._duckdb(read_only=True)
        try:
            has_meta = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'airpicture_meta'"
            ).fetchone()
            if not has_meta or not has_meta[0]:
                return 0, False
            row = con.execute("SELECT value FROM airpicture_meta WHERE key = 'schema_version'").fetchone()
            owed = con.execute("SELECT count(*) FROM airpicture_meta WHERE key = ?", [COMPACT_PENDING_KEY]).fetchone()
        finally:
            con.close()
        return (int(row[0]) if row else 0), bool(owed and owed[0])

    def _duckdb(self, *, read_only: bool, path: Path | None = None) -> duckdb.DuckDBPyConnection:
        """Open the database file, waiting out another process's momentary lock (up to LOCK_WAIT_S)."""
        target = path or self.db_path
        waited = 0.0
        while True:
            try:
                return duckdb.connect(str(target), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise WorkspaceError(f"cannot open the database: {exc}", where=str(target)) from exc
                if waited >= LOCK_WAIT_S:
                    who = locking.holder(self.root)
                    raise WorkspaceBusy(
                        "the database is held by another process" + (f" ({who})" if who else ""),
                        where=str(target),
                        expected="wait for it to finish, then run again",
                    ) from None
            except duckdb.Error as exc:
                raise WorkspaceError(f"cannot open the database: {exc}", where=str(target)) from exc
            time.sleep(0.05)
            waited += 0.05

    @contextmanager
    def _write_lock(self, *, blocking: bool = True) -> Iterator[bool]:
        """Hold the writer lock (re-entrant in this process); ``blocking`` off: yields False when another
        process holds it, else raises ``WorkspaceBusy``."""
        try:
            locking.acquire(self.root, "write", restore=True)
        except WorkspaceBusy:
            if blocking:
                raise
            yield False
            return
        try:
            yield True
        finally:
            locking.release(self.root)

    @contextmanager
    def writer(self, command: str) -> Iterator[locking.WriterLock]:
        """Hold the writer lock for a whole command (``run``, ``ingest``, …). The outermost hold first
        publishes the snapshot readers in other processes open meanwhile. ``WorkspaceBusy`` when another
        process holds it."""
        outermost = not locking.holds(self.root)
        lock = locking.acquire(self.root, command)
        try:
            if outermost:
                con = self._duckdb(read_only=False)
                try:
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                locking.publish_snapshot(self.root, self.db_path)
            yield lock
        finally:
            if outermost:
                locking.drop_snapshot(self.root)
            locking.release(self.root)

    def _recover(self) -> None:
        """Finish committed multi-file writes and sweep uncommitted temp files (when no writer runs).

        Only a ``tmp/`` with something in it can need recovery (a write's staging folder outlives its
        pending rows), so an open with nothing to recover never opens the database for writing."""
        if locking.holds(self.root):
            return  # this process is writing: its temp files and snapshot are in use
        stale_snapshot = locking.snapshot_path(self.root).parent.exists()
        if not self.tmp_dir.is_dir() and not stale_snapshot:
            return
        with self._write_lock(blocking=False) as locked:
            if not locked:
                return
            if stale_snapshot:  # left by a killed writer
                locking.drop_snapshot(self.root)
            if not self.tmp_dir.is_dir():
                return
            finish_interrupted(self.db_path, self.tmp_dir)  # a killed compaction's old file is shredded
            if not any(self.tmp_dir.iterdir()):
                self.tmp_dir.rmdir()
                return
            con = self._duckdb(read_only=False)
            try:
                pending = con.execute("SELECT txid, tmp_path, final_path FROM pending_renames").fetchall()
                for _, tmp, final in pending:
                    source, target = self.root / tmp, self.root / final
                    if source.exists():
                        target.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(source, target)
                        fsync_dir(target.parent)
                if pending:
                    con.execute("DELETE FROM pending_renames")
            finally:
                con.close()
            if self.tmp_dir.is_dir():
                shutil.rmtree(self.tmp_dir, ignore_errors=True)

    # -- database ------------------------------------------------------------------------------

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection to the workspace database, closed on exit.

        A writable connection holds the writer lock while it is open (``WorkspaceBusy`` when another
        process holds it). A read-only one, while another process holds the writer lock, opens the
        snapshot that writer published (the workspace as it was when it started; its positions view
        shows only files completely ingested by then).

        The ``positions`` view over the Parquet partitions is defined on every connection.
        """
        if not read_only:
            with self._write_lock():
                con = self._duckdb(read_only=False)
                try:
                    self._views(con, snapshot=False)
                    yield con
                finally:
                    con.close()
            return
        con, snapshot = self._reader()
        try:
            self._views(con, snapshot=snapshot)
            yield con
        finally:
            con.close()

    def _reader(self) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """A read-only connection: to the running writer's snapshot when another process holds the writer
        lock and has published one, else to the database; and whether it is the snapshot."""
        if locking.other_writer(self.root):
            try:
                return duckdb.connect(str(locking.snapshot_path(self.root)), read_only=True), True
            except duckdb.Error:
                pass  # none published (a writer outside the CLI), or just removed: its writer has ended
        return self._duckdb(read_only=True), False

    def _views(self, con: duckdb.DuckDBPyConnection, *, snapshot: bool) -> None:
        for table in PARTITIONED_TABLES:
            if self.has_partitions(table):
                where = " WHERE source_file IN (SELECT file_id FROM main.ingested_files)" if snapshot else ""
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM "
                    f"read_parquet('{self.partition_glob(table)}', hive_partitioning = true, "
                    f"union_by_name = true){where}"
                )

    @property
    def schema_version(self) -> int:
        with self.connect(read_only=True) as con:
            row = con.execute("SELECT value FROM airpicture_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    # -- partitions ----------------------------------------------------------------------------

    def pending_files(self) -> frozenset[str]:
        """Ids of files whose ingest started and has not completed: their positions may be partial."""
        with self.connect(read_only=True) as con:
            return frozenset(row[0] for row in con.execute("SELECT file_id FROM ingest_pending").fetchall())

    def partition_dir(self, table: str, day: date) -> Path:
        return self.root / table / f"day={day.isoformat()}"

    def partition_glob(self, table: str) -> str:
        return str(self.root / table / "day=*" / "*.parquet")

    def partition_files(self, table: str) -> list[Path]:
        return sorted((self.root / table).glob("day=*/*.parquet"))

    def has_partitions(self, table: str) -> bool:
        return any((self.root / table).glob("day=*/*.parquet"))

    def days(self, table: str) -> list[date]:
        base = self.root / table
        if not base.is_dir():
            return []
        found = []
        for path in base.glob("day=*"):
            if path.is_dir() and any(path.glob("*.parquet")):
                found.append(date.fromisoformat(path.name.removeprefix("day=")))
        return sorted(found)

    def write_partitioned(self, table: str, rows: pa.Table, part_id: str, ts_column: str = "ts") -> list[Path]:
        """Split ``rows`` by UTC day of ``ts_column`` and write one file per day, atomically.

        The file is ``<table>/day=D/part-<part_id>.parquet``: writing the same ``part_id`` again
        replaces that file whole, which makes re-ingest idempotent. Returns the files written.
        """
        if rows.num_rows == 0:
            return []
        days = pc.cast(rows[ts_column], pa.date32())
        txid = uuid.uuid4().hex
        staging = self.tmp_dir / txid
        planned: list[tuple[Path, Path]] = []
        with self._write_lock():
            unique_days = [d for d in pc.unique(days).to_pylist() if d is not None]
            if len(unique_days) != len(pc.unique(days)):
                raise ValueError(f"{table}.{ts_column} must not be null")
            for day in sorted(unique_days):
                chunk = rows.filter(pc.equal(days, pa.scalar(day, pa.date32())))
                target = self.partition_dir(table, day) / f"part-{part_id}.parquet"
                tmp = atomic_write_parquet(staging / f"{len(planned)}.parquet", chunk, staging)
                planned.append((tmp, target))
            con = self._duckdb(read_only=False)
            try:
                con.execute("BEGIN TRANSACTION")
                con.executemany(
                    "INSERT INTO pending_renames VALUES (?, ?, ?)",
                    [[txid, str(t.relative_to(self.root)), str(f.relative_to(self.root))] for t, f in planned],
                )
                con.execute("COMMIT")  # the commit point: from here on the write will complete
                for tmp, target in planned:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(tmp, target)
                    fsync_dir(target.parent)
                con.execute("DELETE FROM pending_renames WHERE txid = ?", [txid])
            finally:
                con.close()
            shutil.rmtree(staging, ignore_errors=True)
        return [target for _, target in planned]

    # -- info ----------------------------------------------------------------------------------

    def info(self) -> WorkspaceInfo:
        """Row counts per table, UTC date range of positions, disk size."""
        counts: dict[str, int] = {}
        with self.connect(read_only=True) as con:
            tables = con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
            for (name,) in tables:
                if name in INTERNAL_TABLES:
                    continue
                row = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
                counts[name] = int(row[0]) if row else 0
            for table in PARTITIONED_TABLES:
                if self.has_partitions(table):
                    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
                    counts[table] = int(row[0]) if row else 0
                else:
                    counts[table] = 0
            version_row = con.execute("SELECT value FROM airpicture_meta WHERE key = 'schema_version'").fetchone()
        days = self.days("positions")
        size = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
        return WorkspaceInfo(
            root=self.root,
            schema_version=int(version_row[0]) if version_row else 0,
            row_counts=dict(sorted(counts.items())),
            first_day=days[0] if days else None,
            last_day=days[-1] if days else None,
            size_bytes=size,
        )
