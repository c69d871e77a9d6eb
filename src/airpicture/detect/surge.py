"""Activity surge: more aviation in a local-time window (a night) than its baseline.

"Increased aviation over Belarus this night: 41 aircraft-hours of military aircraft against a median of 12."

The window is the region's night (``night_start``–``night_end`` in ``timezone``). Each UTC day adds, for
every night that overlaps it, the counts of its part of the night as per-day aggregates
(``night/<local date>/<metric>``), so the two UTC days of one night add up and nothing is recounted:

- ``aircraft_hours/<role>`` and ``aircraft_hours/all``: per hour of the night (from its start), distinct
  watch-list aircraft of each role (and every aircraft) heard, with or without position, summed;
- ``movements/<airfield>`` (watched airfields) and ``movements/military``: take-offs and landings found by
  the airfield-movement detector (this detector runs after it and reads the day's events);
- ``uptime_hours``: ten-minute slots in which the receivers heard anything, over six — the coverage proxy.

When a night ends in the day, its counts are compared with the earlier ``baseline_nights`` monitored
nights (``uptime_hours`` > 0), normalised by coverage: the expected count is the baseline's median count
per uptime hour times this night's uptime hours. The z-score uses the baseline's MAD (×1.4826, at least
the Poisson spread), the p-value a negative-binomial tail with the baseline's over-dispersion. One
``activity_surge`` event per night lists every metric with z ≥ ``min_z`` or p ≤ ``max_p`` (and at least
``min_count``); its headline is the most significant. No event without ``min_baseline_nights`` nights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from airpicture.detect.framework import AGGREGATES_SCHEMA, DetectionContext, DetectorOutput
from airpicture.detect.tables import datetime_to_micros
from airpicture.model.events import Event
from airpicture.model.region import Region

HOUR_US = 3_600_000_000
SLOT_US = 600_000_000


def night_bounds(region: Region, night: date) -> tuple[datetime, datetime]:
    """UTC start and end of the night that starts on local date ``night``."""
    zone = region.zone
    start = datetime.combine(night, region.night_start, tzinfo=zone)
    end_day = night + timedelta(days=1) if region.night_end <= region.night_start else night
    end = datetime.combine(end_day, region.night_end, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def nights_touching(region: Region, day_start: datetime, day_end: datetime) -> list[tuple[date, datetime, datetime]]:
    out = []
    for offset in (-1, 0, 1):
        night = (day_start + timedelta(days=offset)).date()
        start, end = night_bounds(region, night)
        if start < day_end and end > day_start:
            out.append((night, start, end))
    return out


@dataclass(frozen=True, slots=True)
class ActivitySurgeDetector:
    """Night-time activity per role and watched airfield against a coverage-normalised baseline."""

    name: ClassVar[str] = "activity_surge"
    version: ClassVar[int] = 1
    columns: ClassVar[frozenset[str]] = frozenset({"icao24", "ts"})
    consumes_events: ClassVar[bool] = True
    reports_ended_windows: ClassVar[bool] = True

    baseline_nights: int = 28
    min_baseline_nights: int = 7
    min_z: float = 3.0
    max_p: float = 0.001
    min_count: float = 3.0

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        counts: dict[tuple[date, str], float] = {}
        day_start, day_end = ctx.day_start, ctx.day_end
        nights = nights_touching(ctx.region, day_start, day_end)
        roles = _roles(positions, ctx.reference)
        ts_all: Any = pc.cast(positions["ts"], pa.int64())
        for night, start, end in nights:
            lo, hi = max(start, day_start), min(end, day_end)
            lo_us, hi_us, start_us = datetime_to_micros(lo), datetime_to_micros(hi), datetime_to_micros(start)
            mask: Any = pc.and_(pc.greater_equal(ts_all, pa.scalar(lo_us)), pc.less(ts_all, pa.scalar(hi_us)))
            part = positions.filter(mask)
            counts[(night, "uptime_hours")] = 0.0
            if part.num_rows:
                ts = pc.cast(part["ts"], pa.int64()).to_numpy()
                counts[(night, "uptime_hours")] = len(np.unique((ts - start_us) // SLOT_US)) / 6.0
                frame = pl.DataFrame(
                    {"address": part["icao24"].to_numpy(zero_copy_only=False), "hour": (ts - start_us) // HOUR_US}
                )
                hourly = frame.unique()
                counts[(night, "aircraft_hours/all")] = float(hourly.height)
                if roles:
                    with_role = hourly.with_columns(pl.col("address").replace_strict(roles, default=None).alias("role"))
                    for role, n in with_role.drop_nulls("role").group_by("role").len().iter_rows():
                        counts[(night, f"aircraft_hours/{role}")] = float(n)
            watched = _watched_airfields(ctx)
            for event in ctx.events:
                if event.type not in ("takeoff", "landing") or not lo <= event.start < hi:
                    continue
                airfield = event.attributes.get("airfield")
                if airfield in watched:
                    key = (night, f"movements/{airfield}")
                    counts[key] = counts.get(key, 0.0) + 1
                if event.subjects and event.subjects[0].role:
                    key = (night, "movements/military")
                    counts[key] = counts.get(key, 0.0) + 1
        aggregates = _aggregates(ctx.day, self.name, counts)
        events: list[Event] = []
        for night, start, end in nights:
            if day_start < end <= day_end:
                surge = self._judge(night, start, end, counts, ctx)
                if surge is not None:
                    events.append(surge)
        return DetectorOutput(tuple(events), aggregates)

    def _judge(
        self, night: date, start: datetime, end: datetime, today: dict[tuple[date, str], float], ctx: DetectionContext
    ) -> Event | None:
        totals = _night_totals(ctx.history, self.name, ctx.day)
        for (n, metric), value in today.items():
            totals[(n, metric)] = totals.get((n, metric), 0.0) + value
        uptime = totals.get((night, "uptime_hours"), 0.0)
        earlier = sorted(
            n for (n, metric), v in totals.items()
            if metric == "uptime_hours" and v > 0 and night - timedelta(days=self.baseline_nights) <= n < night
        )  # fmt: skip
        if uptime <= 0 or len(earlier) < self.min_baseline_nights:
            return None
        metrics = sorted({m for (n, m) in totals if n == night and m != "uptime_hours"})
        found: list[dict[str, Any]] = []
        for metric in metrics:
            count = totals[(night, metric)]
            past = np.array([totals.get((n, metric), 0.0) for n in earlier])
            past_uptime = np.array([totals[(n, "uptime_hours")] for n in earlier])
            rates = past / past_uptime
            expected = float(np.median(rates)) * uptime
            spread = 1.4826 * float(np.median(np.abs(rates - np.median(rates)))) * uptime
            z = (count - expected) / max(spread, math.sqrt(max(expected, 1.0)))
            p = _nb_tail(count, rates * uptime)
            if count >= self.min_count and (z >= self.min_z or p <= self.max_p):
                found.append(
                    {
                        "metric": metric,
                        "count": count,
                        "expected": round(expected, 2),
                        "baseline_median": round(float(np.median(past)), 2),
                        "z": round(z, 2),
                        "p_value": float(f"{p:.3g}"),
                    }
                )
        if not found:
            return None
        found.sort(key=lambda m: (m["p_value"], -m["z"]))
        head = found[0]
        return Event(
            type="activity_surge",
            start=start,
            end=end,
            detector=self.name,
            detector_version=self.version,
            attributes={
                "night": night.isoformat(),
                "region": ctx.region.name,
                **head,
                "metrics": found,
                "baseline_nights": len(earlier),
                "baseline_first": earlier[0].isoformat(),
                "uptime_hours": round(uptime, 2),
                "aggregates": f"day_aggregates: detector {self.name}, keys night/{night.isoformat()}/*",
            },
        )


def _nb_tail(count: float, past: Iterable[float]) -> float:
    """P(X ≥ count) for a negative binomial with the mean and variance of ``past`` (Poisson when not over-dispersed)."""
    values = np.asarray(list(past), dtype=np.float64)
    mean = max(float(values.mean()), 0.5)
    var = float(values.var(ddof=1)) if len(values) > 1 else mean
    if var <= mean * 1.01:
        return float(stats.poisson.sf(count - 1, mean))
    n = mean * mean / (var - mean)
    return float(stats.nbinom.sf(count - 1, n, n / (n + mean)))


def _roles(positions: pa.Table, reference: Any) -> dict[str, str]:
    if reference is None or positions.num_rows == 0:
        return {}
    out: dict[str, str] = {}
    for address in pc.unique(positions["icao24"]).to_pylist():
        aircraft = reference.aircraft(address) if address else None
        if address and aircraft is not None:
            out[str(address)] = str(aircraft.role)
    return out


def _watched_airfields(ctx: DetectionContext) -> set[str]:
    if ctx.reference is None:
        return set()
    return {ctx.reference.airfield(name).ident for name in ctx.region.airfields}


def _aggregates(day: date, detector: str, counts: dict[tuple[date, str], float]) -> pa.Table:
    items = sorted(counts.items())
    return pa.table(
        {
            "day": pa.array([day] * len(items), pa.date32()),
            "detector": pa.array([detector] * len(items), pa.string()),
            "key": pa.array([f"night/{n.isoformat()}/{m}" for (n, m), _ in items], pa.string()),
            "value": pa.array([v for _, v in items], pa.float64()),
        },
        schema=AGGREGATES_SCHEMA,
    )


def _night_totals(history: pa.Table, detector: str, before: date) -> dict[tuple[date, str], float]:
    """Sum the night parts stored by earlier days: (night, metric) → total."""
    if history.num_rows == 0:
        return {}
    frame = pl.from_arrow(history)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.filter(
        (pl.col("detector") == detector) & pl.col("key").str.starts_with("night/") & (pl.col("day") < before)
    )
    out: dict[tuple[date, str], float] = {}
    for key, value in frame.group_by("key").agg(pl.col("value").sum()).iter_rows():
        _, night, metric = key.split("/", 2)
        out[(date.fromisoformat(night), metric)] = float(value)
    return out
