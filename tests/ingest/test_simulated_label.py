"""Simulated data is labelled in every record: rows of a simulator file carry the SIMULATED flag."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from airpicture.model.schemas import PositionFlag
from airpicture.model.settings import load_settings
from airpicture.pipeline.ingest import IngestOptions, ingest_paths
from airpicture.store import Workspace
from airpicture.testing import FixedClock

DATA = Path(__file__).resolve().parents[1] / "data" / "adsb"


def flags_of(workspace: Workspace, name: str) -> set[bool]:
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT (flags & ?) <> 0 FROM positions p JOIN ingested_files f ON p.source_file = f.file_id "
            "WHERE f.path LIKE ?",
            [int(PositionFlag.SIMULATED), f"%{name}"],
        ).fetchall()
    return {bool(r[0]) for r in rows}


def test_only_files_written_by_the_simulator_are_flagged(tmp_path: Path) -> None:
    real = tmp_path / "receiver.bin"
    shutil.copy(DATA / "sample_dump1090.bin", real)
    # The same frames under a simulator's name; one extra byte so the content hash (the file id) differs.
    simulated = tmp_path / "simulated-receiver.beast"
    simulated.write_bytes(real.read_bytes() + b"\x00")
    workspace = Workspace.init(tmp_path / "ws")
    settings = load_settings(None, {}, {"workspace": workspace.root})
    options = IngestOptions(start=datetime(2022, 7, 11, 21, tzinfo=UTC), force=True)
    ingest_paths(workspace, [real, simulated], settings, FixedClock(), options=options)
    assert flags_of(workspace, "receiver.bin") == {False}
    assert flags_of(workspace, "simulated-receiver.beast") == {True}
