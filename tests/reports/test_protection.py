"""Issue 19, report side: numbers that carry identities, column names, damaged and oversized exports, the
delivered file removed, coarse times, the reporter key commands, the upgrade of old workspaces."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from airpicture.model.errors import ConfigError, SourceError
from airpicture.model.settings import Settings
from airpicture.pipeline.reports import import_file, intake, load_reporter_key, take_in_inbox_reports
from airpicture.pipeline.reports_key import KDF_FILE, create_key_file, placement, set_passphrase
from airpicture.sources import reports as source
from airpicture.sources.report_csv import MAX_FIELD_CHARS, read_csv
from airpicture.sources.reports import read_report_file, vet_columns
from airpicture.store import Workspace
from airpicture.testing import FixedClock
from tests.conftest import CliRunner
from tests.reports.conftest import jpeg_bytes, photo

ROW = {"time": "2022-07-11T21:00:00Z", "place": "Mazyr", "category": "drone"}


def _key(settings: Settings, workspace: Workspace) -> bytes:
    return load_reporter_key(settings.reports.reporter_key_file, workspace.root)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("accuracy_km", "375297770011", "not a plain decimal number"),
        ("accuracy_km", "NaN", "not a plain decimal number"),
        ("accuracy_km", "inf", "not a plain decimal number"),
        ("accuracy_km", "-3", "out of range"),
        ("accuracy_km", "1e3", "not a plain decimal number"),
        ("accuracy_km", "900", "out of range"),
        ("count", "375297770011", "not a plain decimal number"),
        ("count", "nan", "not a plain decimal number"),
        ("count", "-1", "out of range"),
        ("count", "2.5", "not a whole number"),
        ("time_precision", "nan", "not a plain decimal number"),
        ("time_precision", "-5", "out of range"),
        ("time_precision", "297770011", "not a plain decimal number"),
    ],
)
def test_numeric_fields_range_checked_value_never_echoed(
    workspace: Workspace, settings: Settings, clock: FixedClock, field: str, value: str, message: str
) -> None:
    row = {**ROW, "lat": "52.04", "lon": "29.22", field: value}
    result = intake(workspace, [row], {}, settings, clock, _key(settings, workspace))
    assert result.imported == 0 and result.rejected == 1
    assert f"row 1: field {field}: {message}" in result.errors[0]
    assert value not in result.errors[0]
    with workspace.connect(read_only=True) as con:
        quarantined = con.execute("SELECT location, reason, detail, raw FROM quarantine").fetchall()
    assert value not in repr(quarantined) and quarantined[0][3] is None


def test_coordinates_out_of_range_not_echoed(workspace: Workspace, settings: Settings, clock: FixedClock) -> None:
    rows = [{**ROW, "lat": "95.375297", "lon": "29.25"}, {**ROW, "lat": "nan", "lon": "29.25"}]
    result = intake(workspace, rows, {}, settings, clock, _key(settings, workspace))
    assert result.rejected == 2
    assert "375297" not in "".join(result.errors) and "nan" not in "".join(result.errors)


def test_numbers_stored_no_finer_than_they_mean(workspace: Workspace, settings: Settings, clock: FixedClock) -> None:
    row = {
        **ROW,
        "time": "2022-07-11T21:14:29.777001Z",
        "lat": "52.297770011",
        "lon": "29.123456789",
        "accuracy_km": "0.297770011",
        "time_precision": "0.297770011",
        "direction": "45.2977",
    }
    result = intake(workspace, [row], {}, settings, clock, _key(settings, workspace))
    assert result.imported == 1, result.errors
    with workspace.connect(read_only=True) as con:
        stored = con.execute(
            "SELECT observed_at, lat_deg, lon_deg, place_precision_km, time_precision_min, direction_deg FROM reports"
        ).fetchone()
    assert stored is not None
    assert stored[0] == datetime(2022, 7, 11, 21, 14, tzinfo=UTC)
    assert stored[1:] == (52.2978, 29.1235, 0.3, 0.0, 45.0)
    assert "297770011" not in repr(stored).replace(".", "")


def test_column_names_that_may_carry_identity_are_not_shown() -> None:
    vetted = vet_columns(
        [
            {
                "time": "t",
                "reactions_@ivan_p": "1",
                "Ivan Petrov": "x",
                "375297770011": "y",
                "chat_id": "1",
                "weather": "r",
            }
        ]
    )
    shown = "\n".join(vetted.warnings)
    assert "ivan" not in shown.casefold() and "375297770011" not in shown
    assert "dropped column 'chat_id': looks like identity" in shown
    assert "dropped unknown column 'weather'" in shown
    assert "dropped 3 more column(s) whose names are not shown" in shown


def test_reporter_column_is_dropped_not_hashed(workspace: Workspace, settings: Settings, clock: FixedClock) -> None:
    rows = [
        {**ROW, "reporter": "@ivan_petrov"},
        {**ROW, "reporter_token": "@ivan_petrov"},
        {**ROW, "token": "ivan@x.by"},
    ]
    result = intake(workspace, rows, {}, settings, clock, _key(settings, workspace))
    assert result.imported == 3
    assert any("dropped column 'reporter'" in w for w in result.warnings)
    assert sum("field reporter_token: looks like a user name" in w for w in result.warnings) == 2
    with workspace.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM reports WHERE reporter_hash IS NOT NULL").fetchone() == (0,)


def test_unterminated_quote_rejects_damaged_rows_and_keeps_the_rest(
    workspace: Workspace, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    lines = ["time,place,category,text"]
    lines += [f"2022-07-11T21:{i:02d}:00Z,Mazyr,drone,fine {i}" for i in range(3)]
    lines.append('2022-07-11T21:10:00Z,Mazyr,drone,"a quote that never closes')
    lines += [f"2022-07-11T21:{i:02d}:00Z,Mazyr,drone,after {i}" for i in range(20, 25)]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(workspace, path, settings, clock, _key(settings, workspace))
    assert result.imported == 8 and result.rejected == 1
    assert "row 4: field (whole row): a quoted field is not closed" in result.errors[0]


def test_field_over_128_kib_rejects_its_row_only(tmp_path: Path) -> None:
    text = "time,place,category,text\n" + f"t,p,c,{'x' * (MAX_FIELD_CHARS + 1)}\n" + "t2,p,c,ok\n"
    table = read_csv(text)
    assert table.rows[0] is None and "longer than 131,072 characters" in table.damaged[1]
    assert table.rows[1] == {"time": "t2", "place": "p", "category": "c", "text": "ok"}


def test_csv_cost_is_linear_with_many_unterminated_quotes() -> None:
    """Restarts after damage re-read a bounded number of lines: rows come back, none merged."""
    text = "time,text\n" + "".join(f'{i},"open\n' for i in range(3000))
    table = read_csv(text)
    assert len(table.rows) == 3000 and len(table.damaged) == 3000


def test_limits_reject_clearly(workspace: Workspace, settings: Settings, clock: FixedClock, tmp_path: Path) -> None:
    long_text = {**ROW, "text": "x" * (source.MAX_TEXT_CHARS + 1)}
    result = intake(workspace, [long_text], {}, settings, clock, _key(settings, workspace))
    assert result.errors == ("row 1: field text: too long (expected at most 10,000 characters)",)
    big = tmp_path / "ChatExport_ivan.csv"
    with big.open("wb") as out:
        out.truncate(source.MAX_FILE_BYTES + 1)
    with pytest.raises(SourceError, match="report file too large") as caught:
        read_report_file(big, "report-abc.csv")
    assert "ivan" not in str(caught.value) and "report-abc.csv" in str(caught.value)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(300)) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="more than 256 columns"):
        read_report_file(wide)


def test_delivered_file_and_media_removed_after_import(
    workspace: Workspace, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    folder = workspace.root / "inbox" / "reports" / "from Ivan +375297770011"
    folder.mkdir(parents=True)
    (folder / "IMG_ivan.jpg").write_bytes(jpeg_bytes(photo()))
    export = folder / "ChatExport_@ivan.csv"
    export.write_text("time,place,category,media\n2022-07-11T21:00:00Z,Mazyr,drone,IMG_ivan.jpg\n", encoding="utf-8")
    sha = __import__("hashlib").sha256(export.read_bytes()).hexdigest()
    keep = tmp_path / "keep.csv"
    keep.write_text("time,place,category\n2022-07-11T21:00:00Z,Mazyr,drone\n", encoding="utf-8")
    kept_sha = __import__("hashlib").sha256(keep.read_bytes()).hexdigest()
    taken = take_in_inbox_reports(workspace, [(export, sha)], settings, clock)
    assert taken.imported == 1 and not folder.exists() and (workspace.root / "inbox" / "reports").exists()
    take_in_inbox_reports(workspace, [(keep, kept_sha)], settings, clock, keep_delivered=True)
    assert keep.exists()
    with workspace.connect(read_only=True) as con:
        rows = con.execute("SELECT path, taken_at, outcome FROM inbox_files ORDER BY path").fetchall()
    assert {r[0] for r in rows} == {f"reports/report-{sha[:12]}.csv", f"reports/report-{kept_sha[:12]}.csv"}
    assert all(r[1] == datetime(2022, 7, 12, 6, tzinfo=UTC) and r[2] == "ok" for r in rows)
    media = next((workspace.root / "media").rglob("*.jpg"))
    assert int(media.stat().st_mtime) % 3600 == 0


def test_unreadable_export_renamed_to_its_label(workspace: Workspace, settings: Settings, clock: FixedClock) -> None:
    folder = workspace.root / "inbox" / "reports" / "Ivan Petrov 80291234567"
    folder.mkdir(parents=True)
    bad = folder / "ChatExport_@ivan.json"
    bad.write_text("{not json", encoding="utf-8")
    sha = __import__("hashlib").sha256(bad.read_bytes()).hexdigest()
    taken = take_in_inbox_reports(workspace, [(bad, sha)], settings, clock)
    label = f"report-{sha[:12]}.json"
    assert taken.failed == [
        f"{label}: {label}, line 1: not valid JSON: Expecting property name enclosed in double quotes"
    ]
    assert not folder.exists() and (workspace.root / "inbox" / "reports" / label).exists()
    with workspace.connect(read_only=True) as con:
        (outcome,) = con.execute("SELECT outcome FROM inbox_files").fetchone() or ("",)
    assert "ivan" not in outcome.casefold() and "8029" not in outcome


def test_key_file_refused_inside_the_workspace_also_through_a_symlink(tmp_path: Path, workspace: Workspace) -> None:
    inside = workspace.root / "secrets" / "reporter.key"
    with pytest.raises(ConfigError, match="outside the workspace"):
        create_key_file(inside, workspace.root)
    (tmp_path / "link").symlink_to(workspace.root)
    with pytest.raises(ConfigError, match="outside the workspace"):
        load_reporter_key(tmp_path / "link" / "reporter.key", workspace.root)
    assert not inside.exists()


def test_key_on_the_workspace_disk_is_warned_about(tmp_path: Path, workspace: Workspace) -> None:
    where = create_key_file(tmp_path / "usb" / "reporter.key", workspace.root)
    assert where.same_device and "same file system" in where.warnings()[0]
    with pytest.raises(ConfigError, match="already there"):
        create_key_file(tmp_path / "usb" / "reporter.key", workspace.root)


def test_passphrase_key_is_derived_checked_and_never_stored(tmp_path: Path, workspace: Workspace) -> None:
    set_passphrase(workspace.root, "correct horse battery staple")
    assert placement(tmp_path / "unused.key", workspace.root).source == "passphrase"
    key = load_reporter_key(tmp_path / "unused.key", workspace.root, "correct horse battery staple")
    assert len(key) == 32 and not (tmp_path / "unused.key").exists()
    assert load_reporter_key(tmp_path / "x", workspace.root, "correct horse battery staple") == key
    stored = (workspace.root / KDF_FILE).read_bytes()
    assert key not in stored and key.hex().encode() not in stored
    with pytest.raises(ConfigError, match="wrong passphrase"):
        load_reporter_key(tmp_path / "x", workspace.root, "wrong horse battery staple")
    with pytest.raises(ConfigError, match="none was given"):
        load_reporter_key(tmp_path / "x", workspace.root, "")
    with pytest.raises(ConfigError, match="too short"):
        set_passphrase(tmp_path, "short")


def test_key_commands(cli: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert cli("-w", str(ws), "workspace", "init").returncode == 0
    inside = cli("-w", str(ws), "reports", "key", "create", str(ws / "reporter.key"))
    assert inside.returncode == 2 and "outside the workspace" in inside.stderr
    made = cli("-w", str(ws), "reports", "key", "create", str(tmp_path / "usb" / "reporter.key"))
    assert made.returncode == 0 and "same file system" in made.stderr
    env = {"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(tmp_path / "usb" / "reporter.key")}
    check = json.loads(cli("-w", str(ws), "reports", "key", "check", "--json", env=env).stdout)
    assert check["source"] == "file" and check["same_file_system"] is True
    phrase = {"AIRPICTURE_REPORTER_PASSPHRASE": "a long enough passphrase"}
    assert cli("-w", str(ws), "reports", "key", "passphrase", env=phrase).returncode == 0
    export = tmp_path / "export.csv"
    export.write_text("time,place,category\n2022-07-11T21:00:00Z,Mazyr,drone\n", encoding="utf-8")
    refused = cli("-w", str(ws), "reports", "import", str(export))
    assert refused.returncode == 2 and "passphrase" in refused.stderr and export.exists()
    done = cli("-w", str(ws), "reports", "import", str(export), "--keep-delivered", env=phrase)
    assert done.returncode == 0 and "warning: --keep-delivered" in done.stderr and export.exists()
    assert "imported 1 reports" in done.stderr + done.stdout


def test_old_workspace_upgrade_scrubs_report_paths_and_times(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    con = duckdb.connect(str(ws.root / "airpicture.duckdb"))
    con.execute(
        "INSERT INTO inbox_files VALUES ('reports/from Ivan 80291234567/ChatExport_@ivan.csv', 'abcdef0123456789', "
        "'reports', TIMESTAMPTZ '2022-07-12 06:17:33.123456+00', 'failed: reports/from Ivan 80291234567/x.csv: bad')"
    )
    con.execute(
        "INSERT INTO verification_events (claim_id, at_ts, rule, from_status, to_status, reason, evidence_ids, actor) "
        "VALUES ('c-1', TIMESTAMPTZ '2022-07-12 06:17:33.5+00', 'r', NULL, 'reported', "
        "'x', '[]', 'system')"
    )
    con.execute("UPDATE airpicture_meta SET value = '7' WHERE key = 'schema_version'")
    con.close()
    upgraded = Workspace.open(ws.root)
    with upgraded.connect(read_only=True) as con:
        row = con.execute("SELECT path, taken_at, outcome FROM inbox_files").fetchone()
        (at,) = con.execute("SELECT at_ts FROM verification_events").fetchone() or (None,)
    assert row == (
        "reports/report-abcdef012345.csv",
        datetime(2022, 7, 12, 6, tzinfo=UTC),
        "failed: (message withheld: it named the file)",
    )
    assert at == datetime(2022, 7, 12, 6, tzinfo=UTC)
    assert os.path.exists(upgraded.root / "airpicture.duckdb")


def test_deeply_nested_json_and_too_many_media_are_clear(
    workspace: Workspace, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text('[{"a": ' * 900 + "1" + "}]" * 900, encoding="utf-8")
    with pytest.raises(SourceError, match=r"nested too deeply|not valid JSON"):
        read_report_file(nested)
    row = {**ROW, "media": ";".join(f"p{i}.jpg" for i in range(source.MAX_MEDIA_PER_ROW + 1))}
    result = intake(workspace, [row], {}, settings, clock, _key(settings, workspace))
    assert result.errors == ("row 1: field media: too many media files (expected at most 20 per report)",)
