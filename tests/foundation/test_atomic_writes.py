"""A writer killed mid-way leaves a workspace that opens and holds only whole data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from airpicture.store import Workspace
from airpicture.store.atomic import atomic_write_bytes

REPO = Path(__file__).resolve().parents[2]
ROWS_PER_PART = 20_001  # one fix every second for 5 h 33 min 20 s

WRITER = textwrap.dedent(
    f"""
    import sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from airpicture.store import Workspace
    from airpicture.testing import make_track

    workspace = Workspace.init(Path(sys.argv[1]))
    start = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)
    for i in range(10_000):
        end = start + timedelta(seconds={ROWS_PER_PART - 1})
        track = make_track(f"{{i:06x}}", [(start, 53.0, 27.0, 30000.0), (end, 52.0, 31.0, 30000.0)], step_s=1)
        workspace.write_partitioned("positions", track, f"part{{i:05d}}")
        with workspace.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO ingested_files (file_id, path, format, size_bytes, ingested_at, records_read, "
                "records_stored, records_rejected) VALUES (?, ?, 'test', 0, now(), ?, ?, 0)",
                [f"file{{i}}", f"part{{i}}", {ROWS_PER_PART}, {ROWS_PER_PART}],
            )
            con.execute("INSERT INTO quarantine VALUES (?, 'row 1', 'test', 'mid-transaction', NULL)", [f"file{{i}}"])
            con.execute("COMMIT")
        print(i, flush=True)
    """
)


@pytest.mark.parametrize("delay_s", [0.05, 0.23, 0.41])
def test_killed_writer_leaves_only_whole_data(tmp_path: Path, delay_s: float) -> None:
    root = tmp_path / "ws"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True, env=env)
    assert writer.stdout is not None
    for _ in range(2):  # let it finish two whole parts, then kill it somewhere in the next ones
        assert writer.stdout.readline(), "writer died before writing"
    time.sleep(delay_s)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()

    workspace = Workspace.open(root)  # opens, sweeps temp files
    assert not (root / "tmp").exists()
    files = workspace.partition_files("positions")
    assert len(files) >= 2
    for path in files:
        assert pq.read_metadata(path).num_rows > 0
    # Every part is whole: each part file holds exactly one track's rows split over its days.
    with workspace.connect(read_only=True) as con:
        per_track = con.execute("SELECT icao24, count(*) FROM positions GROUP BY icao24").fetchall()
        ingested = con.execute("SELECT count(*) FROM ingested_files").fetchone()
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()
    assert {n for _, n in per_track} == {ROWS_PER_PART}
    # A transaction is whole too: each catalog row came with its quarantine row.
    assert ingested == quarantined
    assert ingested is not None and ingested[0] >= 2


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    atomic_write_bytes(target, b"old")

    def explode(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk on fire")

    from airpicture.store.atomic import atomic_write

    with pytest.raises(RuntimeError):
        atomic_write(target, explode)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_open_finishes_a_committed_write_and_drops_an_uncommitted_one(tmp_path: Path) -> None:
    """The two crash windows of a multi-file write, laid out by hand as a killed writer leaves them."""
    from datetime import UTC, datetime

    import duckdb

    from airpicture.testing import make_track

    root = tmp_path / "ws"
    Workspace.init(root)
    track = make_track("14c5a9", [(datetime(2022, 7, 11, 21, tzinfo=UTC), 53.0, 27.0, 30000.0)])
    committed = root / "tmp" / "tx-committed" / "0.parquet"
    uncommitted = root / "tmp" / "tx-lost" / "0.parquet"
    for path in (committed, uncommitted):
        path.parent.mkdir(parents=True)
        pq.write_table(track, path)
    con = duckdb.connect(str(root / "airpicture.duckdb"))
    con.execute(
        "INSERT INTO pending_renames VALUES ('tx-committed', ?, 'positions/day=2022-07-11/part-a.parquet')",
        [str(committed.relative_to(root))],
    )
    con.close()

    workspace = Workspace.open(root)
    assert [p.relative_to(root).as_posix() for p in workspace.partition_files("positions")] == [
        "positions/day=2022-07-11/part-a.parquet"
    ]
    assert not (root / "tmp").exists()
    with workspace.connect(read_only=True) as con2:
        assert con2.execute("SELECT count(*) FROM pending_renames").fetchone() == (0,)
    assert "pending_renames" not in workspace.info().row_counts
