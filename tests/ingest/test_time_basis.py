"""Time basis of ingested files (issue 12, item 1): start-time sidecars, the basis recorded per file, and the
``TIME_APPROXIMATE`` flag on the rows of a file anchored on its modification time."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from airpicture.model.errors import SourceError
from airpicture.model.schemas import PositionFlag, TimeBasis
from airpicture.model.settings import load_settings
from airpicture.pipeline.ingest import FileStatus, IngestOptions, expand_paths, ingest_paths
from airpicture.pipeline.time_basis import file_time_bases
from airpicture.sources.adsb.sidecar import read_sidecar, sidecar_path
from airpicture.store import Workspace
from airpicture.store.migrations import MIGRATIONS
from airpicture.testing import FixedClock

DATA = Path(__file__).resolve().parents[1] / "data" / "adsb"
COPIED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
"""The modification time a plain ``cp`` gives a recording (fixed here: tests never read the wall clock)."""
BIT = int(PositionFlag.TIME_APPROXIMATE)
MTIME_NOTE = (
    "12 MHz counter anchored: last frame at the file's mtime 2024-01-01T00:00:00+00:00; "
    "times are approximate (pass --start to set them)"
)


def _copy(name: str, target: Path, mtime: datetime = COPIED_AT) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    shutil.copy(DATA / name, path)  # a plain copy: a new modification time
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def _ingest(workspace: Workspace, paths: list[Path], **options: object) -> list:
    settings = load_settings(None, {}, {"workspace": workspace.root})
    summary = ingest_paths(workspace, paths, settings, FixedClock(), options=IngestOptions(**options))  # type: ignore[arg-type]
    return list(summary.files)


def _positions(workspace: Workspace) -> list[tuple[object, ...]]:
    glob = str(workspace.root / "positions" / "*" / "*.parquet")
    with duckdb.connect() as con:
        return con.execute(
            f"SELECT min(ts), max(ts), count(*), count(*) FILTER ((flags & {BIT}) <> 0) FROM read_parquet('{glob}')"
        ).fetchall()


# -- sidecars ----------------------------------------------------------------------------------------------


def test_a_sidecar_holds_one_utc_time_with_its_offset(tmp_path: Path) -> None:
    recording = tmp_path / "night.beast"
    recording.write_bytes(b"")
    assert read_sidecar(recording) is None
    sidecar_path(recording).write_text("# recorded by the Minsk feeder\n\n2022-07-11T18:00:00Z\n")
    assert read_sidecar(recording) == datetime(2022, 7, 11, 18, 0, tzinfo=UTC)
    sidecar_path(recording).write_text("2022-07-11T21:00:00.250+03:00")
    assert read_sidecar(recording) == datetime(2022, 7, 11, 18, 0, 0, 250_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("2022-07-11T18:00:00\n", "without a UTC offset", 1),
        ("# start\nyesterday evening\n", "not a date-time", 2),
        ("2022-07-11T18:00Z\n2022-07-12T18:00Z\n", "a second time", 2),
        ("1970-01-01T00:00:00Z\n", "outside 1990-2100", 1),
        ("\n# nothing\n", "empty start-time sidecar", None),
    ],
)
def test_a_bad_sidecar_is_an_error_naming_file_and_line(
    tmp_path: Path, text: str, message: str, line: int | None
) -> None:
    recording = tmp_path / "night.beast"
    sidecar_path(recording).write_text(text)
    with pytest.raises(SourceError) as error:
        read_sidecar(recording)
    assert message in str(error.value)
    assert error.value.where == (f"{sidecar_path(recording)}:{line}" if line else str(sidecar_path(recording)))


def test_folders_are_walked_without_their_sidecars(tmp_path: Path) -> None:
    recording = _copy("sample_dump1090.bin", tmp_path / "in")
    sidecar_path(recording).write_text("2022-07-11T21:00:00Z\n")
    assert expand_paths([tmp_path / "in"]) == [recording]


# -- the basis of each file --------------------------------------------------------------------------------


def test_a_beast_file_without_start_is_anchored_on_its_mtime_and_every_row_is_flagged(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    recording = _copy("sample_dump1090.bin", tmp_path / "in")
    sbs = _copy("tutorial_head.sbs", tmp_path / "in")
    (beast, other) = _ingest(workspace, [recording, sbs])
    assert beast.time_basis is TimeBasis.FILE_MTIME and beast.time_anchor == COPIED_AT
    assert "time basis file_mtime (2026-12-01T10:00:00Z, the file's modification time)" in beast.line()
    assert other.time_basis is TimeBasis.ABSOLUTE and "time basis absolute" in other.line()
    bases = {f.format: (f.basis, f.anchor, f.anchor_from) for f in file_time_bases(workspace)}
    assert bases == {"beast": ("file_mtime", COPIED_AT, "mtime"), "sbs": ("absolute", None, "data")}
    glob = str(workspace.root / "positions" / "*" / "*.parquet")
    bit = int(PositionFlag.TIME_APPROXIMATE)
    with duckdb.connect() as con:
        flagged = con.execute(
            f"SELECT source_file = ?, bool_and((flags & {bit}) <> 0), bool_or((flags & {bit}) <> 0) "
            f"FROM read_parquet('{glob}') GROUP BY 1 ORDER BY 1",
            [beast.file_id],
        ).fetchall()
    assert flagged == [(False, False, False), (True, True, True)]  # the SBS rows carry their own times
    with workspace.connect(read_only=True) as con:
        tracks = con.execute("SELECT DISTINCT time_approximate FROM tracks").fetchall()
    assert tracks == [] or all(t[0] is not None for t in tracks)


def test_a_sidecar_anchors_the_first_frame_and_nothing_is_flagged(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    recording = _copy("sample_dump1090.bin", tmp_path / "in")
    sidecar_path(recording).write_text("2022-07-11T21:00:00Z\n")
    (outcome,) = _ingest(workspace, [recording])
    assert outcome.time_basis is TimeBasis.RECEIVER_CLOCK_ANCHORED
    assert (outcome.time_anchor, outcome.time_anchor_from) == (datetime(2022, 7, 11, 21, tzinfo=UTC), "sidecar")
    assert any("(sidecar sample_dump1090.bin.start)" in note for note in outcome.notes)
    ((first, _last, rows, flagged),) = _positions(workspace)
    assert first.astimezone(UTC) >= datetime(2022, 7, 11, 21, tzinfo=UTC) and rows > 0 and flagged == 0


def test_start_option_wins_over_a_sidecar(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    recording = _copy("sample_dump1090.bin", tmp_path / "in")
    sidecar_path(recording).write_text("2022-07-11T21:00:00Z\n")
    (outcome,) = _ingest(workspace, [recording], start=datetime(2023, 1, 2, 3, tzinfo=UTC))
    assert (outcome.time_anchor, outcome.time_anchor_from) == (datetime(2023, 1, 2, 3, tzinfo=UTC), "option")


def test_a_sidecar_added_later_ingests_the_recording_again_on_its_start(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    recording = _copy("sample_dump1090.bin", tmp_path / "in")
    (first,) = _ingest(workspace, [recording])
    assert first.time_basis is TimeBasis.FILE_MTIME
    assert [d.name for d in (workspace.root / "positions").iterdir()] == ["day=2026-12-01"]
    (again,) = _ingest(workspace, [recording])
    assert again.status is FileStatus.SKIPPED  # same bytes, no new start time: nothing to redo
    sidecar_path(recording).write_text("2022-07-11T21:00:00Z\n")
    (redone,) = _ingest(workspace, [recording])
    assert redone.status is FileStatus.INGESTED and redone.time_basis is TimeBasis.RECEIVER_CLOCK_ANCHORED
    assert redone.replaced_days == (date(2026, 12, 1),)
    assert any("ingested again" in note for note in redone.notes)
    assert sorted(d.name for d in (workspace.root / "positions").iterdir() if any(d.iterdir())) == ["day=2022-07-11"]
    ((_, _, _, flagged),) = _positions(workspace)
    assert flagged == 0
    (same,) = _ingest(workspace, [recording])
    assert same.status is FileStatus.SKIPPED  # the same sidecar again: nothing to redo


def test_a_bad_sidecar_fails_its_file_only_and_never_falls_back_to_the_mtime(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    recording = _copy("sample_dump1090.bin", tmp_path / "in")
    sidecar_path(recording).write_text("11 July, evening\n")
    sbs = _copy("tutorial_head.sbs", tmp_path / "in")
    (bad, good) = _ingest(workspace, [recording, sbs])
    assert bad.status is FileStatus.FAILED and f"{sidecar_path(recording)}:1: not a date-time" in (bad.error or "")
    assert good.status is FileStatus.INGESTED
    assert [f.format for f in file_time_bases(workspace)] == ["sbs"]


def test_hex_lines_without_timestamps_have_no_time_basis(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    source = (DATA / "tutorial_head.raw").read_text().splitlines()
    untimed = tmp_path / "in" / "untimed.raw"
    untimed.parent.mkdir()
    untimed.write_text("".join(f"*{line[13:]}\n" for line in source[:200] if line.startswith("@")))
    (outcome,) = _ingest(workspace, [untimed], start=datetime(2022, 7, 11, 21, tzinfo=UTC))
    assert outcome.time_basis is TimeBasis.NONE and outcome.time_basis.approximate
    ((_, _, rows, flagged),) = _positions(workspace)
    assert rows > 0 and flagged == rows


def test_files_ingested_before_time_bases_get_theirs_from_their_notes(tmp_path: Path) -> None:
    """Migration 7 -> 8 backfills the basis from the ingest notes an earlier version left."""
    root = tmp_path / "ws"
    root.mkdir()
    con = duckdb.connect(str(root / "airpicture.duckdb"))
    con.execute("CREATE TABLE airpicture_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for statements in MIGRATIONS[:7]:
        for statement in statements:
            con.execute(statement)
    con.execute("INSERT INTO airpicture_meta VALUES ('schema_version', '7')")
    now = datetime(2024, 1, 1, tzinfo=UTC)
    for file_id, fmt, note in [
        ("a", "beast", MTIME_NOTE),
        ("b", "beast", "12 MHz counter anchored: first frame at 2022-07-11T18:00:00+00:00 (--start)"),
        ("c", "raw", "12 '*' lines carry no timestamp: stamped 2024-01-01T00:00:00+00:00"),
        ("d", "sbs", None),
        ("e", "notam-text", None),
    ]:
        con.execute(
            "INSERT INTO ingested_files VALUES (?, ?, ?, 1, ?, 1, 1, 0, NULL, 'file')", [file_id, file_id, fmt, now]
        )
        if note:
            con.execute("INSERT INTO ingest_notes VALUES (?, ?)", [file_id, note])
    con.close()
    workspace = Workspace.open(root)
    bases = {f.file_id: (f.basis, f.anchor_from) for f in file_time_bases(workspace)}
    assert bases == {
        "a": ("file_mtime", "mtime"),
        "b": ("receiver_clock_anchored", "option"),
        "c": ("none", None),
        "d": ("absolute", "data"),
        "e": ("absolute", "data"),
    }
