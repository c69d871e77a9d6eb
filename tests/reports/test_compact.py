"""An upgraded workspace keeps no scrubbed value in freed pages (#19, items 1 and 5; store/compact.py).

A schema-9 workspace is built with the migrations of that version, and report imports are recorded in it
the way the code of that version wrote them (the delivered path, naming the sender, in ``inbox_files.path``
and in failure messages; exact import times). Opening it with this airpicture scrubs those values (9 -> 10)
and rewrites the database into a fresh file: every byte of every file under the workspace (database, WAL,
snapshot, tmp) is then free of the planted strings. The same holds when the rewrite is killed at each of its
steps (a real process death, ``os._exit``), and the database opens with all its rows each time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from airpicture.store import Workspace
from airpicture.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import CliRunner

PLANTED = ("Ivan Petrovich", "375297770011", "ivan_petrov_1987", "Hanna Sidorenka", "80447123456")
CONTROL = "abcdef0123456789"
ROWS = 300


def _v9_workspace(root: Path) -> Path:
    root.mkdir()
    db = root / "airpicture.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE airpicture_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for version in range(9):
        for statement in MIGRATIONS[version]:
            con.execute(statement)
    con.execute("INSERT INTO airpicture_meta VALUES ('schema_version', '9')")
    rows = []
    for i in range(ROWS):  # as pipeline/run.py of schema 9 recorded inbox report files: path as delivered
        folder = f"reports/from {PLANTED[0]} +{PLANTED[1]} {i}"
        name = f"ChatExport_@{PLANTED[2]}_{i}.csv"
        outcome = "ok" if i % 2 else f"failed: {folder}/{name}: not UTF-8 text ({PLANTED[3]} {PLANTED[4]})"
        rows.append(
            (f"{folder}/{name}", f"{CONTROL}{i:08d}", "reports", f"2022-07-12 06:17:{i % 60:02d}.123456+00", outcome)
        )
    con.executemany("INSERT INTO inbox_files VALUES (?, ?, ?, ?::TIMESTAMPTZ, ?)", rows)
    con.execute(
        "INSERT INTO inbox_files VALUES ('adsb/site-a.beast', 'ffff', 'adsb', TIMESTAMPTZ '2022-07-12 06:00+00', 'ok')"
    )
    con.execute("CHECKPOINT")
    con.close()
    return root


def _hits(root: Path) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        for token in PLANTED:
            for form in (token.encode(), token.encode("utf-16-le"), token.encode("utf-16-be")):
                if form.lower() in data:
                    found.append(f"{path.relative_to(root)}: {token}")
    return found


def _check_upgraded(root: Path) -> None:
    ws = Workspace.open(root)
    assert ws.schema_version == SCHEMA_VERSION
    with ws.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM inbox_files").fetchone() == (ROWS + 1,)
        assert con.execute("SELECT count(*) FROM airpicture_meta WHERE key = 'compact_pending'").fetchone() == (0,)
        paths = {r[0] for r in con.execute("SELECT path FROM inbox_files WHERE kind = 'reports'").fetchall()}
        assert paths == {f"reports/report-{CONTROL[:12]}.csv"}
    with ws.connect() as con, pytest.raises(duckdb.ConstraintException):  # the constraints came along
        con.execute("INSERT INTO inbox_files VALUES ('x', 'ffff', 'adsb', now(), 'ok')")
    assert _hits(root) == []
    assert not (root / "tmp").exists() or not any((root / "tmp").iterdir())


def test_upgrade_rewrites_the_database_and_no_file_keeps_a_scrubbed_value(tmp_path: Path) -> None:
    root = _v9_workspace(tmp_path / "ws")
    assert _hits(root), "the scan must see the planted values before the upgrade"
    _check_upgraded(root)
    Workspace.open(root).compact()  # 'airpicture workspace compact' at any time: the data stays
    _check_upgraded(root)


_KILL = """
import os, sys
from pathlib import Path
import airpicture.store.compact as c
step = sys.argv[2]
def die(*a, **k):
    os._exit(9)
if step == "link":
    c.os.link = die
elif step == "replace":
    c.os.replace = die
elif step == "shred":
    c.shred = die
from airpicture.store import Workspace
Workspace.open(Path(sys.argv[1]))
os._exit(0)
"""


@pytest.mark.parametrize("step", ["link", "replace", "shred"])
def test_a_rewrite_killed_at_any_step_leaves_an_openable_clean_workspace(tmp_path: Path, step: str) -> None:
    root = _v9_workspace(tmp_path / "ws")
    killed = subprocess.run([sys.executable, "-c", _KILL, str(root), step], check=False, timeout=120)
    assert killed.returncode == 9
    con = duckdb.connect(str(root / "airpicture.duckdb"), read_only=True)  # old or new, whole
    assert con.execute("SELECT count(*) FROM inbox_files").fetchone() == (ROWS + 1,)
    con.close()
    _check_upgraded(root)  # the next open finishes: rewrite again, or shred the old file left in tmp/


def test_workspace_compact_command_clears_deleted_rows(cli: CliRunner, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert cli("-w", str(root), "workspace", "init").returncode == 0
    con = duckdb.connect(str(root / "airpicture.duckdb"))
    con.executemany(
        "INSERT INTO inbox_files VALUES (?, ?, 'reports', now(), 'ok')",
        [(f"reports/{PLANTED[0]} {PLANTED[1]} {i}.csv", f"{i:064d}") for i in range(ROWS)],
    )
    con.execute("CHECKPOINT")
    con.execute("DELETE FROM inbox_files WHERE sha256 <> ?", [f"{0:064d}"])
    con.execute("UPDATE inbox_files SET path = 'reports/report-000000000000.csv'")
    con.execute("CHECKPOINT")
    con.close()
    assert _hits(root), "a delete leaves the values in the file's pages"
    done = cli("-w", str(root), "workspace", "compact")
    assert done.returncode == 0, done.stderr
    assert "old file shredded" in done.stderr
    assert _hits(root) == []
    with Workspace.open(root).connect(read_only=True) as con:
        assert con.execute("SELECT path FROM inbox_files").fetchall() == [("reports/report-000000000000.csv",)]
