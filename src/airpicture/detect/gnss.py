"""GNSS interference: jamming (low NIC/NACp) and spoofing signatures, per H3 cell and hour.

"GNSS interference over Homiel oblast, 21:00–23:00 UTC: 4 of 6 aircraft with degraded navigation."

Every positioned row is looked at, flagged or not (the flags are the evidence here). A row is *degraded*
when the decoder marked it ``INTEGRITY_LOW`` (NIC < 6 or NACp < 7) or it shows a spoofing signature:

- ``frozen``: the same position *decoded from fresh frames* (``df`` set) for more than ``frozen_s`` while the
  aircraft reports more than ``frozen_min_gs_kt`` of ground speed (or the decoder's ``FROZEN_POSITION``).
  Raw frames carry speed and position in different messages, so a position row takes the address's last
  ground speed of at most ``speed_max_age_s`` ago. State vectors and track exports repeat the last known
  position every second when no new one came (a coverage gap, not spoofing), so for them a repeat is one
  fix, timed at its first appearance;
- ``jump``: a move of more than ``jump_km`` from the previous distinct position, faster than
  ``max_speed_kmh`` and twice the reported speed (or the decoder's ``POSITION_JUMP``/``IMPOSSIBLE_SPEED``);
- ``slow_high``: ground speed below ``slow_gs_kt`` above ``slow_min_alt_ft`` — no aircraft that flies there
  is that slow; spoofed receivers report the spoofer's velocity;
- ``out_of_range``: a row of a file whose receiver position is known (``receivers``) reported farther from
  that receiver than its radio horizon for the row's altitude plus ``range_margin_km`` — the receiver could
  not have heard the aircraft where it says it is. Files without a known receiver skip this signature
  (merged feeds and state vectors have no single receiver).

Rows are thinned to one per aircraft and ``sample_s`` (degraded if any row in it is). Per H3 cell
(``resolution``, 4–5) and UTC hour an aircraft counts as degraded when at least ``min_degraded_samples``
of its samples there are. A frozen row does not count there: its position is where the aircraft *was*
(it flew on), so it says nothing about that cell. Cell-hours with ``min_aircraft`` aircraft and a
degraded share of at least ``min_share`` are joined into areas (neighbouring cells, consecutive hours) and
reported as one ``gnss_interference`` event each (cells as a MultiPolygon, window, aircraft counts, kinds).
Per aircraft, bursts of spoofing signatures (less than ``merge_s`` apart) become ``position_spoofing``
events with the last trusted position before the onset; a burst that starts frozen starts when the
position stopped moving.

Per-day aggregates (the daily map layer, comparable to gpsjam.org): ``gnss_aircraft/<cell>`` and
``gnss_degraded/<cell>`` — distinct aircraft and degraded aircraft per cell and UTC day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.detect import hexes
from airpicture.detect.framework import AGGREGATES_SCHEMA, DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.tables import micros_to_datetime
from airpicture.geo import haversine_km
from airpicture.model.events import Event, Evidence, EvidenceKind
from airpicture.model.schemas import PositionFlag

DECODER_SPOOF = PositionFlag.FROZEN_POSITION | PositionFlag.POSITION_JUMP | PositionFlag.IMPOSSIBLE_SPEED
HOUR_US = 3_600_000_000
UNKNOWN_ALT_FT = 50_000.0
"""Altitude assumed for the range signature when a row has none (the highest airliners; lenient)."""


def _column(table: pa.Table, name: str, fill: float = np.nan) -> npt.NDArray[np.float64]:
    values: Any = pc.cast(table[name], pa.float64())
    return np.asarray(pc.fill_null(values, fill).to_numpy(zero_copy_only=False), dtype=np.float64)


def carry_forward(
    code: npt.NDArray[np.int64], ts_us: npt.NDArray[np.int64], values: npt.NDArray[np.float64], max_age_s: float
) -> npt.NDArray[np.float64]:
    """Per row (in address, time order): the newest non-NaN value of the same address at most ``max_age_s`` old.

    Raw Mode S frames carry speed and position in different messages (DF17 TC 19 and TC 9–18), so a position
    row of a frame decoder has no ``gs_kt``; the aircraft's last reported speed stands in for it."""
    n = len(values)
    if n == 0:
        return values.copy()
    has = ~np.isnan(values)
    source = np.maximum.accumulate(np.where(has, np.arange(n), -1))
    first = np.r_[0, np.flatnonzero(code[1:] != code[:-1]) + 1]
    start = np.zeros(n, dtype=np.int64)
    start[first] = first
    start = np.maximum.accumulate(start)
    ok = (source >= start) & (source >= 0)
    safe = np.maximum(source, 0)
    ok &= (ts_us - ts_us[safe]) <= max_age_s * 1e6
    return np.where(ok, values[safe], np.nan)


