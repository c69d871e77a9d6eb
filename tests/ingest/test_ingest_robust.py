"""A batch survives its worst file (issue 19 items 10, 16; issue 13 "Ingest"): every failure names its file and
costs that file only, a full disk is a clear error with nothing half-committed, symbolic links inside folders
are refused, plainly-non-recordings are skipped and counted, a forced format that reads nothing fails, and
standard input is a recording like any other."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.errors import UsageError
from airpicture.model.settings import Settings, load_settings
from airpicture.pipeline.ingest import FileStatus, IngestOptions, ingest_paths
from airpicture.pipeline.run import run_all
from airpicture.store import Workspace
from tests.conftest import REPO, CliRunner
from tests.ingest.readers_support import ADSB
from tests.ingest.test_hostile_readers import _id_pieces, _readsb_stream
from tests.ingest.test_ingest import _tile

CLOCK = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
SBS = ADSB / "tutorial_head.sbs"


def _count(ws: Workspace, sql: str) -> int:
    with ws.connect(read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _settings(tmp_path: Path) -> Settings:
    return load_settings(env={"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(tmp_path / "keys" / "reporter.key")})


def test_broken_files_fail_by_name_and_the_files_after_them_are_ingested(tmp_path: Path) -> None:
    whole = (ADSB / "tutorial.jsonl.gz").read_bytes()
    cut = tmp_path / "b-cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    bad_now = tmp_path / "c-aircraft.json"
    doc = json.loads((ADSB / "aircraft_tutorial.json").read_text())
    bad_now.write_text(json.dumps({**doc, "now": "yesterday"}))
    first, last = tmp_path / "a.sbs", tmp_path / "d.sbs"
    first.write_bytes(SBS.read_bytes())
    last.write_bytes(SBS.read_bytes() + b"\n")
    ws = Workspace.init(tmp_path / "ws")
    summary = ingest_paths(ws, [first, cut, bad_now, last], Settings(), CLOCK)
    status = {f.path.name: f.status for f in summary.files}
    assert status == {
        "a.sbs": FileStatus.INGESTED,
        "b-cut.jsonl.gz": FileStatus.FAILED,
        "c-aircraft.json": FileStatus.FAILED,
        "d.sbs": FileStatus.INGESTED,
    }
    errors = {f.path.name: f.error or "" for f in summary.by_status(FileStatus.FAILED)}
    assert str(cut) in errors["b-cut.jsonl.gz"] and "cut short" in errors["b-cut.jsonl.gz"]
    assert str(bad_now) in errors["c-aircraft.json"]
    assert _count(ws, "SELECT count(*) FROM ingested_files") == 2
    assert _count(ws, "SELECT count(*) FROM quarantine q JOIN ingested_files f USING (file_id)") == _count(
        ws, "SELECT count(*) FROM quarantine"
    )  # nothing of the failed files stays in quarantine


def test_a_year_9999_line_is_quarantined_and_never_stored(tmp_path: Path) -> None:
    lines = SBS.read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("MSG,3"))
    fields = lines[k].split(",")
    fields[6] = "9999/12/31"
    lines[k] = ",".join(fields)
    path = tmp_path / "y9999.sbs"
    path.write_text("\n".join(lines) + "\n")
    ws = Workspace.init(tmp_path / "ws")
    (outcome,) = ingest_paths(ws, [path], Settings(), CLOCK).files
    assert outcome.status is FileStatus.INGESTED and outcome.rejected.get("bad_timestamp") == 1
    assert _count(ws, "SELECT count(*) FROM positions WHERE ts >= TIMESTAMPTZ '2100-01-01 00:00:00+00'") == 0
    assert _count(ws, f"SELECT count(*) FROM quarantine WHERE reason = 'bad_timestamp' AND location = '{k + 1}'") == 1


def test_a_full_disk_fails_naming_what_could_not_be_written_and_commits_nothing(tmp_path: Path) -> None:
    # A real OS limit, not a mock: the ingest runs in a child whose files may not grow past 2 MiB
    # (RLIMIT_FSIZE; the kernel answers EFBIG, as a full disk answers ENOSPC).
    ws_dir = tmp_path / "ws"
    Workspace.init(ws_dir)
    big = tmp_path / "big.jsonl.gz"
    _tile(ADSB / "tutorial.jsonl.gz", big, copies=4)
    small = tmp_path / "small.sbs"
    small.write_bytes(SBS.read_bytes())
    script = f"""
