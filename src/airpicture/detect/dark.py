"""Going dark: an aircraft of interest stops transmitting its position where receivers normally hear aircraft.

"… switched off its transponder near Homiel at 20:30 UTC."

A track's last trusted fix is a candidate when no position of that address follows for ``silence_s``,
it lies inside the watched country, it is not low near an airfield (a landing: within ``airfield_km`` and
below ``airfield_agl_ft`` above it), and the track did not simply run into the end of the data.

Coverage decides whether the silence means anything. It is estimated per H3 cell (``resolution``) and
altitude band (below 3,000 / 10,000 / 20,000 ft and above): a band is covered where aircraft at that
altitude *or lower* are heard (lower aircraft are harder to hear). Two sources, either suffices:

- *now*: another aircraft heard in the cell or its neighbours within ``nearby_s`` of the silence;
- *history*: the per-day aggregates this detector emits (``coverage/<cell>/<band>``, samples of
  ``sample_s`` per aircraft) show the cell's neighbourhood heard on at least ``min_history_share`` of the
  earlier days (up to ``history_days``).

Both the last position and the position extrapolated ``lookahead_s`` ahead along the last course must be
covered: an aircraft flying out of coverage is not going dark (not at the edge of coverage). When the
same address is still heard without position (Mode S replies) the event says so (``mode_s_after``,
flag ``mode_s_still_heard``): the transponder is on and ADS-B position reporting was switched off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.detect import hexes
from airpicture.detect.framework import AGGREGATES_SCHEMA, DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.movement import RUNWAY_KINDS
from airpicture.detect.proximity import is_of_interest
from airpicture.detect.tables import FIXES_COLUMNS, SUSPECT_FLAGS, Fixes, datetime_to_micros, micros_to_datetime
from airpicture.geo import destination, haversine_km, initial_bearing_deg
from airpicture.model.events import Event

BAND_EDGES_FT = np.array([3000.0, 10000.0, 20000.0])
"""Altitude bands: 0 below 3,000 ft, 1 below 10,000, 2 below 20,000, 3 above."""


def bands(alt_ft: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.searchsorted(BAND_EDGES_FT, np.nan_to_num(alt_ft, nan=np.inf), side="right").astype(np.int64)


@dataclass(frozen=True, slots=True)
class GoingDarkDetector:
    """Aircraft of interest whose positions stop inside covered airspace."""

    name: ClassVar[str] = "going_dark"
    version: ClassVar[int] = 2
    columns: ClassVar[frozenset[str]] = FIXES_COLUMNS | {"df"}

    silence_s: float = 600.0
    frozen_s: float = 120.0
    """A track whose positions stood still for this long while airborne ended frozen (spoofing), not dark."""
    frozen_min_alt_ft: float = 1000.0
    resolution: int = 4
    sample_s: float = 10.0
    nearby_s: float = 10800.0
    lookahead_s: float = 180.0
    history_days: int = 28
    min_history_share: float = 0.5
    airfield_km: float = 25.0
    airfield_agl_ft: float = 5000.0
    of_interest_only: bool = True

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        # every positioned row, flagged or not: a spoofed or frozen position is still a transmission
        fixes = Fixes.from_table(positions)
        if len(fixes) == 0:
            return DetectorOutput()
        trusted = (fixes.flags & int(SUSPECT_FLAGS)) == 0
        rows = fixes.thinned(self.sample_s)
        rows = rows[trusted[rows]]
        samples = pl.DataFrame(
            {
                "cell": hexes.cells(fixes.lat[rows], fixes.lon[rows], self.resolution),
                "band": bands(fixes.alt_ft[rows]),
                "code": fixes.address_code[rows],
                "ts": fixes.ts_us[rows],
            }
        )
        aggregates = self._coverage_aggregates(samples, ctx)
        candidates = self._candidates(fixes, ctx)
        if len(candidates) == 0:
            return DetectorOutput(aggregates=aggregates)
        history = self._history(ctx)
        events = []
        for i in candidates:
            event = self._judge(int(i), fixes, positions, samples, history, ctx)
            if event is not None:
                events.append(event)
        return DetectorOutput(tuple(events), aggregates)

    def _coverage_aggregates(self, samples: pl.DataFrame, ctx: DetectionContext) -> pa.Table:
        start, end = datetime_to_micros(ctx.day_start), datetime_to_micros(ctx.day_end)
        counts = (
            samples.filter((pl.col("ts") >= start) & (pl.col("ts") < end))
            .group_by(["cell", "band"])
            .agg(pl.len().alias("n"))
            .sort(["cell", "band"])
        )
        keys = [f"coverage/{c:x}/{b}" for c, b in zip(counts["cell"].to_list(), counts["band"].to_list(), strict=True)]
        return pa.table(
            {
                "day": pa.array([ctx.day] * len(keys), pa.date32()),
                "detector": pa.array([self.name] * len(keys), pa.string()),
                "key": pa.array(keys, pa.string()),
                "value": pa.array(counts["n"].cast(pl.Float64).to_list(), pa.float64()),
            },
            schema=AGGREGATES_SCHEMA,
        )

    def _candidates(self, fixes: Fixes, ctx: DetectionContext) -> npt.NDArray[np.int64]:
        segment = fixes.segments(self.silence_s)
        last = np.flatnonzero(np.r_[segment[1:] != segment[:-1], True])
        # a track that ends on a flagged position went on transmitting nonsense (GNSS interference), not dark
        last = last[(fixes.flags[last] & int(SUSPECT_FLAGS)) == 0]
        # nor does one that ends on a frozen position: airborne, yet the position has not moved for minutes
        # (spoofing; the aircraft flew on, out of coverage, while its reported position stood still)
        last = last[~self._ends_frozen(fixes, segment, last)]
        # the data must go on after the silence (else the recording ended, not the transmissions)
        data_end = int(fixes.ts_us.max())
        last = last[fixes.ts_us[last] <= min(data_end, datetime_to_micros(ctx.day_end)) - self.silence_s * 1e6]
        if self.of_interest_only:
            last = last[is_of_interest(fixes.addresses, ctx.reference)[fixes.address_code[last]]]
        if len(last) and ctx.geometry is not None:
            inside = ctx.geometry.countries_at(fixes.lat[last], fixes.lon[last]) == ctx.region.watched_country
            last = last[inside]
        if len(last) and ctx.reference is not None:
            airfields = ctx.reference.airfields
            rows, dist_km = airfields.nearest_rows(fixes.lat[last], fixes.lon[last], kinds=RUNWAY_KINDS)
            elevation = np.nan_to_num(
                np.asarray(airfields.table["elevation_ft"].to_numpy(), dtype=np.float64)[np.clip(rows, 0, None)]
            )
            agl = np.nan_to_num(fixes.alt_ft[last], nan=0.0) - elevation
            landing = (rows >= 0) & (dist_km <= self.airfield_km) & (agl <= self.airfield_agl_ft)
            last = last[~landing]
        return np.asarray(last, dtype=np.int64)

    def _ends_frozen(
        self, fixes: Fixes, segment: npt.NDArray[np.int64], last: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Per candidate: its track's positions over the last ``frozen_s`` stood still (within ~100 m) while
        the aircraft was airborne (above ``frozen_min_alt_ft``)."""
        frozen = np.zeros(len(last), dtype=bool)
        for k, row in enumerate(last):
            # segment ids are non-decreasing and times sorted within a segment: two binary searches
            lo = int(np.searchsorted(segment, segment[row], side="left"))
            start = lo + int(np.searchsorted(fixes.ts_us[lo : row + 1], fixes.ts_us[row] - self.frozen_s * 1e6))
            window = np.arange(start, row + 1)
            if len(window) < 5 or fixes.ts_us[row] - fixes.ts_us[window[0]] < 0.9 * self.frozen_s * 1e6:
                continue
            span_deg = max(np.ptp(fixes.lat[window]), np.ptp(fixes.lon[window]))
            airborne = np.nanmin(np.nan_to_num(fixes.alt_ft[window], nan=0.0)) > self.frozen_min_alt_ft
            frozen[k] = bool(span_deg < 1e-3 and airborne)
        return frozen

    def _history(self, ctx: DetectionContext) -> dict[tuple[int, int], int]:
        """(cell, band) → number of earlier days (within ``history_days``) on which it was heard; key 0 → days."""
        table = ctx.history
        if table.num_rows == 0:
            return {}
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        earliest = date.fromordinal(ctx.day.toordinal() - self.history_days)
        frame = frame.filter(
            (pl.col("detector") == self.name)
            & pl.col("key").str.starts_with("coverage/")
            & (pl.col("day") >= earliest)
            & (pl.col("day") < ctx.day)
        )
        if frame.height == 0:
            return {}
        out: dict[tuple[int, int], int] = {(0, 0): frame["day"].n_unique()}
        parts = frame.with_columns(pl.col("key").str.split("/").alias("p")).select(
            pl.col("p").list.get(1).alias("cell"), pl.col("p").list.get(2).cast(pl.Int64).alias("band"), "day"
        )
        for cell, band, days in parts.group_by(["cell", "band"]).agg(pl.col("day").n_unique()).iter_rows():
            out[(hexes.from_name(cell), int(band))] = int(days)
        return out

    def _covered(
        self, lat: float, lon: float, band: int, at_us: int, code: int, samples: pl.DataFrame,
        history: dict[tuple[int, int], int],
    ) -> tuple[bool, int, float]:  # fmt: skip
        """(covered, other aircraft heard nearby now, share of earlier days heard) at a point and band."""
        cell = int(hexes.cells([lat], [lon], self.resolution)[0])
        disk = hexes.disks([cell], 1)[0]
        others = samples.filter(
            pl.col("cell").is_in(disk)
            & (pl.col("band") <= band)
            & (pl.col("code") != code)
            & ((pl.col("ts") - at_us).abs() <= int(self.nearby_s * 1e6))
        )["code"].n_unique()
        days = history.get((0, 0), 0)
        heard_days = max((history.get((c, b), 0) for c in disk for b in range(band + 1)), default=0)
        share = heard_days / days if days else 0.0
        return bool(others >= 1 or (days and share >= self.min_history_share)), int(others), share

    def _judge(
        self, i: int, fixes: Fixes, positions: pa.Table, samples: pl.DataFrame, history: dict[tuple[int, int], int],
        ctx: DetectionContext,
    ) -> Event | None:  # fmt: skip
        code = int(fixes.address_code[i])
        band = int(bands(fixes.alt_ft[i : i + 1])[0])
        at_us = int(fixes.ts_us[i])
        ok, others, share = self._covered(float(fixes.lat[i]), float(fixes.lon[i]), band, at_us, code, samples, history)
        if not ok:
            return None
        # where it would be lookahead_s later on its last course and speed
        back = np.flatnonzero(
            (fixes.address_code[:i] == code) & (fixes.ts_us[:i] >= at_us - 120e6) & (fixes.ts_us[:i] <= at_us - 10e6)
        )
        ahead_ok, ahead_share = True, share
        if len(back):
            j = int(back[0])
            d_km = float(haversine_km(fixes.lat[j], fixes.lon[j], fixes.lat[i], fixes.lon[i]))
            speed_kmh = d_km / max((at_us - fixes.ts_us[j]) / 3.6e9, 1e-6)
            course = float(initial_bearing_deg(fixes.lat[j], fixes.lon[j], fixes.lat[i], fixes.lon[i]))
            lat2, lon2 = destination(fixes.lat[i], fixes.lon[i], course, speed_kmh * self.lookahead_s / 3600)
            ahead_ok, _, ahead_share = self._covered(float(lat2), float(lon2), band, at_us, code, samples, history)
        if not ahead_ok:
            return None
        address = fixes.address(i)
        later = fixes.ts_us[(fixes.address_code == code) & (fixes.ts_us > at_us)]
        silence_s = float((later.min() - at_us) / 1e6) if len(later) else None
        mode_s_after = _replies_after(positions, address, at_us, self.silence_s)
        at = micros_to_datetime(at_us)
        return Event(
            type="going_dark",
            start=at,
            end=at,
            detector=self.name,
            detector_version=self.version,
            geometry=json.dumps(
                {"type": "Point", "coordinates": [round(float(fixes.lon[i]), 6), round(float(fixes.lat[i]), 6)]}
            ),
            subjects=(subject_for(address, fixes.last_callsign(i), ctx.reference),),
            attributes={
                "alt_ft": None if np.isnan(fixes.alt_ft[i]) else round(float(fixes.alt_ft[i])),
                "silence_s": None if silence_s is None else round(silence_s),
                "heard_again": silence_s is not None,
                "mode_s_after": mode_s_after,
                "others_heard_nearby": others,
                "history_share": round(share, 2),
                "ahead_history_share": round(ahead_share, 2),
                "cell": f"{int(hexes.cells([fixes.lat[i]], [fixes.lon[i]], self.resolution)[0]):x}",
            },
            flags=("mode_s_still_heard",) if mode_s_after else (),
            evidence=fixes.evidence(i),
        )


def _replies_after(positions: pa.Table, address: str, at_us: int, window_s: float) -> int:
    """Mode S replies (not extended squitters) of ``address`` in ``(at, at + window_s]``: the transponder is on."""
    ts: Any = pc.cast(positions["ts"], pa.int64())
    icao: Any = positions["icao24"]
    df: Any = pc.fill_null(positions["df"], pa.scalar(17, pa.int8()))
    mask: Any = pc.and_(
        pc.and_(pc.equal(icao, pa.scalar(address)), pc.invert(pc.is_in(df, pa.array([17, 18, 19], pa.int8())))),
        pc.and_(pc.greater(ts, pa.scalar(at_us)), pc.less_equal(ts, pa.scalar(at_us + int(window_s * 1e6)))),
    )
    return int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
