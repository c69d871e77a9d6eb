"""Positions → tracks: per-address segments cut at silences, summarised in one vectorised pass (Polars).

A *track* is every row of one ICAO address between two silences longer than ``gap`` (default 15 min,
``tracks.gap_min``). Rows are put in a total order first — address, time, source file, source offset —
so the result does not depend on the order the rows arrive in (a hypothesis test checks this).

Per track: first/last seen, row and usable-fix counts, callsigns in order of first appearance, each
squawk change and each on-ground transition with its time, NIC/NACp ranges, counts of flagged rows per
quality flag (flagged rows are kept and counted, never dropped: the interference detector needs them),
altitude range, bounding box of the usable fixes, and their GeoJSON ``LineString`` (a ``Point`` for a
single fix, null for none), and ``time_approximate``: whether any of its rows carries ``TIME_APPROXIMATE``
(its times rest on a file's modification time or on no time at all: docs/ingest.md). A usable fix has latitude
and longitude and none of the ``UNUSABLE`` flags.
Identity (type, operator, role, country) is not known here; ``pipeline.tracks`` joins it.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from airpicture.model.schemas import PositionFlag

UNUSABLE = (
    PositionFlag.CPR_AMBIGUOUS | PositionFlag.IMPOSSIBLE_SPEED | PositionFlag.POSITION_JUMP | PositionFlag.NO_POSITION
)
"""Flags that keep a row's position out of the track geometry and bounding box."""
QUALITY_FLAGS = {
    "n_impossible_speed": PositionFlag.IMPOSSIBLE_SPEED,
    "n_position_jump": PositionFlag.POSITION_JUMP,
    "n_cpr_ambiguous": PositionFlag.CPR_AMBIGUOUS,
    "n_frozen_position": PositionFlag.FROZEN_POSITION,
    "n_integrity_low": PositionFlag.INTEGRITY_LOW,
}
ANY_QUALITY_FLAG = int(
    PositionFlag.IMPOSSIBLE_SPEED
    | PositionFlag.POSITION_JUMP
    | PositionFlag.CPR_AMBIGUOUS
    | PositionFlag.FROZEN_POSITION
    | PositionFlag.INTEGRITY_LOW
)
COORD_DECIMALS = 5
"""Decimals of degrees kept in the geometry (about 1 m)."""

TRACK_COLUMNS = (
    "track_id",
    "icao24",
    "first_seen",
    "last_seen",
    "duration_s",
    "n_rows",
    "n_fixes",
    "callsigns",
    "squawks",
    "squawk_changed_at",
    "ground_states",
    "ground_changed_at",
    "nic_min",
    "nic_max",
    "nacp_min",
    "nacp_max",
    "n_flagged",
    *QUALITY_FLAGS,
    "alt_min_ft",
    "alt_max_ft",
    "lat_min_deg",
    "lat_max_deg",
    "lon_min_deg",
    "lon_max_deg",
    "geometry",
    "source_files",
    "time_approximate",
)

_NEEDED = (
    "ts",
    "icao24",
    "lat_deg",
    "lon_deg",
    "alt_ft",
    "callsign",
    "squawk",
    "on_ground",
    "nic",
    "nacp",
    "flags",
    "source_file",
    "source_offset",
)


