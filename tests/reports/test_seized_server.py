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


def test_a_seized_workspace_reveals_no_reporter(cli: CliRunner, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    media = _planted_images(incoming)
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
    }
    text = (
        f"{CONTROL} two helicopters. Call me {PLANTED['phone']} or {PLANTED['email']}, @{PLANTED['handle']}, "
        f"sent from {PLANTED['ip']}, tg id {PLANTED['user_id']}"
    )
    good = {
        "time": "2022-07-11T21:10:00Z",
        "place": "Mazyr",
        "category": "helicopter",
        "count": "2",
        "direction": "NE",
        "text": text,
        "reporter_token": PLANTED["token"],
        "media": ";".join(media),
        **identity,
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
    ]
    export = incoming / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(good))
        writer.writeheader()
        writer.writerows(rows)
    workspace = tmp_path / "ws"
    key = tmp_path / "keyring" / "reporter.key"
    env = {"AIRPICTURE_REPORTS__REPORTER_KEY_FILE": str(key), "AIRPICTURE_LOG_LEVEL": "debug"}
    runs = [
        cli("-w", str(workspace), "workspace", "init", env=env),
        cli("-vv", "-w", str(workspace), "reports", "import", str(export), env=env),
        cli("-vv", "-w", str(workspace), "reports", "import", str(export), "--json", env=env),
        cli("-w", str(workspace), "claims", "list", "--json", env=env),
        cli("-w", str(workspace), "sources", "list", "--json", env=env),
        cli("-w", str(workspace), "export", "claims", "-f", "json", env=env),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    claims = runs[3].stdout
    assert '"status": "corroborated"' not in claims  # one pseudonym twice is one root, not two
    assert '"independent_roots": 1' in claims
    logs = "".join(r.stdout + r.stderr for r in runs)
    assert "rejected: row 3: field place" in logs and "rejected: row 4: field category" in logs
    assert "rejected: row 5: field count" in logs and "rejected: row 6: field time" in logs
    assert "rejected: row 8: field media" in logs and "dropped column 'phone'" in logs

    tokens = list(PLANTED.values())
    assert _hits(_files_bytes(workspace), tokens) == []
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
    con.close()
    logical = "\n".join(dump).encode()
    assert _hits(logical, tokens) == []

    # the scanner sees stored content: the control word of the report text is there, logically and as bytes
    assert CONTROL.lower().encode() in logical.lower()
    assert _hits(_files_bytes(workspace), [CONTROL]) == [CONTROL]
    stored_media = sorted((workspace / "media").rglob("*.*"))
    assert len(stored_media) == 2
    for path in stored_media:
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
