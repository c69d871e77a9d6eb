"""Fixes: the column helpers detectors share."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from airpicture.detect.framework import canonical_order
from airpicture.detect.tables import Fixes


def _table(rng: np.random.Generator, n: int) -> pa.Table:
    lat = rng.uniform(50, 55, n)
    return canonical_order(
        pa.table(
            {
                "ts": pa.array(1_657_497_600_000_000 + rng.integers(0, 3_600, n) * 1_000_000, pa.int64()).cast(
                    pa.timestamp("us", tz="UTC")
                ),
                "icao24": pa.array(rng.choice(["14c5a9", "0a0b0c", "510081"], n), pa.string()),
                "lat_deg": pa.array(np.where(rng.random(n) < 0.2, np.nan, lat), pa.float64(), from_pandas=True),
                "lon_deg": pa.array(rng.uniform(23, 32, n)),
                "alt_ft": pa.array(rng.uniform(0, 30_000, n), pa.float32()),
                "callsign": pa.array(rng.choice(["RFF6010", "", None, "BRU8V"], n), pa.string()),
                "on_ground": pa.array(rng.choice([True, False, None], n), pa.bool_()),
                "flags": pa.array(rng.choice([0, 0, 0, 8], n), pa.uint16()),
                "source_file": pa.array(["f" * 64] * n, pa.string()),
                "source_offset": pa.array(np.arange(n), pa.int64()),
            }
        )
    )


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), trusted=st.booleans())
def test_fixes_keep_their_rows_and_the_newest_callsign_of_the_same_address(seed: int, n: int, trusted: bool) -> None:
    table = _table(np.random.default_rng(seed), n)
    fixes = Fixes.from_table(table, trusted_only=trusted)
    rows = table.to_pylist()
    expected = [
        r
        for r, row in enumerate(rows)
        if row["lat_deg"] is not None and row["lon_deg"] is not None and not (trusted and row["flags"] & 8)
    ]
    assert [rows[r]["source_offset"] for r in expected] == fixes.source_offset.tolist()
    assert fixes.source_files(np.arange(len(fixes))) == [rows[r]["source_file"] for r in expected]
    for k, r in enumerate(expected):
        assert fixes.address(k) == rows[r]["icao24"]
        # the newest non-empty callsign among this address's fixes up to this one
        earlier = [rows[q]["callsign"] for q in expected[: k + 1] if rows[q]["icao24"] == rows[r]["icao24"]]
        named = [c for c in earlier if c]
        assert fixes.last_callsign(k) == (named[-1] if named else None)
    assert fixes.last_callsigns(np.arange(len(fixes))) == [fixes.last_callsign(k) for k in range(len(fixes))]