def horizon_km(alt_ft: npt.NDArray[np.float64], antenna_m: float) -> npt.NDArray[np.float64]:
    """Radio horizon between an antenna ``antenna_m`` above ground and aircraft at ``alt_ft`` (4/3 earth):
    ``4.12·(√h_rx + √h_ac)`` km, heights in metres; terrain is ignored (it only shortens the horizon)."""
    h_ac = np.maximum(np.nan_to_num(alt_ft, nan=UNKNOWN_ALT_FT) * 0.3048, 0.0)
    return np.asarray(4.12 * (np.sqrt(max(antenna_m, 0.0)) + np.sqrt(h_ac)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ReceiverSite:
    """Where the receiver that recorded one ingested file stands (``source_file``: the file's SHA-256 id)."""

    source_file: str
    lat_deg: float
    lon_deg: float
    antenna_m: float = 30.0
    """Antenna height above ground (m); a generous value only makes the range check more lenient."""


@dataclass(frozen=True, slots=True)
class SpoofSignatures:
    """Per row: which spoofing signature it shows, and since when the row's position has been frozen."""

    frozen: npt.NDArray[np.bool_]
    jump: npt.NDArray[np.bool_]
    slow_high: npt.NDArray[np.bool_]
    out_of_range: npt.NDArray[np.bool_]
    run_start: npt.NDArray[np.int64]
    """Index of the first row of the run of identical positions each row belongs to."""

    @property
    def any(self) -> npt.NDArray[np.bool_]:
        return self.frozen | self.jump | self.slow_high | self.out_of_range

    @property
    def placed(self) -> npt.NDArray[np.bool_]:
        """Signatures whose reported position says where the interference is: all but ``frozen`` (a frozen
        position is where the aircraft *was*; minutes later it is far away, so it would paint a past spot)."""
        return self.jump | self.slow_high | self.out_of_range


@dataclass(frozen=True, slots=True)
class GnssInterferenceDetector:
    """Interference areas and windows per H3 cell and hour; spoofing bursts per aircraft."""

    name: ClassVar[str] = "gnss_interference"
    version: ClassVar[int] = 2

    resolution: int = 5
    sample_s: float = 10.0
    min_aircraft: int = 1
    min_share: float = 0.1
    min_degraded_samples: int = 3
    frozen_s: float = 30.0
    frozen_min_gs_kt: float = 100.0
    frozen_tolerance_km: float = 0.01
    speed_max_age_s: float = 60.0
    """A position row without its own ground speed (raw frames) takes the address's last one this recent."""
    jump_km: float = 10.0
    max_speed_kmh: float = 1200.0
    slow_gs_kt: float = 120.0
    slow_min_alt_ft: float = 25000.0
    receivers: tuple[ReceiverSite, ...] = ()
    """Known receiver positions per ingested file; rows of other files skip the range signature."""
    range_margin_km: float = 100.0
    merge_s: float = 900.0

    def signatures(
        self,
        code: npt.NDArray[np.int64],
        ts_us: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        gs_kt: npt.NDArray[np.float64],
        alt_ft: npt.NDArray[np.float64],
        flags: npt.NDArray[np.int64],
        fresh: npt.NDArray[np.bool_],
        out_of_range: npt.NDArray[np.bool_] | None = None,
    ) -> SpoofSignatures:
        """Spoofing signatures of rows in (address, time) order (``out_of_range``: from :meth:`out_of_range`)."""
        n = len(ts_us)
        if n == 0:
            empty = np.zeros(0, dtype=bool)
            return SpoofSignatures(empty, empty, empty, empty, np.zeros(0, dtype=np.int64))
        same = np.r_[False, code[1:] == code[:-1]]
        # frozen: runs of an identical position; rows more than frozen_s into a run while reporting speed
        # "the same position": within frozen_tolerance_km of the previous row (even and odd CPR decodes of one
        # frozen position differ by metres; a moving aircraft covers more between two fixes)
        step_km = np.r_[np.inf, haversine_km(lat[:-1], lon[:-1], lat[1:], lon[1:])]
        new_run = ~same | (step_km > self.frozen_tolerance_km)
        run_start = np.maximum.accumulate(np.where(new_run, np.arange(n), 0))
        elapsed_s = (ts_us - ts_us[run_start]) / 1e6
        frozen = fresh & (elapsed_s > self.frozen_s) & (np.nan_to_num(gs_kt) > self.frozen_min_gs_kt)
        frozen |= (flags & int(PositionFlag.FROZEN_POSITION)) != 0
        # jump: from the previous *distinct* position of the same address
        moved = np.flatnonzero(new_run & same)
        jump = np.zeros(n, dtype=bool)
        if len(moved):
            prev = run_start[moved - 1]
            d_km = haversine_km(lat[prev], lon[prev], lat[moved], lon[moved])
            dt_h = np.maximum((ts_us[moved] - ts_us[prev]) / 3.6e9, 1.0 / 3600)
            speed = d_km / dt_h
            limit = np.maximum(self.max_speed_kmh, 2 * np.nan_to_num(gs_kt[moved]) * 1.852)
            jump[moved] = (d_km > self.jump_km) & (speed > limit)
        jump |= (flags & int(PositionFlag.POSITION_JUMP | PositionFlag.IMPOSSIBLE_SPEED)) != 0
        slow_high = (np.nan_to_num(gs_kt, nan=np.inf) < self.slow_gs_kt) & (
            np.nan_to_num(alt_ft, nan=-np.inf) > self.slow_min_alt_ft
        )
        far = np.zeros(n, dtype=bool) if out_of_range is None else out_of_range
        return SpoofSignatures(frozen, jump, slow_high, far, run_start.astype(np.int64))

    def out_of_range(
        self,
        source_file: npt.NDArray[np.object_],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        alt_ft: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.bool_]:
        """Rows heard by a receiver of known position but reported beyond its radio horizon (+ margin):
        a receiver cannot hear an aircraft where the aircraft says it is. Unknown altitude counts as
        ``UNKNOWN_ALT_FT`` (lenient); rows of files without a known receiver are never flagged."""
        far = np.zeros(len(lat), dtype=bool)
        for site in self.receivers:
            rows = np.flatnonzero(source_file == site.source_file)
            if len(rows) == 0:
                continue
            d_km = haversine_km(lat[rows], lon[rows], site.lat_deg, site.lon_deg)
            far[rows] = d_km > horizon_km(alt_ft[rows], site.antenna_m) + self.range_margin_km
        return far

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        if positions.num_rows == 0:
            return DetectorOutput()
        # speeds of all rows (velocity messages have no position), carried onto the position rows
        all_encoded: Any = pc.dictionary_encode(positions["icao24"]).combine_chunks()
        all_code = all_encoded.indices.to_numpy(zero_copy_only=False)
        all_ts = pc.cast(positions["ts"], pa.int64()).to_numpy()
        all_gs = carry_forward(all_code.astype(np.int64), all_ts, _column(positions, "gs_kt"), self.speed_max_age_s)
        mask: Any = pc.and_(pc.is_valid(positions["lat_deg"]), pc.is_valid(positions["lon_deg"]))
        positioned = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        table = positions.filter(mask)
        if table.num_rows == 0:
            return DetectorOutput()
        encoded: Any = pc.dictionary_encode(table["icao24"]).combine_chunks()
        addresses: list[str] = encoded.dictionary.to_pylist()
        code = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        ts = pc.cast(table["ts"], pa.int64()).to_numpy()
        lat, lon = _column(table, "lat_deg"), _column(table, "lon_deg")
        alt = _column(table, "alt_ft")
        flags = pc.cast(table["flags"], pa.int64()).to_numpy()
        fresh = np.asarray(pc.is_valid(table["df"]).to_numpy(zero_copy_only=False), dtype=bool)
        far = None
        if self.receivers:
            files = np.asarray(table["source_file"].to_numpy(zero_copy_only=False), dtype=object)
            far = self.out_of_range(files, lat, lon, alt)
        sig = self.signatures(code, ts, lat, lon, all_gs[positioned], alt, flags, fresh, far)
        low = (flags & int(PositionFlag.INTEGRITY_LOW)) != 0
        frame = pl.DataFrame(
            {
                "code": code,
                "bucket": ts // int(self.sample_s * 1e6),
                "lat": lat,
                "lon": lon,
                "low": low,
                "spoof": sig.placed,
                "degraded": low | sig.placed,
            }
        )
        samples = frame.group_by(["code", "bucket"], maintain_order=True).agg(
            pl.col("lat").first(), pl.col("lon").first(), pl.col("low").any(), pl.col("spoof").any(),
            pl.col("degraded").any(),
        )  # fmt: skip
        samples = samples.with_columns(
            pl.Series("cell", hexes.cells(samples["lat"], samples["lon"], self.resolution)),
            (pl.col("bucket") * int(self.sample_s * 1e6) // HOUR_US).alias("hour"),
        )
        per_aircraft = samples.group_by(["cell", "hour", "code"]).agg(
            (pl.col("degraded").sum() >= self.min_degraded_samples).alias("degraded"),
            (pl.col("low").sum() >= self.min_degraded_samples).alias("low"),
            (pl.col("spoof").sum() >= self.min_degraded_samples).alias("spoof"),
        )
        cell_hours = (
            per_aircraft.group_by(["cell", "hour"])
            .agg(
                pl.len().alias("aircraft"),
                pl.col("degraded").sum().alias("degraded"),
                pl.col("low").sum().alias("low"),
                pl.col("spoof").sum().alias("spoof"),
            )
            .filter(
                (pl.col("aircraft") >= self.min_aircraft)
                & (pl.col("degraded") >= 1)
                & (pl.col("degraded") / pl.col("aircraft") >= self.min_share)
            )
            .sort(["hour", "cell"])
        )
        events = self._areas(cell_hours, samples, ctx)
        events += self._spoofing(code, addresses, ts, lat, lon, sig, table, ctx)
        return DetectorOutput(tuple(events), self._daily(samples, per_aircraft, ctx))

    def _daily(self, samples: pl.DataFrame, per_aircraft: pl.DataFrame, ctx: DetectionContext) -> pa.Table:
        """Distinct and degraded aircraft per cell over the UTC day (rows of the day only, not the lead-in)."""
        day_start = int(ctx.day_start.timestamp() * 1e6) // HOUR_US
        day = per_aircraft.filter((pl.col("hour") >= day_start) & (pl.col("hour") < day_start + 24))
        by_cell = (
            day.group_by(["cell", "code"])
            .agg(pl.col("degraded").any())
            .group_by("cell")
            .agg(pl.len().alias("aircraft"), pl.col("degraded").sum().alias("degraded"))
            .sort("cell")
        )
        names = hexes.names(by_cell["cell"].to_list())
        keys = [f"gnss_aircraft/{c}" for c in names] + [f"gnss_degraded/{c}" for c in names]
        values = by_cell["aircraft"].cast(pl.Float64).to_list() + by_cell["degraded"].cast(pl.Float64).to_list()
        return pa.table(
            {
                "day": pa.array([ctx.day] * len(keys), pa.date32()),
                "detector": pa.array([self.name] * len(keys), pa.string()),
                "key": pa.array(keys, pa.string()),
                "value": pa.array(values, pa.float64()),
            },
            schema=AGGREGATES_SCHEMA,
        )

    def _areas(self, cell_hours: pl.DataFrame, samples: pl.DataFrame, ctx: DetectionContext) -> list[Event]:
        """Join flagged cell-hours that touch (neighbour cells, same or consecutive hour) into areas."""
        if cell_hours.height == 0:
            return []
        rows = cell_hours.to_dicts()
        neighbours = hexes.disks([int(r["cell"]) for r in rows], 1)
        parent = list(range(len(rows)))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        index: dict[tuple[int, int], int] = {(int(r["cell"]), int(r["hour"])): i for i, r in enumerate(rows)}
        for i, r in enumerate(rows):
            for cell in neighbours[i]:
                for hour in (int(r["hour"]) - 1, int(r["hour"]), int(r["hour"]) + 1):
                    j = index.get((cell, hour))
                    if j is not None:
                        parent[root(i)] = root(j)
        groups: dict[int, list[int]] = {}
        for i in range(len(rows)):
            groups.setdefault(root(i), []).append(i)
        events = []
        for members in groups.values():
            part = [rows[i] for i in members]
            cells_ = sorted({int(r["cell"]) for r in part})
            hours = [int(r["hour"]) for r in part]
            codes_in = samples.filter(pl.col("cell").is_in(cells_) & pl.col("hour").is_in(hours) & pl.col("degraded"))
            step_us = int(self.sample_s * 1e6)
            if codes_in.height:
                buckets = codes_in["bucket"].to_numpy()
                start_us, end_us = int(buckets.min()) * step_us, (int(buckets.max()) + 1) * step_us
            else:
                start_us, end_us = min(hours) * HOUR_US, (max(hours) + 1) * HOUR_US
            aircraft = sum(int(r["aircraft"]) for r in part)
            degraded = sum(int(r["degraded"]) for r in part)
            kinds = [k for k in ("low", "spoof") if sum(int(r[k]) for r in part)]
            centre_lat = float(np.mean(codes_in["lat"].to_numpy())) if codes_in.height else 0.0
            centre_lon = float(np.mean(codes_in["lon"].to_numpy())) if codes_in.height else 0.0
            names = hexes.names(cells_)
            events.append(
                Event(
                    type="gnss_interference",
                    start=micros_to_datetime(start_us),
                    end=micros_to_datetime(end_us),
                    detector=self.name,
                    detector_version=self.version,
                    geometry=json.dumps(
                        {"type": "MultiPolygon", "coordinates": [[r] for r in hexes.boundaries(cells_)]}
                    ),
                    subjects=(),
                    attributes={
                        "cells": names,
                        "resolution": self.resolution,
                        "cell_hours": len(part),
                        "aircraft_cell_hours": aircraft,
                        "degraded_cell_hours": degraded,
                        "peak_share": round(max(int(r["degraded"]) / int(r["aircraft"]) for r in part), 3),
                        "kinds": ["integrity_low" if k == "low" else "spoofing" for k in kinds],
                        "centre_lat_deg": round(centre_lat, 4),
                        "centre_lon_deg": round(centre_lon, 4),
                    },
                    flags=("integrity_degraded",),
                )
            )
        return events

    def _spoofing(
        self,
        code: npt.NDArray[np.int64],
        addresses: list[str],
        ts: npt.NDArray[np.int64],
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        sig: SpoofSignatures,
        table: pa.Table,
        ctx: DetectionContext,
    ) -> list[Event]:
        rows = np.flatnonzero(sig.any)
        if len(rows) == 0:
            return []
        new = np.r_[True, (code[rows[1:]] != code[rows[:-1]]) | (np.diff(ts[rows]) > self.merge_s * 1e6)]
        firsts = np.flatnonzero(new)
        lasts = np.r_[firsts[1:], len(rows)] - 1
        source_file = table["source_file"]
        source_offset = table["source_offset"]
        callsigns = table["callsign"]
        events = []
        for f, g in zip(firsts, lasts, strict=True):
            burst = rows[f : g + 1]
            if len(burst) < self.min_degraded_samples:
                continue
            a, b = int(burst[0]), int(burst[-1])
            # a frozen burst began when the position stopped moving, frozen_s before the first flagged row
            first = int(sig.run_start[a]) if sig.frozen[a] else a
            onset = first - 1 if first > 0 and code[first - 1] == code[first] else first
            counts = {
                "frozen": int(sig.frozen[burst].sum()),
                "jump": int(sig.jump[burst].sum()),
                "slow_high": int(sig.slow_high[burst].sum()),
                "out_of_range": int(sig.out_of_range[burst].sum()),
            }
            step = max(1, len(burst) // 200)
            pts = [[round(float(lon[r]), 5), round(float(lat[r]), 5)] for r in burst[::step]]
            callsign = callsigns[b].as_py()
            events.append(
                Event(
                    type="position_spoofing",
                    start=micros_to_datetime(int(ts[first])),
                    end=micros_to_datetime(int(ts[b])),
                    detector=self.name,
                    detector_version=self.version,
                    geometry=json.dumps({"type": "MultiPoint", "coordinates": pts}),
                    subjects=(subject_for(addresses[int(code[a])], callsign, ctx.reference),),
                    attributes={
                        "signatures": counts,
                        "rows": len(burst),
                        "onset_lat_deg": round(float(lat[onset]), 5),
                        "onset_lon_deg": round(float(lon[onset]), 5),
                        "reported_bbox": [
                            round(float(lon[burst].min()), 4),
                            round(float(lat[burst].min()), 4),
                            round(float(lon[burst].max()), 4),
                            round(float(lat[burst].max()), 4),
                        ],
                    },
                    flags=("integrity_degraded",),
                    evidence=tuple(
                        Evidence(EvidenceKind.POSITION, str(source_file[r].as_py()), int(source_offset[r].as_py()))
                        for r in (onset, a, b)
                    ),
                )
            )
        return events
