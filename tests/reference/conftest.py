"""One loaded ReferenceData for the whole test session (loading is the slow part; look-ups are pure)."""

from __future__ import annotations

import pytest

from airpicture.reference import ReferenceData


@pytest.fixture(scope="session")
def ref() -> ReferenceData:
    return ReferenceData()
