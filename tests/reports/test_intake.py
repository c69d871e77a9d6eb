"""Report intake: per-row errors, dropped identity columns, redaction, the reporter key, media limits."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from airpicture.model.errors import ConfigError
from airpicture.model.reports import ReportCategory
from airpicture.model.settings import Settings
from airpicture.pipeline.reports import import_file, intake, load_reporter_key, reporter_hash
from airpicture.sources.reports import redact_text, vet_columns
from airpicture.store import Workspace
from airpicture.store.claims import load_reports
from airpicture.testing import FixedClock
from tests.reports.conftest import jpeg_bytes, photo

DATA = Path(__file__).resolve().parents[1] / "data" / "reports"


def _key(settings: Settings, workspace: Workspace) -> bytes:
    return load_reporter_key(settings.reports.reporter_key_file, workspace.root)


def test_bot_export_bad_rows_rejected_one_by_one_rest_imported(
    workspace: Workspace, settings: Settings, clock: FixedClock
) -> None:
    result = import_file(workspace, DATA / "bot_export.csv", settings, clock, _key(settings, workspace))
    assert result.imported == 3
    assert result.rejected == 3
    errors = "\n".join(result.errors)
    assert "row 3: field lat/lon: coordinates out of range (expected" in errors and "95" not in errors
    assert "row 4: field place: unknown place name" in errors
    assert "row 5: field time: in the future" in errors
    assert "Xyzzyville" not in errors  # errors never echo report content
    assert any("'chat_id': looks like identity" in w for w in result.warnings)
    assert any("'username': looks like identity" in w for w in result.warnings)
    with workspace.connect(read_only=True) as con:
        reports = load_reports(con)
        quarantined = con.execute("SELECT location, reason, raw FROM quarantine ORDER BY location").fetchall()
    assert [q[0] for q in quarantined] == ["row 3", "row 4", "row 5"]
    assert all(q[2] is None for q in quarantined)
    by_row = {r.source_row: r for r in reports}
    assert by_row[1].place_name == "Mazyr" and by_row[1].time_precision_min == 10
    assert by_row[1].category is ReportCategory.HELICOPTER and by_row[1].count == 2
    assert by_row[1].direction_deg == 45.0
    assert by_row[1].observed_at.isoformat() == "2022-07-11T18:10:00+00:00"
    assert by_row[2].place_name is None and by_row[2].lat_deg == 52.05 and by_row[2].direction_deg == 0.0
    assert by_row[6].place_name == "Homyel'"
    assert len({r.reporter_hash for r in reports}) == 3


def test_json_form_export_nested_sender_dropped(workspace: Workspace, settings: Settings, clock: FixedClock) -> None:
    result = import_file(workspace, DATA / "form_export.json", settings, clock, _key(settings, workspace))
    assert result.imported == 2 and result.rejected == 0
    assert {w.split("'")[1] for w in result.warnings} == {"from_id", "from_username", "from_first_name", "ip"}
    with workspace.connect(read_only=True) as con:
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'reports'"
            ).fetchall()
        }
        reports = load_reports(con)
    assert not columns & {"phone", "username", "user_id", "email", "ip", "device", "name"}
    assert {r.category for r in reports} == {ReportCategory.FIXED_WING}
    assert {r.place_name for r in reports} == {"Baranovichi"}


def test_reporter_key_continuity_and_placement(tmp_path: Path, workspace: Workspace) -> None:
    key_file = tmp_path / "outside" / "reporter.key"
    key = load_reporter_key(key_file, workspace.root)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_reporter_key(key_file, workspace.root) == key
    assert reporter_hash(key, "tok") == reporter_hash(key, " tok ") != reporter_hash(os.urandom(32), "tok")
    with pytest.raises(ConfigError, match="outside the workspace"):
        load_reporter_key(workspace.root / "reporter.key", workspace.root)


def test_oversized_and_unstrippable_media_rejected_per_row(
    workspace: Workspace, settings: Settings, clock: FixedClock
) -> None:
    rows = [
        {"time": "2022-07-11T21:00Z", "place": "Mazyr", "category": "drone", "media": "big.jpg"},
        {"time": "2022-07-11T21:00Z", "place": "Mazyr", "category": "drone", "media": "clip.gif"},
        {"time": "2022-07-11T21:00Z", "place": "Mazyr", "category": "drone", "media": "missing.jpg"},
        {"time": "2022-07-11T21:00Z", "place": "Mazyr", "category": "drone", "media": "ok.jpg"},
    ]
    import io

    gif = io.BytesIO()
    photo().save(gif, format="GIF")
    media = {
        "big.jpg": b"\xff" * (settings.reports.max_media_bytes + 1),
        "clip.gif": gif.getvalue(),
        "ok.jpg": jpeg_bytes(photo()),
    }
    result = intake(workspace, rows, media, settings, clock, _key(settings, workspace))
    assert result.imported == 1 and result.media_stored == 1
    assert "row 1: field media: media file 1: media file too large" in result.errors[0]
    assert (
        "row 2: field media: media file 1: media type cannot be stripped of metadata, refused (found 'GIF'"
        in result.errors[1]
    )
    assert "row 3: field media: media file 1 of the row was not supplied" in result.errors[2]
    assert len(list((workspace.root / "media").rglob("*.jpg"))) == 1


def test_unknown_category_and_bad_time_are_clear() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from airpicture.sources.reports import RowError, parse_row

    kwargs = dict(
        now=datetime(2022, 7, 12, tzinfo=UTC),
        zone=ZoneInfo("UTC"),
        default_precision_min=15.0,
        future_tolerance_min=10.0,
    )
    bad_category = parse_row(7, {"time": "2022-07-11T21:00Z", "place": "Mazyr", "category": "ufo"}, **kwargs)
    assert isinstance(bad_category, RowError) and str(bad_category).startswith("row 7: field category: not a known")
    bad_time = parse_row(8, {"time": "yesterday", "place": "Mazyr", "category": "drone"}, **kwargs)
    assert isinstance(bad_time, RowError) and "field time: not a date-time" in str(bad_time)
    day_only = parse_row(9, {"time": "2022-07-11", "place": "Mazyr", "category": "drone"}, **kwargs)
    assert not isinstance(day_only, RowError) and day_only.time_precision_min == 720


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +375 29 123-45-67 now", "call [phone] now"),
        ("mail ivan.petrov@example.org", "mail [e-mail]"),
        ("tg @ivan_petrov", "tg [handle]"),
        ("from 192.168.10.24", "from [ip]"),
        ("v6 2001:db8::8a2e:370:7334 x", "v6 [ip] x"),
        ("see https://t.me/somechannel/123", "see [link]"),
        ("on 2022-07-11 at 21:14, two Mi-8", "on 2022-07-11 at 21:14, two Mi-8"),
        ("near 52.0416, 29.2163", "near 52.0416, 29.2163"),
    ],
)
def test_redaction_rule(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_only_whitelisted_columns_survive() -> None:
    vetted = vet_columns([{"time": "t", "Phone Number": "1", "E-mail": "x", "device_model": "d", "weather": "rain"}])
    assert vetted.rows == ({"time": "t"},)
    assert set(vetted.warnings) == {
        "dropped column 'Phone Number': looks like identity; never stored",
        "dropped column 'E-mail': looks like identity; never stored",
        "dropped column 'device_model': looks like identity; never stored",
        "dropped unknown column 'weather'; not stored",
    }