import json, resource, signal, sys
from datetime import UTC, datetime
from pathlib import Path
import pytest

from airpicture.model.clock import FixedClock
from airpicture.model.errors import UsageError
from airpicture.model.settings import Settings
from airpicture.pipeline.ingest import ingest_paths
from airpicture.store import Workspace
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))
summary = ingest_paths(Workspace.open(Path({str(ws_dir)!r})), [Path({str(big)!r}), Path({str(small)!r})],
                       Settings(), FixedClock(datetime(2025, 1, 1, tzinfo=UTC)))
print(json.dumps([[f.path.name, f.status.value, f.error] for f in summary.files]))
"""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    (big_name, big_status, big_error), (_, small_status, small_error) = json.loads(done.stdout)
    assert (big_name, big_status, small_status) == ("big.jsonl.gz", "failed", "failed")
    assert "cannot write positions part-" in big_error and "File too large" in big_error
    assert str(big) in big_error and "nothing of this file was kept" in big_error
    assert "not read" in small_error
    ws = Workspace.open(ws_dir)
    assert _count(ws, "SELECT count(*) FROM ingested_files") == 0
    assert not list((ws_dir / "positions").glob("day=*/*.parquet"))  # nothing half-committed is left
    assert not [p for p in ws.tmp_dir.rglob("*") if p.is_file()]
    again = ingest_paths(ws, [big, small], Settings(), CLOCK)
    assert again.ok
    clean_dir = tmp_path / "clean"
    Workspace.init(clean_dir)
    clean = ingest_paths(Workspace.open(clean_dir), [big, small], Settings(), CLOCK)
    assert _count(ws, "SELECT count(*) FROM positions") == sum(f.stored for f in clean.files)
    assert _count(ws, "SELECT count(*) FROM quarantine") == sum(f.n_rejected for f in clean.files)


def test_symbolic_links_inside_folders_are_refused_for_ingest_and_run(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.sbs").write_bytes(SBS.read_bytes())
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "own.sbs").write_bytes(SBS.read_bytes() + b"\n")
    (folder / "link.sbs").symlink_to(outside / "secret.sbs")
    (folder / "linked-folder").symlink_to(outside)
    ws = Workspace.init(tmp_path / "ws")
    summary = ingest_paths(ws, [folder], Settings(), CLOCK)
    assert [f.path.name for f in summary.by_status(FileStatus.INGESTED)] == ["own.sbs"]
    refused = summary.by_status(FileStatus.FAILED)
    assert sorted(f.path.name for f in refused) == ["link.sbs", "linked-folder"]
    assert all("a symbolic link inside the folder, refused" in (f.error or "") for f in refused)
    # the inbox of `run`: a link is not followed either
    ws2 = Workspace.init(tmp_path / "ws2")
    inbox = ws2.root / "inbox" / "adsb"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "link.sbs").symlink_to(outside / "secret.sbs")
    (inbox / "linked-folder").symlink_to(outside)
    run_all(ws2, _settings(tmp_path), CLOCK)
    assert _count(ws2, "SELECT count(*) FROM ingested_files") == 0
    assert _count(ws2, "SELECT count(*) FROM inbox_files") == 0


def test_symbolic_links_in_every_inbox_kind_are_refused_and_their_targets_left_untouched(tmp_path: Path) -> None:
    """A link in ``inbox/reports`` (to an export, or to media) would otherwise be imported and then shredded:
    a file outside the workspace overwritten with zeros. Links in ``inbox/notams`` and ``inbox/appearances``
    are not followed either."""
    outside = tmp_path / "outside"
    outside.mkdir()
    export = outside / "export.csv"
    export.write_text("time,place,category,media\n2022-07-11T21:00Z,Mazyr,drone,photo.jpg\n", encoding="utf-8")
    (outside / "photo.jpg").write_bytes(b"\xff\xd8 not really a photo")
    notams = outside / "notams.txt"
    notams.write_text((REPO / "tests/data/notams/eastern_europe_notam_samples.txt").read_text(encoding="utf-8"))
    appearances = outside / "appearances.json"
    appearances.write_text("[]", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in outside.iterdir()}
    ws = Workspace.init(tmp_path / "ws")
    inbox = ws.root / "inbox"
    for kind, target in (("reports", export), ("notams", notams), ("appearances", appearances)):
        (inbox / kind).mkdir(parents=True, exist_ok=True)
        (inbox / kind / target.name).symlink_to(target)
    (inbox / "reports" / "linked").symlink_to(outside)
    own = inbox / "reports" / "own"
    own.mkdir()
    (own / "export.csv").write_text("time,place,category,media\n2022-07-11T21:00Z,Mazyr,drone,photo.jpg\n")
    (own / "photo.jpg").symlink_to(outside / "photo.jpg")  # media named by an export: a link is not read
    run_all(ws, _settings(tmp_path), CLOCK)
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == before
    assert _count(ws, "SELECT count(*) FROM notams") == 0
    assert _count(ws, "SELECT count(*) FROM reports") == 0
    assert _count(ws, "SELECT count(*) FROM inbox_files WHERE kind <> 'reports'") == 0


def test_a_folder_with_docs_and_scripts_skips_them_in_one_line_and_fails_only_on_data(
    tmp_path: Path, cli: CliRunner
) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / "README.md").write_text("# Recordings\n\nFrom the roof.\n")
    (folder / "LICENSE").write_text("CC-BY 4.0\n")
    (folder / "convert.py").write_text("print('hello')\n")
    (folder / "SHA256SUMS").write_text("abc  feed.sbs\n")
    (folder / "feed.sbs").write_bytes(SBS.read_bytes())
    ws = str(tmp_path / "ws")
    assert cli("-w", ws, "workspace", "init").returncode == 0
    done = cli("-w", ws, "ingest", str(folder), "--no-tracks")
    assert done.returncode == 0, done.stderr
    assert (
        "4 files in the folders skipped as plainly not recordings (2 documentation, 1 checksum or signature, 1 script)"
        in done.stdout
    )
    assert "1 files ingested, 0 already ingested, 0 failed" in done.stdout
    (folder / "feed.dat").write_text("this is not a recording\n")  # looks like data, is not: a failure
    failed = cli("-w", ws, "ingest", str(folder), "--no-tracks")
    assert failed.returncode == 2 and "feed.dat: not a known ADS-B format" in failed.stderr
    named = cli("-w", ws, "ingest", str(folder / "README.md"), "--no-tracks")  # named: tried, and it fails
    assert named.returncode == 2 and "README.md" in named.stderr


def test_a_forced_format_that_reads_nothing_is_a_failure(tmp_path: Path, cli: CliRunner) -> None:
    ws = str(tmp_path / "ws")
    assert cli("-w", ws, "workspace", "init").returncode == 0
    done = cli("-w", ws, "ingest", str(SBS), "--format", "beast", "--no-tracks")
    assert done.returncode == 2
    assert "--format beast found no beast records in this file" in done.stderr and "looks like sbs" in done.stderr
    assert "0 files ingested, 0 already ingested, 1 failed" in done.stdout
    assert _count(Workspace.open(Path(ws)), "SELECT count(*) FROM ingested_files") == 0
    assert _count(Workspace.open(Path(ws)), "SELECT count(*) FROM quarantine") == 0


def test_standard_input_is_read_as_a_recording(tmp_path: Path, cli: CliRunner) -> None:
    ws = str(tmp_path / "ws")
    assert cli("-w", ws, "workspace", "init").returncode == 0
    text = gzip.decompress((ADSB / "tutorial.jsonl.gz").read_bytes()).decode()
    done = cli("-w", ws, "ingest", "-", "--no-tracks", input=text)
    assert done.returncode == 0, done.stderr
    assert "1 files ingested" in done.stdout
    workspace = Workspace.open(Path(ws))
    with workspace.connect(read_only=True) as con:
        rows = con.execute("SELECT path, format, records_read FROM ingested_files").fetchall()
    assert rows == [("<stdin>", "jsonl", text.count("\n"))]
    assert not list(workspace.tmp_dir.glob("stdin-*"))  # the spool is gone
    again = cli("-w", ws, "ingest", "-", "--no-tracks", input=text)
    assert "already ingested" in again.stderr + again.stdout


def test_ingest_paths_without_stdin_refuses_dash(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    with pytest.raises(UsageError, match="standard input"):
        ingest_paths(ws, [Path("-")], Settings(), CLOCK, options=IngestOptions())


def test_a_run_over_an_inbox_of_bad_files_names_them_and_every_stage_still_runs(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    inbox = ws.root / "inbox" / "adsb"
    inbox.mkdir(parents=True, exist_ok=True)
    whole = (ADSB / "tutorial.jsonl.gz").read_bytes()
    (inbox / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 3])
    lines = SBS.read_text().splitlines()
    dated = [",".join([*line.split(",")[:6], "9999/12/31", *line.split(",")[7:]]) for line in lines[:50]]
    (inbox / "future.sbs").write_text("\n".join(dated + lines) + "\n")
    first = run_all(ws, _settings(tmp_path), CLOCK)
    assert [f.split(":")[0] for f in first.failed_files] == ["cut.jsonl.gz"]
    assert first.positions > 0 and first.tracks and first.detected_days >= 1
    (inbox / "more.sbs").write_text("\n".join(lines[:2000]) + "\n")
    second = run_all(ws, _settings(tmp_path), CLOCK)  # detect does not fail on what the first run stored
    assert second.failed_files == [] and second.detected_days >= 1


def test_a_rotated_readsb_file_leaves_no_receiver_id_byte_in_the_quarantine_table(tmp_path: Path) -> None:
    receiver_id = bytes.fromhex("1a33e31a1a31321a")
    stream = _readsb_stream(receiver_id, 200)
    parts = [tmp_path / "in" / f"part-{k}.bin" for k in range(3)]
    parts[0].parent.mkdir()
    cuts = [0, len(stream) // 3 + 3, 2 * len(stream) // 3 + 7, len(stream)]  # cut anywhere, as rotation does
    for part, (a, b) in zip(parts, itertools.pairwise(cuts), strict=True):
        part.write_bytes(stream[a:b])
    ws = Workspace.init(tmp_path / "ws")
    summary = ingest_paths(
        ws, parts, _settings(tmp_path), CLOCK, options=IngestOptions(start=datetime(2024, 6, 6, tzinfo=UTC))
    )
    assert summary.ok and sum(f.n_rejected for f in summary.files) >= 2
    with ws.connect(read_only=True) as con:
        raws = [r[0] for r in con.execute("SELECT raw FROM quarantine WHERE raw IS NOT NULL").fetchall()]
    assert [p for p in _id_pieces(receiver_id) for raw in raws if p in raw] == []


def test_a_really_full_disk_is_the_same_clear_failure(tmp_path: Path) -> None:
    # The RLIMIT_FSIZE test above runs everywhere; where the tests may mount (root), a 3 MiB tmpfs makes the
    # kernel answer ENOSPC itself.
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE test covers a full disk")
    try:
        big = tmp_path / "big.jsonl.gz"
        _tile(ADSB / "tutorial.jsonl.gz", big, copies=4)
        ws = Workspace.init(disk / "ws")
        summary = ingest_paths(ws, [big, SBS], Settings(), CLOCK)
        first, second = summary.files
        assert first.status is FileStatus.FAILED and second.status is FileStatus.FAILED
        assert "No space left on device" in (first.error or "") and "nothing of this file was kept" in (
            first.error or ""
        )
        assert not list((disk / "ws" / "positions").glob("day=*/*.parquet"))
        assert _count(ws, "SELECT count(*) FROM ingested_files") == 0
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_refused_link_in_a_receiver_folder_is_named_by_its_pseudonym_only(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "Toulouse Roof").mkdir(parents=True)
    (inbox / "Toulouse Roof" / "link.sbs").symlink_to(SBS)
    ws = Workspace.init(tmp_path / "ws")
    options = IngestOptions(receiver_folders=inbox)
    (refused,) = ingest_paths(ws, [inbox], _settings(tmp_path), CLOCK, options=options).files
    assert refused.status is FileStatus.FAILED and "receiver-" in (refused.error or "")
    assert "toulouse" not in ((refused.error or "") + refused.shown).lower()
