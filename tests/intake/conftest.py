"""Fixtures for the intake tests: a key pair, intake settings over a temporary data folder, the guarded
application in process (starlette's test client: real ASGI, no socket), planted photos."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from airpicture.intake.sealing import generate_keypair
from airpicture.intake.server import build
from airpicture.model.clock import FixedClock
from airpicture.model.settings import IntakeSettings
from tests.reports.conftest import jpeg_bytes, photo

CLOCK_AT = datetime(2022, 7, 11, 21, 37, 12, tzinfo=UTC)

EXIF_PLANTED = {"owner": "Owner-PLANTED-exif", "serial": "SN-PLANTED-9191", "device": "Model-PLANTED-cam"}
GPS = {1: "N", 2: (52.0, 7.0, 31.0), 3: "E", 4: (29.0, 13.0, 47.0)}


@pytest.fixture
def keypair() -> tuple[bytes, bytes]:
    return generate_keypair()


@pytest.fixture
def intake_settings(tmp_path: Path) -> IntakeSettings:
    return IntakeSettings(
        data_dir=tmp_path / "intake-data",
        socket_path=tmp_path / "intake-data" / "intake.sock",
        reports_per_token_per_day=5,
        reports_per_minute=50,
        tokens_per_minute=50,
        max_body_bytes=2_000_000,
        max_photo_bytes=1_000_000,
        max_photo_pixels=4_000_000,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_AT)


@pytest.fixture
def client(intake_settings: IntakeSettings, clock: FixedClock, keypair: tuple[bytes, bytes]) -> Iterator[TestClient]:
    with TestClient(build(intake_settings, clock, keypair[1]), raise_server_exceptions=False) as test_client:
        yield test_client


def planted_jpeg(seed: int = 3) -> bytes:
    """A JPEG carrying EXIF owner, serial, camera model and a GPS position."""
    exif = Image.Exif()
    exif[0x013B] = EXIF_PLANTED["owner"]  # Artist
    exif[0xA431] = EXIF_PLANTED["serial"]  # BodySerialNumber
    exif[0x0110] = EXIF_PLANTED["device"]  # Model
    exif[0x8825] = GPS
    data = jpeg_bytes(photo(seed), exif=exif.tobytes())
    assert all(value.encode() in data for value in EXIF_PLANTED.values())
    return data


@functools.cache
def bomb_png() -> bytes:
    """A 10 000 × 10 000 grey PNG of about 100 kB that decodes to 100 megapixels (25 × the test limit)."""
    out = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(out, format="PNG", compress_level=9)
    return out.getvalue()


def report_body(token: str, **fields: object) -> dict[str, object]:
    body: dict[str, object] = {
        "token": token,
        "category": "helicopter",
        "observed_at": "2022-07-11T23:40+03:00",
        "time_precision_min": 15,
        "place_name": "Mazyr",
        "text": "two helicopters flying low towards the river",
    }
    body.update(fields)
    return body
