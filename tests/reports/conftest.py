"""Fixtures for report tests: a workspace, settings with the reporter key outside it, a fixed clock."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from airpicture.model.clock import FixedClock
from airpicture.model.settings import Settings, load_settings
from airpicture.store import Workspace

CLOCK_AT = datetime(2022, 7, 12, 6, 0, tzinfo=UTC)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(None, {}, {"workspace": tmp_path / "ws", "reports.reporter_key_file": tmp_path / "keys" / "k"})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_AT)


def photo(seed: int = 1, size: tuple[int, int] = (320, 240)) -> Image.Image:
    """A textured synthetic photo (blurred noise + shapes): perceptual hashes behave as on real photos."""
    rng = np.random.default_rng(seed)
    image = Image.fromarray((rng.random((size[1], size[0], 3)) * 255).astype("uint8")).filter(
        ImageFilter.GaussianBlur(10)
    )
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 5, size[1] // 6, size[0] // 2, size[1] // 2 + 40), fill=(200, 30, 30))
    return image


def jpeg_bytes(image: Image.Image, **save: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", **save)
    return out.getvalue()
