"""The "seized server" tests (issues 7 and 8; DESIGN.md "Protecting the people who report"). Keep them in CI forever.

Reports are imported through the real CLI with identifying data planted in every field, in column names
that look like identity, in media file names and in image metadata (EXIF GPS, device serial, owner name,
XMP, PNG text chunks). Then every byte of the workspace, of a key-less backup of it, and of the captured
logs is scanned for every planted token — as UTF-8, UTF-16 (LE/BE) and hex, case-insensitively — and so is
a logical dump of every database table. Zero hits. A control word that *is* meant to be stored proves the
scanner can see stored content.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
from PIL import Image, PngImagePlugin

from tests.conftest import CliRunner
from tests.ingest.receivers_support import split_beast
from tests.reports.conftest import jpeg_bytes, photo

PLANTED = {
    "phone": "+375291234599",
    "phone_digits": "291234599",
    "email": "ivan.planted@example.org",
    "handle": "planted_handle",
    "ip": "10.77.66.55",
    "name": "Plantedovich",
    "serial": "SN-PLANTED-4242",
    "token": "pseudonym-PLANTED-7",
    "user_id": "987654321",
    "owner": "Plantedname",
    "xmp": "xmp-PLANTED-creator",
    "png": "png-PLANTED-author",
    "device": "device-PLANTED-model",
    "chat": "chat-PLANTED-room",
}
CONTROL = "CONTROLWORDHELI"


def _encodings(token: str) -> list[bytes]:
    raw = token.lower().encode()
    return [raw, token.lower().encode("utf-16-le"), token.lower().encode("utf-16-be"), raw.hex().encode()]


def _hits(blob: bytes, tokens: list[str]) -> list[str]:
    lowered = blob.lower()
    return [t for t in tokens if any(e in lowered for e in _encodings(t))]


def _files_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _planted_images(folder: Path) -> list[str]:
    exif = Image.Exif()
    exif[0x013B] = f"Owner {PLANTED['owner']}"  # Artist
    exif[0x8298] = f"(c) {PLANTED['name']}"  # Copyright
    exif[0xA431] = PLANTED["serial"]  # BodySerialNumber
    exif[0x0110] = PLANTED["device"]  # Model
    exif[0x8825] = {1: "N", 2: (52.0, 2.0, 30.0), 3: "E", 4: (29.0, 13.0, 0.0)}  # GPS
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{PLANTED["xmp"]}"/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    jpeg_name = f"IMG_{PLANTED['name']}.jpg"
    (folder / jpeg_name).write_bytes(jpeg_bytes(photo(3), exif=exif.tobytes(), xmp=xmp, comment=PLANTED["email"]))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", PLANTED["png"])
    info.add_itxt("Comment", f"{PLANTED['phone']} {PLANTED['ip']}")
    png = io.BytesIO()
    photo(4).save(png, format="PNG", pnginfo=info, exif=exif.tobytes())
    png_name = f"{PLANTED['handle']}.png"
    (folder / png_name).write_bytes(png.getvalue())
    for name in (jpeg_name, png_name):  # the planting worked: the tokens are in the files we import
        assert _hits((folder / name).read_bytes(), list(PLANTED.values()))
    return [jpeg_name, png_name]


# identifier classes of issue 19, each planted where a real export carries it
PLANTED_19 = {
    "folder_name": "Olgaplantedova",
    "folder_phone": "80291112233",
    "file_user": "planted_fileuser",
    "json_folder": "Plantedson",
    "failed_user": "planted_faileduser",
    "failed_phone": "80294445566",
    "vk": "58291734",
    "tg": "planted_tg_user",
    "insta": "planted.insta",
    "tme": "planted_channel",
    "glued_tel": "297770012",
    "glued_id": "987654322",
    "fullwidth": "planted_fw",
    "trailing": "297770019",
    "ru_phone": "555-43-21",
    "ua_phone": "414 23 56",
    "by_national": "612-34-78",
    "bad_date": "2912-34-56",
    "accuracy": "375297770013",
    "count": "375297770014",
    "precision": "297770015",
    "lat_digits": "297770016",
    "direction": "297770017",
    "column_handle": "planted_columnuser",
    "column_name": "Ivanplantedski",
    "reporter_column": "planted_reporteruser",
    "token_handle": "planted_tokenuser",
    "damaged": "297770020",
    "huge": "297770021",
    "long_text": "297770022",
}


def _export_rows(media: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    identity = {
        "phone": PLANTED["phone"],
        "username": PLANTED["handle"],
        "user_id": PLANTED["user_id"],
        "email": PLANTED["email"],
        "ip_address": PLANTED["ip"],
        "device": PLANTED["device"],
        "name": PLANTED["name"],
        "telegram": f"@{PLANTED['handle']}",
        "chat_title": PLANTED["chat"],
        f"reactions_@{PLANTED_19['column_handle']}": "1",
        f"{PLANTED_19['column_name']} Ivan": "x",
        "reporter": f"@{PLANTED_19['reporter_column']}",
    }
    p = PLANTED_19
    text = (
        f"{CONTROL} two helicopters. Call me {PLANTED['phone']} or {PLANTED['email']}, @{PLANTED['handle']}, "
        f"sent from {PLANTED['ip']}, tg id {PLANTED['user_id']}; vk.com/id{p['vk']} tg://resolve?domain={p['tg']} "
        f"viber://chat?number=%2B375297770018 instagram.com/{p['insta']} t.me/{p['tme']} tel{p['glued_tel']} "
        f"id{p['glued_id']} ＠{p['fullwidth']} +375{p['trailing']}abc +7 916 {p['ru_phone']} 067 {p['ua_phone']} "
        f"8 (029) {p['by_national']} {p['bad_date']} \x000\x00 on 2022-07-11"
    )
    good = {
        "time": "2022-07-11T21:10:37.123456Z",
        "place": "Mazyr",
        "category": "helicopter",
        "count": "2",
        "direction": "NE",
        "text": text,
        "reporter_token": PLANTED["token"],
        "media": ";".join(media),
        **identity,
        "time_precision": "",
        "lat": "",
        "lon": "",
        "accuracy_km": "",
    }
    rows = [
        good,
        {**good, "media": "", "time": "2022-07-11T21:20:00Z", "place": "Мозырь"},
        # planted tokens in fields that are parsed: every one of these rows is rejected, nothing echoed
        {**good, "media": "", "place": f"{PLANTED['name']} street {PLANTED['phone']}"},
        {**good, "media": "", "category": f"helicopter {PLANTED['email']}"},
        {**good, "media": "", "count": PLANTED["user_id"]},
        {**good, "media": "", "time": f"21:10 {PLANTED['handle']}"},
        {**good, "media": "", "direction": f"towards {PLANTED['name']}'s house"},
        {**good, "media": f"{PLANTED['name']}_missing.jpg"},
        # numbers that carry identities (item 3): rejected, or rounded to what the field means
        {**good, "media": "", "accuracy_km": p["accuracy"], "lat": "52.04", "lon": "29.22"},
        {**good, "media": "", "count": p["count"]},
        {**good, "media": "", "time_precision": f"0.{p['precision']}"},
        {**good, "media": "", "lat": f"52.{p['lat_digits']}", "lon": "29.22"},
        {**good, "media": "", "direction": p["direction"]},
        {**good, "media": "", "accuracy_km": "NaN", "lat": "52.04", "lon": "29.22"},
        {**good, "media": "", "accuracy_km": "-3", "lat": "52.04", "lon": "29.22"},
        # a pseudonym column holding a user name (item 7): dropped, never hashed
        {**good, "media": "", "reporter_token": f"@{p['token_handle']}"},
        # bounded (item 12): a text over the limit is rejected, unread
        {**good, "media": "", "text": f"{p['long_text']} " + "x" * 20_000},
    ]
    return list(good), rows


def _write_csv(path: Path, fields: list[str], rows: list[dict[str, str]], damaged_at: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    lines = out.getvalue().splitlines(keepends=True)
    if damaged_at is not None:  # an unterminated quote and a field over 128 KiB, both with a phone number
        p = PLANTED_19
        lines.insert(damaged_at, f'2022-07-11T21:30:00Z,Mazyr,drone,1,N,"call +375{p["damaged"]} never closed\n')
        lines.insert(damaged_at + 1, f'2022-07-11T21:31:00Z,Mazyr,drone,1,N,"+375{p["huge"]} {"y" * 140_000}"\n')
    path.write_text("".join(lines), encoding="utf-8")


def test_a_seized_workspace_reveals_no_reporter(cli: CliRunner, tmp_path: Path) -> None:
    """Issues 7, 8 and 19: planted identifiers in every field, column name, folder and file name, number,
    deep link and media; through ``reports import`` and ``run``; then every byte on disk is scanned."""
    p = PLANTED_19
    workspace = tmp_path / "ws"
    key = tmp_path / "keyring" / "reporter.key"
    env = {"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(key), "AIRPICTURE_LOG_LEVEL": "debug"}
    assert cli("-w", str(workspace), "workspace", "init", env=env).returncode == 0

    # 1. delivered by hand, imported with 'reports import' from a folder named after the sender
    incoming = tmp_path / "incoming" / f"from {p['folder_name']} {p['folder_phone']}"
    incoming.mkdir(parents=True)
    media = _planted_images(incoming)
    fields, rows = _export_rows(media)
    export = incoming / f"ChatExport_@{p['file_user']}.csv"
    _write_csv(export, fields, rows, damaged_at=9)  # after data row 8: rows 9 and 10 are damaged
    second = incoming / f"{p['folder_name']}-2.csv"
    _write_csv(second, fields, [{**rows[1], "time": "2022-07-11T21:40:00Z"}])
    # 2. dropped into the inbox, taken in by 'run': a CSV and a JSON export in named folders, and a file
    # that cannot be read at all (not UTF-8) in a folder carrying a name and a phone number
    inbox = workspace / "inbox" / "reports"
    named = inbox / f"from {p['folder_name']} {p['folder_phone']}"
    _write_csv(named / f"ChatExport_@{p['file_user']}.csv", fields, [{**r, "media": ""} for r in rows], damaged_at=2)
    json_rows = [{**r, "media": "", "from": {"id": PLANTED["user_id"], "username": PLANTED["handle"]}} for r in rows]
    (inbox / f"{p['json_folder']} chat").mkdir(parents=True)
    (inbox / f"{p['json_folder']} chat" / "export.json").write_text(
        json.dumps({"reports": json_rows[:3]}, ensure_ascii=False), encoding="utf-8"
    )
    failed = inbox / f"{p['failed_user']} {p['failed_phone']}" / f"ChatExport_@{p['failed_user']}.csv"
    failed.parent.mkdir(parents=True)
    failed.write_bytes(b"time,place,category\n2022-07-11T21:00Z,Mazyr,\xff\xfe drone\n")

    runs = [
        cli("-vv", "-w", str(workspace), "reports", "import", str(export), env=env),
        cli("-vv", "-w", str(workspace), "reports", "import", str(second), "--json", env=env),
        cli("-vv", "-w", str(workspace), "run", env=env),
        cli("-vv", "-w", str(workspace), "run", "--json", env=env),
        cli("-w", str(workspace), "claims", "list", "--json", env=env),
        cli("-w", str(workspace), "sources", "list", "--json", env=env),
        cli("-w", str(workspace), "export", "claims", "-f", "json", env=env),
        cli("-w", str(workspace), "workspace", "info", "--json", env=env),
    ]
    for i, run in enumerate(runs):  # the first run has a failed file (exit 2); the second finds nothing new
        assert run.returncode == (2 if i == 2 else 0), run.stdout + run.stderr
    claims = runs[4].stdout
    assert '"independent_roots": 1' in claims  # one pseudonym in three files is one root, not three
    logs = "".join(r.stdout + r.stderr for r in runs)
    assert "rejected: row 3: field place" in logs and "rejected: row 4: field category" in logs
    assert "rejected: row 5: field count" in logs and "rejected: row 6: field time" in logs
    assert "rejected: row 8: field media" in logs and "dropped column 'phone'" in logs
    assert "field (whole row): a quoted field is not closed" in logs or "field (whole row): damaged CSV" in logs
    assert "longer than 131,072 characters" in logs and "field text: too long" in logs
    assert "field accuracy_km: not a plain decimal number" in logs and "field accuracy_km: out of range" in logs
    assert "dropped column 'reporter'" in logs and "field reporter_token: looks like a user name" in logs
    assert "whose names are not shown" in logs
    assert "failed: report-" in logs and "not UTF-8" in logs

    # the exports are gone (overwritten, then deleted), with the media they named and their folders;
    # the unreadable one is left for the analyst under its label only
    assert not export.exists() and not second.exists() and not any(incoming.iterdir())
    left = sorted(str(f.relative_to(inbox)) for f in inbox.rglob("*"))
    assert len(left) == 1 and left[0].startswith("report-") and left[0].endswith(".csv"), left

    tokens = [*PLANTED.values(), *PLANTED_19.values()]
    names = "\n".join(str(f) for f in workspace.rglob("*")).encode()  # every file and folder name
    assert _hits(names, tokens) == []
    assert _hits(_files_bytes(workspace), tokens) == []  # DuckDB file and WAL (freed pages too), inbox, media
    backup = shutil.make_archive(str(tmp_path / "backup"), "tar", root_dir=workspace)  # uncompressed: scannable
    backup_bytes = Path(backup).read_bytes()
    assert key.read_bytes() not in backup_bytes
    assert _hits(backup_bytes, tokens) == []
    assert _hits(logs.encode(), tokens) == [], [line for line in logs.splitlines() if _hits(line.encode(), tokens)][:8]

    con = duckdb.connect(str(workspace / "airpicture.duckdb"), read_only=True)
    dump = []
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall():
        dump += [repr(row) for row in con.execute(f'SELECT * FROM "{table}"').fetchall()]
    taken = con.execute("SELECT path, taken_at, outcome FROM inbox_files WHERE kind = 'reports'").fetchall()
    stamps = [r[0] for r in con.execute("SELECT at_ts FROM verification_events").fetchall()]
    observed = [r[0] for r in con.execute("SELECT observed_at FROM reports").fetchall()]
    con.close()
    logical = "\n".join(dump).encode()
    assert _hits(logical, tokens) == []
    # times about a report or its file are no finer than the hour of receipt (item 5)
    assert len(taken) == 3 and all(str(path).startswith("reports/report-") for path, _, _ in taken)
    assert all(t.minute == t.second == t.microsecond == 0 for _, t, _ in taken)
    assert stamps and all(t.minute == t.second == t.microsecond == 0 for t in stamps)
    assert observed and all(t.second == t.microsecond == 0 for t in observed)

    # the scanner sees stored content: the control word of the report text is there, logically and as bytes
    assert CONTROL.lower().encode() in logical.lower()
    assert _hits(_files_bytes(workspace), [CONTROL]) == [CONTROL]
    stored_media = sorted((workspace / "media").rglob("*.*"))
    assert len(stored_media) == 2
    for path in stored_media:
        assert int(path.stat().st_mtime) % 3600 == 0  # the hour of receipt, not the second it was written
        with Image.open(path) as image:
            assert not image.getexif() and not {"exif", "xmp", "comment", "Author", "Comment"} & set(image.info)


RECEIVER_NAME = "Ivan-Plantedov-Roof"
"""A volunteer's receiver named after them: filed as an inbox sub-folder."""
OTHER_NAME = "Petr Plantedson"
"""Another volunteer's receiver, named with ``ingest --receiver`` (and in the path of its dumps)."""
READSB_ID = bytes.fromhex("5eedc0ffee42d00d")
"""A readsb receiver id (the 8 bytes of its UUID a feeder sends in Beast type 0xE3 records)."""


