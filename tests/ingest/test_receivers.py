"""Receiver identity at ingest (issue 8): ``--receiver``, the inbox sub-folder, a Beast 0xE3 receiver id, else
the file — stored only as a keyed pseudonym, on real recordings cut into several files of one receiver."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from airpicture.model.clock import FixedClock
from airpicture.model.errors import ConfigError, UsageError
from airpicture.model.settings import Settings, load_settings
from airpicture.pipeline.ingest import FileStatus, IngestOptions, ingest_paths
from airpicture.pipeline.receivers import Receiver, ReceiverOrigin, inbox_receiver, receiver_pseudonym
from airpicture.pipeline.reports import load_reporter_key, reporter_hash
from airpicture.simulate.frames import beast_receiver_id
from airpicture.store import Workspace
from airpicture.store.migrations import MIGRATIONS
from tests.conftest import CliRunner
from tests.ingest.readers_support import ADSB
from tests.ingest.receivers_support import beast_records, split_beast, split_jsonl

CLOCK = FixedClock(datetime(2025, 1, 1, tzinfo=UTC))
NAME = "Toulouse Roof"
BEAST_ID = bytes.fromhex("1a0b5eed5a1e4201")  # starts with 0x1A: the record escapes it


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        None, {}, {"workspace": tmp_path / "ws", "reports.reporter_key_file": tmp_path / "keys" / "reporter.key"}
    )


def _key(tmp_path: Path) -> bytes:
    return load_reporter_key(tmp_path / "keys" / "reporter.key", tmp_path / "ws")


def _files(ws: Workspace) -> list[tuple[str, str | None, str | None, str]]:
    with ws.connect(read_only=True) as con:
        rows = con.execute("SELECT path, receiver, receiver_from, file_id FROM ingested_files ORDER BY path").fetchall()
    return [(str(r[0]), r[1], r[2], str(r[3])) for r in rows]


def test_an_inbox_sub_folder_names_the_receiver_of_every_file_below_it(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox" / "adsb"
    parts = [inbox / NAME / "2024-06-06" / f"hour-{i}.jsonl" for i in range(3)]
    split_jsonl(ADSB / "tutorial.jsonl.gz", parts)
    (inbox / "sample_dump1090.bin").write_bytes((ADSB / "sample_dump1090.bin").read_bytes())
    ws = Workspace.init(tmp_path / "ws")
    summary = ingest_paths(ws, [inbox], _settings(tmp_path), CLOCK, options=IngestOptions(receiver_folders=inbox))
    assert summary.ok and len(summary.by_status(FileStatus.INGESTED)) == 4
    expected = receiver_pseudonym(_key(tmp_path), NAME)
    rows = _files(ws)
    named = [r for r in rows if r[1] is not None]
    assert len(named) == 3 and {r[1] for r in named} == {expected}
    assert {r[2] for r in named} == {"inbox"}
    (alone,) = [r for r in rows if r[1] is None]
    assert alone[2] == "file" and alone[0].endswith("sample_dump1090.bin")  # the file is its own receiver
    # the name is in no stored path and no line shown; the label is
    label = f"receiver-{expected[:8]}"
    assert all(label in r[0] and NAME.lower() not in r[0].lower() for r in named)
    shown = " ".join(o.line() for o in summary.files)
    assert NAME.lower() not in shown.lower() and label in shown
    # the parts hold every frame of the recording, each row tied to its part
    whole = Workspace.init(tmp_path / "whole")
    one = ingest_paths(whole, [ADSB / "tutorial.jsonl.gz"], Settings(), CLOCK)
    assert sum(o.read for o in summary.files[:3]) == one.files[0].read


def test_receiver_option_names_files_case_and_spacing_aside(cli: CliRunner, tmp_path: Path) -> None:
    parts = [tmp_path / "dumps" / NAME / f"{i}.jsonl" for i in range(2)]
    split_jsonl(ADSB / "tutorial.jsonl.gz", parts)
    ws = tmp_path / "ws"
    env = {"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(tmp_path / "keys" / "reporter.key")}
    assert cli("-w", str(ws), "workspace", "init", env=env).returncode == 0
    first = cli("-w", str(ws), "ingest", "--no-tracks", "--receiver", "  toulouse   ROOF ", str(parts[0]), env=env)
    second = cli("-w", str(ws), "ingest", "--json", "--receiver", NAME, str(parts[1]), env=env)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    rows = _files(Workspace.open(ws))
    assert len(rows) == 2 and rows[0][1] == rows[1][1] == receiver_pseudonym(_key(tmp_path), NAME)
    assert {r[2] for r in rows} == {"option"}
    out = json.loads(second.stdout)
    assert out["files"][0]["receiver"] == rows[0][1] and out["files"][0]["receiver_from"] == "option"
    # a path that carries the name is stored and shown with the label instead (any case, spacing as typed)
    assert "toulouse" not in (first.stdout + first.stderr + second.stdout + second.stderr).lower()
    assert all("toulouse" not in r[0].lower() for r in rows)


def test_a_beast_receiver_id_names_the_receiver(tmp_path: Path) -> None:
    parts = [tmp_path / "in" / f"part-{i}.bin" for i in range(2)]
    split_beast(ADSB / "sample_dump1090.bin", parts, receiver_id=BEAST_ID)
    other = tmp_path / "in" / "other.bin"
    split_beast(ADSB / "sample_dump1090.bin", [other], receiver_id=bytes(8))
    ws = Workspace.init(tmp_path / "ws")
    summary = ingest_paths(ws, [*parts, other], _settings(tmp_path), CLOCK)
    assert summary.ok
    by_path = {Path(r[0]).name: r for r in _files(ws)}
    key = _key(tmp_path)
    assert by_path["part-0.bin"][1] == by_path["part-1.bin"][1] == receiver_pseudonym(key, BEAST_ID.hex())
    assert by_path["other.bin"][1] == receiver_pseudonym(key, "0000000000000000")
    assert {r[2] for r in by_path.values()} == {"beast_id"}
    # the two parts hold every frame of the real recording
    assert sum(f.read for f in summary.files[:2]) == 239


def test_an_explicit_receiver_wins_over_the_beast_id_and_several_ids_are_noted(tmp_path: Path) -> None:
    path = tmp_path / "two-ids.bin"
    split_beast(ADSB / "sample_dump1090.bin", [path], receiver_id=BEAST_ID)
    data = path.read_bytes()
    offsets, _ = beast_records(data)
    cut = offsets[len(offsets) // 2]
    path.write_bytes(data[:cut] + beast_receiver_id(bytes(8)) + data[cut:])
    ws = Workspace.init(tmp_path / "ws")
    (named,) = ingest_paths(ws, [path], _settings(tmp_path), CLOCK).files
    assert named.receiver_from is ReceiverOrigin.BEAST_ID
    assert named.receiver == receiver_pseudonym(_key(tmp_path), BEAST_ID.hex())
    assert "2 Beast receiver ids in this file; the first names its receiver" in named.notes
    assert BEAST_ID.hex() not in " ".join(named.notes)
    (forced,) = ingest_paths(
        ws, [path], _settings(tmp_path), CLOCK, options=IngestOptions(force=True, receiver="mast")
    ).files
    assert forced.receiver_from is ReceiverOrigin.OPTION
    assert forced.receiver == receiver_pseudonym(_key(tmp_path), "mast")


def test_a_cut_short_receiver_id_record_is_quarantined_without_its_bytes(tmp_path: Path) -> None:
    data = (ADSB / "sample_dump1090.bin").read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(data + beast_receiver_id(BEAST_ID)[:6])
    ws = Workspace.init(tmp_path / "ws")
    (outcome,) = ingest_paths(ws, [path], _settings(tmp_path), CLOCK).files
    assert outcome.rejected.get("truncated") == 1 and outcome.receiver is None
    with ws.connect(read_only=True) as con:
        row = con.execute("SELECT raw FROM quarantine WHERE reason = 'truncated'").fetchone()
    assert row is not None and not row[0]


def test_files_without_a_named_receiver_need_no_key(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    settings = _settings(tmp_path)
    (outcome,) = ingest_paths(ws, [ADSB / "sample_dump1090.bin"], settings, CLOCK).files
    assert outcome.receiver is None and outcome.receiver_key == outcome.file_id
    assert not settings.reports.reporter_key_file.exists()  # nothing named: no key read or created


def test_the_key_is_created_outside_the_workspace_and_refused_inside(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    settings = _settings(tmp_path)
    ingest_paths(ws, [ADSB / "sample_dump1090.bin"], settings, CLOCK, options=IngestOptions(receiver="mast"))
    key_file = settings.reports.reporter_key_file
    assert key_file.exists() and key_file.stat().st_mode & 0o777 == 0o600
    inside = load_settings(None, {}, {"workspace": ws.root, "reports.reporter_key_file": ws.root / "k"})
    with pytest.raises(ConfigError, match="must live outside the workspace"):
        ingest_paths(ws, [ADSB / "sample_dump1090.bin"], inside, CLOCK, options=IngestOptions(receiver="mast"))
    with pytest.raises(UsageError, match="empty receiver name"):
        ingest_paths(ws, [ADSB / "sample_dump1090.bin"], settings, CLOCK, options=IngestOptions(receiver="  "))


def test_old_receiver_position_syntax_is_refused_without_echo(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("-w", str(ws), "workspace", "init").returncode == 0
    run = cli("-w", str(ws), "ingest", "--receiver", "52.1234,27.5678", str(ADSB / "sample_dump1090.bin"))
    assert run.returncode == 2 and "--receiver-position" in run.stderr
    assert "52.1234" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
    ok = cli("-w", str(ws), "ingest", "--receiver-position", "52.1,4.9", str(ADSB / "sample_dump1090.bin"))
    assert ok.returncode == 0, ok.stderr


def test_files_ingested_before_the_migration_are_their_own_receivers(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    con = duckdb.connect(str(root / "airpicture.duckdb"))
    con.execute("CREATE TABLE airpicture_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    for step in MIGRATIONS[:6]:
        for statement in step:
            con.execute(statement)
    con.execute("INSERT INTO airpicture_meta VALUES ('schema_version', '6')")
    con.execute("INSERT INTO ingested_files VALUES ('f' || repeat('0', 63), 'x.bin', 'beast', 1, now(), 1, 1, 0)")
    con.close()
    ws = Workspace.open(root)
    assert ws.schema_version == len(MIGRATIONS)
    assert _files(ws) == [("x.bin", None, None, "f" + "0" * 63)]


def test_inbox_receiver_is_the_first_level_sub_folder(tmp_path: Path) -> None:
    folder = tmp_path / "adsb"
    assert inbox_receiver(folder / "roof" / "2024" / "x.bin", folder) == "roof"
    assert inbox_receiver(folder / "x.bin", folder) is None
    assert inbox_receiver(tmp_path / "elsewhere" / "x.bin", folder) is None


@given(st.text(min_size=1, max_size=30).filter(lambda s: s.split() != []), st.binary(min_size=16, max_size=32))
def test_pseudonyms_are_keyed_hex_and_never_a_reporter_hash(name: str, key: bytes) -> None:
    value = receiver_pseudonym(key, name)
    assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert value == receiver_pseudonym(key, f"  {name.upper()} ") or name.upper().casefold() != name.casefold()
    assert value != receiver_pseudonym(bytes(reversed(key)) + b"x", name)
    assert value != reporter_hash(key, name)  # one key, two domains
    receiver = Receiver(name, value, ReceiverOrigin.OPTION)
    assert name.strip().casefold() not in receiver.redact(f"/data/{name}/x.bin").casefold() or (
        name.strip().casefold() in receiver.label
    )
