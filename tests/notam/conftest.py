"""Fixtures for the NOTAM tests: the real UK PIB and the real Eastern-European samples."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from airpicture.model.notam import RawNotam
from airpicture.sources.notam import read_notams

DATA = Path(__file__).resolve().parents[1] / "data" / "notams"


@cache
def pib() -> list[RawNotam]:
    _, notams, _ = read_notams((DATA / "PIB_2026-08-22.xml").read_bytes(), "PIB_2026-08-22.xml")
    return notams


@cache
def icao_text() -> list[RawNotam]:
    path = DATA / "notams_uk_2026-08-22_icao.txt"
    _, notams, _ = read_notams(path.read_bytes(), path.name)
    return notams


@cache
def countries() -> dict[str, BaseGeometry]:
    data = json.loads((DATA / "ne_10m_by_ua.geojson").read_text())
    return {f["properties"]["ISO_A2"]: shape(f["geometry"]) for f in data["features"]}


@pytest.fixture
def data_dir() -> Path:
    return DATA
