"""The intake's form and JSON API in process: codenames, sealing, limits, coarse times, random ids, error
responses that never echo what was sent, photos stripped, bombs refused (issue 16, "What must hold")."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from airpicture.intake.forms import LANGUAGES
from airpicture.intake.payload import read_payload
from airpicture.intake.sealing import Opener
from airpicture.model.clock import FixedClock
from airpicture.model.reports import ReportCategory
from airpicture.model.settings import IntakeSettings
from tests.intake.conftest import EXIF_PLANTED, bomb_png, planted_jpeg, report_body

SECRET = "PLANTED-secret-words-7731"


def _token(client: TestClient) -> str:
    response = client.post("/api/v1/tokens")
    assert response.status_code == 201
    return str(response.json()["token"])


def _db(settings: IntakeSettings) -> sqlite3.Connection:
    return sqlite3.connect(settings.data_dir / "intake.sqlite3")


def _opened(settings: IntakeSettings, private: bytes) -> list[tuple[dict[str, str], dict[str, bytes]]]:
    with _db(settings) as con:
        blobs = [r[0] for r in con.execute("SELECT sealed FROM sealed_report")]
    return [read_payload(Opener(private).open(blob)) for blob in blobs]


def _no_echo(response: object, *values: str) -> None:
    text = response.text.lower()  # type: ignore[attr-defined]
    headers = json.dumps(dict(response.headers)).lower()  # type: ignore[attr-defined]
    for value in values:
        assert value.lower() not in text, f"response echoes {value!r}"
        assert value.lower() not in headers


def test_report_is_sealed_on_arrival_with_day_bucket_and_random_id(
    client: TestClient, intake_settings: IntakeSettings, keypair: tuple[bytes, bytes]
) -> None:
    token = _token(client)
    response = client.post("/api/v1/reports", json=report_body(token, text=SECRET))
    assert response.status_code == 201
    assert response.json() == {"status": "sealed"}
    for _ in range(3):
        assert client.post("/api/v1/reports", json=report_body(token)).status_code == 201
    with _db(intake_settings) as con:
        rows = con.execute("SELECT report_id, received_day, sealed FROM sealed_report").fetchall()
        tokens = con.execute("SELECT token_hash, counter_day, reports_that_day FROM reporter_token").fetchall()
    assert len(rows) == 4
    assert {r[1] for r in rows} == {"2022-07-11"}  # a day bucket, not the 21:37:12 of the clock
    ids = [r[0] for r in rows]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and len(set(ids)) == 4
    assert len({int(i, 16) >> 64 for i in ids}) == 4  # random high bits: not a counter
    assert all(SECRET.encode() not in r[2] for r in rows)
    # one row per codename: a keyed hash and today's counter, no history of reports
    assert len(tokens) == 1 and tokens[0][1:] == ("2022-07-11", 4) and len(tokens[0][0]) == 32
    assert token.encode() not in tokens[0][0] and token.replace("-", "").encode() not in tokens[0][0]
    opened = _opened(intake_settings, keypair[0])
    texts = sorted(row["text"] for row, _ in opened)
    assert SECRET in texts
    row = next(row for row, _ in opened if row["text"] == SECRET)
    assert row["time"] == "2022-07-11T20:40:00Z" and row["category"] == "helicopter" and row["place"] == "Mazyr"
    assert token not in json.dumps(row) and len(row["reporter_token"]) == 32  # a pseudonym, never the codename
    assert len({r["reporter_token"] for r, _ in opened}) == 1


def test_limits_per_token_and_global_never_per_address(
    intake_settings: IntakeSettings, clock: FixedClock, keypair: tuple[bytes, bytes]
) -> None:
    from airpicture.intake.server import build

    settings = IntakeSettings(data_dir=intake_settings.data_dir, reports_per_token_per_day=2, reports_per_minute=4)
    with TestClient(build(settings, clock, keypair[1])) as client:
        first, second = _token(client), _token(client)
        assert [client.post("/api/v1/reports", json=report_body(first)).status_code for _ in range(3)] == [
            201,
            201,
            429,
        ]
        assert client.post("/api/v1/reports", json=report_body(second)).status_code == 201
        limited = client.post("/api/v1/reports", json=report_body(second, text=SECRET))  # global: 4 a minute
        assert limited.status_code == 429
        _no_echo(limited, SECRET, second)
        clock.advance(timedelta(minutes=1))
        assert client.post("/api/v1/reports", json=report_body(second)).status_code == 201
        assert client.post("/api/v1/reports", json=report_body(first)).status_code == 429  # still today
        clock.advance(timedelta(days=1))
        assert client.post("/api/v1/reports", json=report_body(first)).status_code == 201


@pytest.mark.parametrize("status", [401, 413, 422])
def test_error_responses_never_echo_what_was_sent(client: TestClient, status: int) -> None:
    token = _token(client)
    if status == 401:
        body = report_body("PLANTED-bogus-token", text=SECRET)
    elif status == 413:
        body = report_body(token, text=SECRET, photos=[base64.b64encode(b"\xff" * 2_100_000).decode()])
    else:
        body = report_body(token, text=SECRET, category=f"{SECRET}-cat", observed_at=f"{SECRET}-time")
        body[f"{SECRET}-key"] = SECRET
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == status
    _no_echo(response, SECRET, "PLANTED-bogus-token", token)
    if status == 422:
        assert set(response.json()["fields"]) == {"(body)", "category", "observed_at"}
        # the form's 422 page names the fields, in the page's language, and nothing sent
        page = client.post("/uk/report", data={"token": token, "category": SECRET, "text": SECRET})
        assert page.status_code == 422 and "Перевірте поле" in page.text
        _no_echo(page, SECRET)


def test_form_in_four_languages_without_javascript(client: TestClient) -> None:
    for lang in LANGUAGES:
        page = client.get(f"/{lang}")
        assert page.status_code == 200
        assert "<script" not in page.text.lower() and "http://" not in page.text and "https://" not in page.text
        assert f'lang="{lang}"' in page.text and 'type="image" name="map" src="/map.png"' in page.text
        assert all(f'value="{c.value}"' in page.text for c in ReportCategory)
    assert "Паведаміць" in client.get("/be").text and "Сообщить" in client.get("/ru").text
    assert "Повідомити" in client.get("/uk").text and "Report what you saw" in client.get("/en").text
    svg = client.get("/map.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<path" in svg.text
    png = client.get("/map.png")  # what the form shows: Tor Browser's safest level does not render SVG
    with Image.open(io.BytesIO(png.content)) as image:
        assert image.size == (800, 600) and len(image.convert("RGB").getcolors(64) or ()) > 3
    assert client.get("/xx").status_code == 404


def test_form_submission_with_map_point_and_photo(
    client: TestClient, intake_settings: IntakeSettings, keypair: tuple[bytes, bytes]
) -> None:
    issued = client.post("/be/token")
    assert issued.status_code == 201 and "Запішыце" in issued.text
    token = issued.text.split("<code style='font-size:1.6em'>")[1].split("</code>")[0]
    form = {
        "token": token.lower(),  # typed back in lower case: still the same codename
        "category": "drone",
        "date": "2022-07-11",
        "time": "23:50",
        "utc_offset": "+03:00",
        "time_precision_min": "15",
        "place_precision_km": "5",
        "how_known": "direct",
        "text": SECRET,
        "map.x": "400",
        "map.y": "300",
    }
    files = [("photos", ("IMG_PLANTED.jpg", planted_jpeg(), "image/jpeg"))]
    response = client.post("/be/report", data=form, files=files)
    assert response.status_code == 201 and "Дзякуй" in response.text
    _no_echo(response, SECRET)
    [(row, photos)] = _opened(intake_settings, keypair[0])
    # map centre: (56.5 + 51) / 2 = 53.75 N, (23 + 33) / 2 = 28 E; ± 5 km keeps 2 decimals
    assert (row["lat"], row["lon"], row["accuracy_km"]) == ("53.75", "28", "5")
    assert row["time"] == "2022-07-11T20:50:00Z" and row["time_precision"] == "15" and row["text"] == SECRET
    [(name, data)] = photos.items()
    assert row["media"] == name and name.endswith(".jpg") and "PLANTED" not in name
    assert data[:2] == b"\xff\xd8"
    for value in (*EXIF_PLANTED.values(), "Exif", "GPS"):
        assert value.encode() not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and image.size == (320, 240)


def test_coordinates_are_coarsened_to_the_chosen_precision(
    client: TestClient, intake_settings: IntakeSettings, keypair: tuple[bytes, bytes]
) -> None:
    token = _token(client)
    for km in (0.1, 1.0, 25.0, 100.0):
        body = report_body(token, lat_deg=52.123456, lon_deg=29.654321, place_precision_km=km)
        assert client.post("/api/v1/reports", json=body).status_code == 201
    got = sorted((float(r["accuracy_km"]), r["lat"], r["lon"]) for r, _ in _opened(intake_settings, keypair[0]))
    assert got == [(0.1, "52.1235", "29.6543"), (1.0, "52.12", "29.65"), (25.0, "52.1", "29.7"), (100.0, "52", "30")]


def test_photo_limits_type_and_decompression_bomb(
    client: TestClient, intake_settings: IntakeSettings, keypair: tuple[bytes, bytes]
) -> None:
    token = _token(client)

    def send(data: bytes) -> int:
        body = report_body(token, photos=[base64.b64encode(data).decode()])
        status: int = client.post("/api/v1/reports", json=body).status_code
        return status

    assert send(bomb_png()) == 413  # header says 100 megapixels: refused before decoding
    assert send(b"%PDF-1.4 not an image " * 20) == 422
    assert send(b"GIF89a" + b"\x00" * 100) == 422
    assert send(planted_jpeg()[:600]) == 422  # truncated: damaged
    oversized = client.post("/api/v1/reports", json=report_body(token, photos=["not base64!"]))
    assert oversized.status_code == 422
    assert _opened(intake_settings, keypair[0]) == []  # refused photos refuse the report; nothing stored
    assert send(planted_jpeg()) == 201


def test_openapi_documents_the_json_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/v1/tokens",
        "/api/v1/reports",
        "/api/v1/pull/challenge",
        "/api/v1/pull/batch",
        "/api/v1/pull/ack",
    }
    fields = spec["components"]["schemas"]["ReportIn"]["properties"]
    assert {"category", "observed_at", "time_precision_min", "place_name", "lat_deg", "lon_deg"} <= set(fields)
    assert {"place_precision_km", "how_known", "text", "photos", "token"} <= set(fields)


def test_pull_needs_the_private_key(client: TestClient, keypair: tuple[bytes, bytes]) -> None:
    token = _token(client)
    assert client.post("/api/v1/reports", json=report_body(token)).status_code == 201
    assert client.post("/api/v1/pull/batch", json={"proof": base64.b64encode(b"x" * 32).decode()}).status_code == 403
    challenge = base64.b64decode(client.post("/api/v1/pull/challenge").json()["challenge"])
    proof = base64.b64encode(Opener(keypair[0]).open(challenge)).decode()
    batch = client.post("/api/v1/pull/batch", json={"proof": proof}).json()["reports"]
    assert len(batch) == 1
    ack = client.post("/api/v1/pull/ack", json={"proof": proof, "report_ids": [batch[0]["report_id"]]})
    assert ack.json() == {"deleted": 1}
    assert client.post("/api/v1/pull/batch", json={"proof": proof}).json() == {"reports": []}


def test_unix_socket_listener_is_a_file_not_a_port(tmp_path: Path) -> None:
    from airpicture.intake.torrc import render_torrc

    text = render_torrc(socket_path=tmp_path / "s.sock", hidden_service_dir=tmp_path / "hs", data_dir=tmp_path / "t")
    assert f"HiddenServicePort 80 unix:{tmp_path / 's.sock'}" in text
    assert "SafeLogging 1" in text and "HiddenServicePoWDefensesEnabled 1" in text and "SocksPort 0" in text


def test_pseudonyms_never_look_like_a_contact_to_the_import() -> None:
    """The workspace import drops a reporter token that looks like a phone or handle; a pseudonym never does."""
    from airpicture.intake.tokens import TokenKeys, new_token
    from airpicture.sources.redact import looks_like_contact

    keys = TokenKeys(bytes(range(32)))
    pseudonyms = [keys.pseudonym(new_token()) for _ in range(1000)]
    assert not [p for p in pseudonyms if looks_like_contact(p)]
    assert all(len(p) == 32 and p.isalpha() for p in pseudonyms) and len(set(pseudonyms)) == 1000
