"""Fixtures for detector tests: the real shipped reference data and the Belarus region geometry."""

from __future__ import annotations

from datetime import date

import pytest

from airpicture.detect.framework import DetectionContext
from airpicture.detect.region_geometry import RegionGeometry, build_region_geometry
from airpicture.reference import ReferenceData
from airpicture.testing import FixedClock


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return ReferenceData()


@pytest.fixture(scope="session")
def belarus_geometry(reference: ReferenceData) -> RegionGeometry:
    return build_region_geometry(reference.region("belarus"), reference)


@pytest.fixture
def belarus_context(reference: ReferenceData, belarus_geometry: RegionGeometry) -> DetectionContext:
    return DetectionContext(
        clock=FixedClock(),
        region=belarus_geometry.region,
        day=date(2022, 7, 11),
        reference=reference,
        geometry=belarus_geometry,
    )
