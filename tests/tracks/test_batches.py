"""Tracks are built a batch of addresses at a time (bounded memory); the batches give the one-pass result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from airpicture.pipeline.tracks import address_batches
from airpicture.testing import make_track
from airpicture.tracks import build_tracks


def test_tracks_built_in_address_batches_equal_one_pass() -> None:
    start = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)
    frames = [
        make_track(
            f"51{k:04x}",
            [(start + timedelta(minutes=m), 53.0 + k / 100, 27.0 + m / 100, 9000.0) for m in (0, 5, 10, 40, 45)],
            callsign=f"BRU{k}",
            step_s=30,
        )
        for k in range(12)
    ]
    positions = pl.from_arrow(pa_concat(frames)).lazy()
    batches = address_batches(positions, rows=100)
    sizes = [positions.filter(pl.col("icao24").is_in(b)).select(pl.len()).collect().item() for b in batches]
    assert len(batches) > 1 and all(n <= 100 for n in sizes[:-1])
    assert sorted(a for b in batches for a in b) == sorted(f"51{k:04x}" for k in range(12))
    batched = pl.concat(
        [build_tracks(positions.filter(pl.col("icao24").is_in(b)), timedelta(minutes=15)) for b in batches]
    ).sort(["first_seen", "icao24"])
    assert batched.equals(build_tracks(positions, timedelta(minutes=15)))


def pa_concat(tables: list[object]) -> object:
    import pyarrow as pa

    return pa.concat_tables(tables)  # type: ignore[arg-type]
