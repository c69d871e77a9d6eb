"""The workspace: init, forward migrations, refusal of newer versions, day partitions, info."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from airpicture.model.errors import WorkspaceError
from airpicture.store import Workspace
from airpicture.store.migrations import MIGRATIONS, SCHEMA_VERSION
from airpicture.testing import make_track


def test_init_is_idempotent_and_at_current_version(workspace_dir: Path) -> None:
    first = Workspace.init(workspace_dir)
    second = Workspace.init(workspace_dir)
    assert first.schema_version == second.schema_version == SCHEMA_VERSION
    assert (workspace_dir / "airpicture.duckdb").is_file()


def test_open_requires_a_workspace(workspace_dir: Path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace here"):
        Workspace.open(workspace_dir)


@pytest.mark.parametrize("start_version", range(SCHEMA_VERSION))
def test_older_workspace_migrates_forward(workspace_dir: Path, start_version: int) -> None:
    workspace_dir.mkdir()
    con = duckdb.connect(str(workspace_dir / "airpicture.duckdb"))
    con.execute("CREATE TABLE airpicture_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for statements in MIGRATIONS[:start_version]:
        for statement in statements:
            con.execute(statement)
    con.execute("INSERT INTO airpicture_meta VALUES ('schema_version', ?)", [str(start_version)])
    con.close()

    workspace = Workspace.open(workspace_dir)
    assert workspace.schema_version == SCHEMA_VERSION
    assert "ingested_files" in workspace.info().row_counts


def test_newer_workspace_is_refused_untouched(workspace_dir: Path) -> None:
    Workspace.init(workspace_dir)
    con = duckdb.connect(str(workspace_dir / "airpicture.duckdb"))
    con.execute("UPDATE airpicture_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 7)])
    con.close()
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(workspace_dir)
    message = str(caught.value)
    assert f"schema version {SCHEMA_VERSION + 7}" in message and "upgrade airpicture" in message
    con = duckdb.connect(str(workspace_dir / "airpicture.duckdb"), read_only=True)
    row = con.execute("SELECT value FROM airpicture_meta WHERE key = 'schema_version'").fetchone()
    assert row == (str(SCHEMA_VERSION + 7),)


def test_positions_are_partitioned_by_utc_day_hive_style(workspace_dir: Path) -> None:
    workspace = Workspace.init(workspace_dir)
    start = datetime(2022, 7, 11, 23, 30, tzinfo=UTC)
    track = make_track(
        "14c5a9", [(start, 53.0, 31.0, 30000.0), (start + timedelta(hours=1), 52.0, 30.0, 30000.0)], step_s=60
    )
    written = workspace.write_partitioned("positions", track, "test")
    assert sorted(p.parent.name for p in written) == ["day=2022-07-11", "day=2022-07-12"]
    info = workspace.info()
    assert info.row_counts["positions"] == track.num_rows == 61
    assert (info.first_day, info.last_day) == (date(2022, 7, 11), date(2022, 7, 12))

    # DuckDB and Polars read the partitions directly, with the hive day column.
    import polars as pl

    frame = pl.scan_parquet(str(workspace_dir / "positions" / "**" / "*.parquet"), hive_partitioning=True).collect()
    assert frame.height == 61 and "day" in frame.columns

    # Writing the same part id again replaces the files instead of duplicating rows.
    workspace.write_partitioned("positions", track, "test")
    assert workspace.info().row_counts["positions"] == 61


def test_empty_write_writes_nothing(workspace_dir: Path) -> None:
    workspace = Workspace.init(workspace_dir)
    empty = make_track("abc123", [(datetime(2022, 7, 11, tzinfo=UTC), 0.0, 0.0, 0.0)]).slice(0, 0)
    assert workspace.write_partitioned("positions", empty, "x") == []
    assert isinstance(empty, pa.Table)
