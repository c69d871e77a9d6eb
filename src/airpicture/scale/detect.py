"""Detection on a cluster: :func:`~airpicture.pipeline.detect.detect_day` mapped over UTC days.

A day's detection depends on the days before it only through their aggregates (baselines), their events of
watch-list aircraft (novelty) and whether any of them had positions inside the region (monitoring start). Those
three do not themselves depend on the days before, so the days run in two parallel passes:

1. every day with the store's history: its aggregates, novelty events and coverage are already exact;
2. every day again with the history, earlier events and monitoring start that the local driver would have
   handed it (folded on the driver from pass 1, with the local driver's own ``history_after``).

Pass 2's detections are the local driver's, event for event; a day whose pass-2 aggregates differ from pass 1
(a detector whose aggregates depend on history: the assumption broken) fails the run rather than store a
result that could differ. The stitching across midnight and the storing stay on the driver
(``run_detection``). Cost: two detections per day (docs/scale.md gives the measured overhead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pyarrow as pa

from airpicture.model.errors import AirpictureError
from airpicture.model.events import Event
from airpicture.pipeline.detect import (
    DayDetection,
    DayRunner,
    DetectionPlan,
    RunStart,
    detect_day,
    history_after,
    novelty_earlier,
)
from airpicture.scale.engine import TaskFailed, map_tasks, share

DayInputs = tuple[pa.Table, tuple[Event, ...], date | None]
"""What a day is handed: the history before it, earlier novelty events, the monitoring start."""


DayTask = Callable[[date, DetectionPlan, dict[date, DayInputs]], DayDetection]


class DistributedDetectionFailed(AirpictureError):
    """A day's detection failed on the cluster (after its retries); nothing of the run was stored."""


def day_task(day: date, plan: DetectionPlan, inputs: dict[date, DayInputs]) -> DayDetection:
    """The task of one day: :func:`~airpicture.pipeline.detect.detect_day` with what the day is handed."""
    history, earlier, since = inputs[day]
    return detect_day(plan, day, history, earlier, since)


def _checked(results: Sequence[DayDetection | TaskFailed]) -> list[DayDetection]:
    failed = [r for r in results if isinstance(r, TaskFailed)]
    if failed:
        lines = "; ".join(f"day {f.item}: {f.reason}" for f in failed)
        raise DistributedDetectionFailed(f"{len(failed)} day(s) failed on the cluster, nothing stored: {lines}")
    return [r for r in results if isinstance(r, DayDetection)]


def handed_over(start: RunStart, first_pass: Sequence[DayDetection]) -> dict[date, DayInputs]:
    """Per day, the (history, earlier events, monitoring start) the local driver would hand it, from the
    days before it (``first_pass``, in day order): the same fold as ``run_days_locally``."""
    history, earlier, since = start.history, list(start.earlier), start.monitoring_since
    out = {}
    for detection in first_pass:
        out[detection.day] = (history, tuple(earlier), since)
        if detection.in_region and since is None:
            since = detection.day
        earlier.extend(novelty_earlier(detection))
        history = history_after(history, detection)
    return out


def dask_day_runner(client: Any, retries: int = 2, task: DayTask = day_task) -> DayRunner:
    """A :data:`~airpicture.pipeline.detect.DayRunner` that maps the days over ``client``'s workers.

    ``task`` is :func:`day_task` (a test wraps it: a worker that dies mid-task)."""

    def run(
        plan: DetectionPlan, days: Sequence[date], start: RunStart, advance: Callable[[int], None] | None = None
    ) -> list[DayDetection]:
        ordered = sorted(days)
        stored_inputs = {d: (start.history, start.earlier, start.monitoring_since) for d in ordered}
        shared_plan = share(client, plan)  # once per run: a worker loads the reference data it needs once
        first = _checked(map_tasks(client, task, ordered, shared_plan, stored_inputs, retries=retries))
        inputs = handed_over(start, first)
        second = _checked(map_tasks(client, task, ordered, shared_plan, inputs, retries=retries))
        for one, two in zip(first, second, strict=True):
            if not one.aggregates.equals(two.aggregates):
                raise DistributedDetectionFailed(
                    f"day {one.day}: aggregates depend on earlier days; the two-pass distributed detection "
                    "cannot reproduce the local run (run it with --engine local)"
                )
        if advance is not None:
            for _ in second:
                advance(1)
        return second

    return run
