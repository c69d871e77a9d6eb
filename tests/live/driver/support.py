"""Helpers of the live-driver tests: a workspace, a replay through ``run_live``, positions as stored."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa

from airpicture.model.clock import SystemClock
from airpicture.model.settings import LiveSettings, Settings, load_settings
from airpicture.pipeline.live import LiveEvent, LiveSummary, run_live
from airpicture.store import Workspace

DATA = Path(__file__).resolve().parents[2] / "data" / "adsb"
POSITION_ORDER = "source_file, source_offset, ts, icao24"


def settings_for(root: Path, **live: object) -> Settings:
    base = load_settings(overrides={"workspace": root})
    values: dict[str, object] = {"flush_interval_s": 0.2, "detect_interval_s": 3600.0, "assess_at": (), **live}
    return replace(
        base,
        live=replace(LiveSettings(), **values),
        reports=replace(base.reports, reporter_key_file=root.parent / "key"),
    )


def replay(root: Path, feeds: list[str], **live: object) -> tuple[LiveSummary, list[LiveEvent]]:
    """``run_live`` over ``feeds`` until every feed ended; returns its summary and the events it emitted."""
    workspace = Workspace.open(root) if (root / "airpicture.duckdb").exists() else Workspace.init(root)
    settings = settings_for(root, **live)
    events: list[LiveEvent] = []

    async def main() -> LiveSummary:
        return await run_live(
            workspace, settings, SystemClock(), feeds, stop=asyncio.Event(), on_event=events.append, exit_on_eof=True
        )

    return asyncio.run(main()), events


def positions(root: Path) -> pa.Table:
    """Every stored position row, in a fixed order (all columns, the values as stored)."""
    con = duckdb.connect()
    try:
        return con.sql(
            f"SELECT * EXCLUDE (day) FROM read_parquet('{root}/positions/*/*.parquet', hive_partitioning = true) "
            f"ORDER BY {POSITION_ORDER}"
        ).to_arrow_table()
    finally:
        con.close()