def build_tracks(positions: pl.LazyFrame | pl.DataFrame, gap: timedelta = timedelta(minutes=15)) -> pl.DataFrame:
    """Cut ``positions`` (columns of ``POSITIONS_SCHEMA``) into tracks; one row per track, sorted by
    ``first_seen`` then ``icao24``. ``gap`` must be positive."""
    if gap <= timedelta(0):
        raise ValueError("gap must be positive")
    frame = positions.lazy().select(_NEEDED).sort(["icao24", "ts", "source_file", "source_offset"])
    seg = ["icao24", "segment"]
    flags = pl.col("flags").cast(pl.Int64)
    frame = (
        frame.with_columns(
            segment=((pl.col("ts") - pl.col("ts").shift(1)).over("icao24") > gap)
            .fill_null(False)
            .cum_sum()
            .over("icao24"),
            usable=(pl.col("lat_deg").is_not_null() & pl.col("lon_deg").is_not_null() & ((flags & int(UNUSABLE)) == 0)),
        )
        .with_columns(
            _sq_prev=pl.col("squawk").forward_fill().shift(1).over(seg),
            _gr_prev=pl.col("on_ground").forward_fill().shift(1).over(seg),
        )
        .with_columns(
            _sq_change=pl.col("squawk").is_not_null()
            & (pl.col("_sq_prev").is_null() | (pl.col("squawk") != pl.col("_sq_prev"))),
            _gr_change=pl.col("on_ground").is_not_null()
            & (pl.col("_gr_prev").is_null() | (pl.col("on_ground") != pl.col("_gr_prev"))),
            _coord=pl.format(
                "[{},{}]", pl.col("lon_deg").round(COORD_DECIMALS), pl.col("lat_deg").round(COORD_DECIMALS)
            ),
        )
    )
    usable = pl.col("usable")
    aggs = [
        pl.col("ts").min().alias("first_seen"),
        pl.col("ts").max().alias("last_seen"),
        pl.len().cast(pl.Int64).alias("n_rows"),
        usable.sum().cast(pl.Int64).alias("n_fixes"),
        pl.col("callsign").drop_nulls().unique(maintain_order=True).alias("callsigns"),
        pl.col("squawk").filter(pl.col("_sq_change")).alias("squawks"),
        pl.col("ts").filter(pl.col("_sq_change")).alias("squawk_changed_at"),
        pl.col("on_ground").filter(pl.col("_gr_change")).alias("ground_states"),
        pl.col("ts").filter(pl.col("_gr_change")).alias("ground_changed_at"),
        pl.col("nic").min().alias("nic_min"),
        pl.col("nic").max().alias("nic_max"),
        pl.col("nacp").min().alias("nacp_min"),
        pl.col("nacp").max().alias("nacp_max"),
        ((flags & ANY_QUALITY_FLAG) != 0).sum().cast(pl.Int64).alias("n_flagged"),
        *[((flags & int(bit)) != 0).sum().cast(pl.Int64).alias(name) for name, bit in QUALITY_FLAGS.items()],
        pl.col("alt_ft").min().alias("alt_min_ft"),
        pl.col("alt_ft").max().alias("alt_max_ft"),
        pl.col("lat_deg").filter(usable).min().alias("lat_min_deg"),
        pl.col("lat_deg").filter(usable).max().alias("lat_max_deg"),
        pl.col("lon_deg").filter(usable).min().alias("lon_min_deg"),
        pl.col("lon_deg").filter(usable).max().alias("lon_max_deg"),
        pl.col("_coord").filter(usable).str.join(",").alias("_coords"),
        pl.col("source_file").unique().sort().alias("source_files"),
        ((flags & int(PositionFlag.TIME_APPROXIMATE)) != 0).any().alias("time_approximate"),
    ]
    tracks = frame.group_by(seg).agg(aggs)
    n_fixes = pl.col("n_fixes")
    geometry = (
        pl.when(n_fixes >= 2)
        .then(pl.concat_str(pl.lit('{"type":"LineString","coordinates":['), pl.col("_coords"), pl.lit("]}")))
        .when(n_fixes == 1)
        .then(pl.concat_str(pl.lit('{"type":"Point","coordinates":'), pl.col("_coords"), pl.lit("}")))
        .otherwise(None)
    )
    tracks = tracks.with_columns(
        track_id=pl.format("{}-{}", pl.col("icao24"), pl.col("first_seen").dt.strftime("%Y%m%dT%H%M%SZ")),
        duration_s=(pl.col("last_seen") - pl.col("first_seen")).dt.total_microseconds() / 1e6,
        geometry=geometry,
    )
    return tracks.select(TRACK_COLUMNS).sort(["first_seen", "icao24"]).collect()
