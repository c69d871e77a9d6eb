"""After a replay ends, the live workspace holds what batch ingest and detect make of the same files: the same
position rows (values and provenance), the same events; a restart stores nothing twice."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from airpicture.model.clock import SystemClock
from airpicture.pipeline.detect import run_detection
from airpicture.pipeline.ingest import ingest_paths
from airpicture.store import Workspace
from tests.live.driver.support import DATA, positions, replay, settings_for

REPO = Path(__file__).resolve().parents[3]
ORBITS = REPO / "tests" / "detect" / "scenarios" / "orbits.toml"


def _replays(paths: list[Path]) -> list[str]:
    return [f"replay:{p}?speed=0&queue=1000000" for p in paths]


def _batch(root: Path, paths: list[Path]) -> Workspace:
    """``airpicture ingest`` then ``airpicture detect`` of ``paths`` (the functions those commands call)."""
    workspace = Workspace.init(root)
    settings = settings_for(root)
    ingest_paths(workspace, paths, settings, SystemClock())
    run_detection(workspace, settings, SystemClock(), days=workspace.days("positions"))
    return workspace


def _events(root: Path) -> set[tuple[str, str, str]]:
    con = duckdb.connect(str(root / "airpicture.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT event_id, type, start_ts FROM events").fetchall()
        return {(str(i), str(t), str(s)) for i, t, s in rows}
    finally:
        con.close()


def _live_events(root: Path) -> dict[str, set[str]]:
    con = duckdb.connect(str(root / "airpicture.duckdb"), read_only=True)
    try:
        found: dict[str, set[str]] = {}
        for event_id, status in con.execute("SELECT event_id, status FROM live_events").fetchall():
            found.setdefault(str(status), set()).add(str(event_id))
        return found
    finally:
        con.close()


def test_replay_of_bundled_recordings_stores_ingests_rows(tmp_path: Path) -> None:
    files = [DATA / "sample_dump1090.bin", DATA / "tutorial_head.raw"]
    summary, _ = replay(tmp_path / "live", _replays(files))
    _batch(tmp_path / "batch", files)
    live, batch = positions(tmp_path / "live"), positions(tmp_path / "batch")
    assert live.num_rows == batch.num_rows > 0
    assert live.equals(batch)  # every column: values, flags, source_file (the file's hash), source_offset
    assert all(c.drops == 0 for c in summary.counters)
    # restart: the streams are recorded as ended; nothing is read or stored again
    again, _ = replay(tmp_path / "live", _replays(files))
    assert again.restarted_streams == 2 and again.positions == 0
    assert positions(tmp_path / "live").equals(batch)


@dataclass(frozen=True, slots=True)
class Night:
    folder: Path
    beast: list[Path]
    batch: Path


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    """The small orbits scenario (SIMULATED), simulated once; and batch ingest + detect of its Beast files."""
    folder = tmp_path_factory.mktemp("night")
    subprocess.run(
        [sys.executable, "-m", "airpicture", "simulate", str(ORBITS), "-o", str(folder / "sim")],
        check=True,
        capture_output=True,
        env={"PYTHONPATH": str(REPO / "src"), "HOME": str(folder), "PATH": "/usr/bin:/bin"},
    )
    beast = sorted((folder / "sim").glob("simulated-*.beast"))
    assert len(beast) == 2
    _batch(folder / "batch", beast)
    yield Night(folder, beast, folder / "batch")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow  # a simulated night through live and through batch: essential, and minutes on a loaded machine
def test_simulated_night_positions_and_closed_events_equal_batch(night: Night, tmp_path: Path) -> None:
    root = tmp_path / "live"
    summary, emitted = replay(root, _replays(night.beast))
    assert positions(root).equals(positions(night.batch))
    batch_events = _events(night.batch)
    assert {t for _, t, _ in batch_events} >= {"orbit", "border_proximity"}
    assert _events(root) == batch_events
    statuses = _live_events(root)
    assert statuses.get("closed") == {i for i, _, _ in batch_events}
    assert not statuses.get("provisional")
    # every closed event was emitted, and the last emission of each says closed
    last = {e.key: e for e in emitted}
    assert {e.event_id for e in last.values() if e.status.value == "closed"} == {i for i, _, _ in batch_events}
    assert summary.passes >= 1


@pytest.mark.slow
def test_interrupted_replay_resumes_without_duplicates(night: Night, tmp_path: Path) -> None:
    """A replay stopped part-way (a flush interrupted as by kill -9 between its part and its record) resumes
    at its cursor: no row twice, none missing."""
    root = tmp_path / "live"
    replay(root, [f"replay:{night.beast[0]}?speed=0&queue=1000000"])
    con = duckdb.connect(str(root / "airpicture.duckdb"))
    try:  # roll the stream back to an earlier flush, as a kill before that flush's record would have left it
        (stream_id, parts) = con.execute("SELECT stream_id, parts FROM live_streams").fetchone() or ("", 0)
        assert parts >= 1  # a recording of one reader chunk is one part
        cursor = 0
        if parts >= 2:
            (cursor,) = con.execute(
                "SELECT batches_end FROM live_flushes WHERE stream_id = ? AND part = ?", [stream_id, parts - 2]
            ).fetchone() or (0,)
        con.execute(
            "UPDATE live_flushes SET state = 'writing' WHERE stream_id = ? AND part = ?", [stream_id, parts - 1]
        )
        con.execute("UPDATE live_streams SET batches = ?, parts = ?, ended = false", [cursor, parts - 1])
    finally:
        con.close()
    summary, _ = replay(root, [f"replay:{night.beast[0]}?speed=0&queue=1000000"])
    assert summary.undone_flushes == 1 and summary.restarted_streams == 1 and summary.positions > 0
    batch_one = _batch(tmp_path / "one", [night.beast[0]])
    assert positions(root).equals(positions(batch_one.root))