def test_a_seized_workspace_reveals_no_receiver(cli: CliRunner, tmp_path: Path) -> None:
    """Receivers are run by volunteers; a receiver name or readsb UUID can identify one (issue 8)."""
    sim = tmp_path / "sim"
    assert cli("simulate", "belarus-july-night", "--out", str(sim), "--nights", "1").returncode == 0
    manifest = json.loads((sim / "simulated-manifest.json").read_text(encoding="utf-8"))
    workspace = tmp_path / "ws"
    key = tmp_path / "keyring" / "reporter.key"
    env = {"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(key), "AIRPICTURE_LOG_LEVEL": "debug"}
    assert cli("-w", str(workspace), "workspace", "init", env=env).returncode == 0
    inbox = workspace / "inbox" / "adsb"
    dumps = tmp_path / "dumps" / OTHER_NAME
    for entry in manifest["beast_files"]:
        source = sim / entry["file"]
        stem = Path(entry["file"]).stem
        if entry["receiver"] == "minsk-east":
            split_beast(source, [inbox / RECEIVER_NAME / f"{stem}-{i}.beast" for i in range(2)], receiver_id=None)
        elif entry["receiver"] == "vilnius":
            split_beast(source, [inbox / f"{stem}-{i}.beast" for i in range(2)], receiver_id=READSB_ID)
        else:
            split_beast(source, [dumps / f"{OTHER_NAME}-{stem}-{i}.beast" for i in range(2)], receiver_id=None)
    (workspace / "inbox" / "notams").mkdir(parents=True, exist_ok=True)  # workspace init creates it
    shutil.copy2(sim / "simulated-notams.txt", workspace / "inbox" / "notams")
    tokens = [RECEIVER_NAME, OTHER_NAME, READSB_ID.hex(), "Plantedson", "Plantedov"]
    planted = _files_bytes(workspace / "inbox") + _files_bytes(tmp_path / "dumps")
    assert READSB_ID in planted  # the planting worked: the raw id is in the files we ingest

    runs = [
        cli("-vv", "-w", str(workspace), "ingest", "--receiver", OTHER_NAME, str(dumps), env=env),
        cli("-vv", "-w", str(workspace), "ingest", "--json", "--receiver", OTHER_NAME, str(dumps), env=env),
        cli("-vv", "-w", str(workspace), "run", env=env),
        cli("-vv", "-w", str(workspace), "run", "--json", env=env),
        cli("-w", str(workspace), "report", "--day", "2022-07-11", env=env),
        cli("-w", str(workspace), "claims", "list", "--json", env=env),
        cli("-w", str(workspace), "sources", "list", "--json", env=env),
        cli("-w", str(workspace), "workspace", "info", "--json", env=env),
        *(cli("-w", str(workspace), "export", kind, "-f", "json", env=env) for kind in ("claims", "events", "tracks")),
        cli("-w", str(workspace), "export", "positions", "-f", "csv", "--icao24", "14c5a9", env=env),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    logs = "".join(r.stdout + r.stderr for r in runs)
    assert "ADS-B tracks from 2 receivers" in (workspace / "reports" / "airpicture-belarus-2022-07-11.md").read_text(
        encoding="utf-8"
    )

    # everything airpicture wrote: the workspace except the inbox (the files as delivered), a backup, the logs
    written = tmp_path / "written"
    shutil.copytree(workspace, written, ignore=lambda folder, names: ["inbox"] if Path(folder) == workspace else [])
    stored = _files_bytes(written)
    assert _hits(stored, tokens) == [] and READSB_ID not in stored
    backup = Path(shutil.make_archive(str(tmp_path / "rx-backup"), "tar", root_dir=written)).read_bytes()
    assert _hits(backup, tokens) == [] and READSB_ID not in backup and key.read_bytes() not in backup
    assert _hits(logs.encode(), tokens) == [], [line for line in logs.splitlines() if _hits(line.encode(), tokens)][:8]

    con = duckdb.connect(str(workspace / "airpicture.duckdb"), read_only=True)
    dump = []
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall():
        dump += [repr(row) for row in con.execute(f'SELECT * FROM "{table}"').fetchall()]
    receivers = con.execute(
        "SELECT receiver_from, count(DISTINCT receiver), count(*) FROM ingested_files WHERE format = 'beast' "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall()
    con.close()
    logical = "\n".join(dump).encode()
    assert _hits(logical, tokens) == []
    # three receivers, two files each, named three ways; the scanner sees what is stored (the labels)
    assert receivers == [("beast_id", 1, 2), ("inbox", 1, 2), ("option", 1, 2)]
    assert b"adsb/receiver-" in logical and b"receiver-" in stored
