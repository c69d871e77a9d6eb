"""ICAO 24-bit address blocks: most specific block wins, scalar and vectorised agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.model.errors import ReferenceDataError
from airpicture.reference import ReferenceData


@settings(max_examples=50, deadline=None)
@given(st.integers(0x510000, 0x5103FF))
def test_belarus_block(ref: ReferenceData, address: int) -> None:
    assert ref.country_of_address(f"{address:06x}") == "BY"


@pytest.mark.parametrize(
    ("icao24", "country"),
    [
        ("14C5A9", "RU"),  # the A-50 RF-50601
        ("510000", "BY"),
        ("5103FF", "BY"),
        ("508000", "UA"),
        ("50FFFF", "UA"),
        ("48A1B2", "PL"),
        ("503C00", "LT"),
        ("502C00", "LV"),
        ("3C6444", "DE"),
        ("AE56EA", "US"),
    ],
)
def test_known_addresses(ref: ReferenceData, icao24: str, country: str) -> None:
    assert ref.country_of_address(icao24) == country


def test_regional_block_is_not_a_country(ref: ReferenceData) -> None:
    """510400 is outside Belarus' block but inside the unassigned EUR/NAT block: no State."""
    assert ref.country_of_address("510400") is None
    block = ref.address_block("510400")
    assert block is not None and block.kind == "unassigned_regional_block"
    assert ref.address_block("510123") == ref.address_block("5103ff")
    by = ref.address_block("510123")
    assert by is not None and (by.start_hex, by.end_hex, by.size) == ("510000", "5103ff", 1024)


def test_vectorised_matches_scalar(ref: ReferenceData) -> None:
    rng = np.random.default_rng(7)
    addresses = rng.integers(0, 1 << 24, 3000)
    hexes = np.array([f"{a:06x}" for a in addresses])
    from_ints = ref.countries_of_addresses(addresses)
    from_hex = ref.countries_of_addresses(hexes)
    assert from_ints.tolist() == from_hex.tolist()
    assert from_ints.tolist() == [ref.country_of_address(h) or "" for h in hexes]


def test_vectorised_bad_text_is_empty(ref: ReferenceData) -> None:
    assert ref.countries_of_addresses(np.array(["14C5A9", "zzzzzz", "", "14c5a"])).tolist() == ["RU", "", "", ""]


@pytest.mark.parametrize("bad", ["", "14C5A", "14C5A9F", "GGGGGG", "~14c5a9"])
def test_bad_address_is_an_error(ref: ReferenceData, bad: str) -> None:
    with pytest.raises(ReferenceDataError, match="6 hexadecimal digits"):
        ref.country_of_address(bad)
