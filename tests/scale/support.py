"""The scale tests' workspace: tests/scale/scenario.toml (three nights, simulated) run through the local driver."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from airpicture.model.clock import FixedClock
from airpicture.pipeline.detect import DayDetection, DetectionPlan
from airpicture.pipeline.simulate import run_simulation
from airpicture.reference import ReferenceData
from airpicture.scale.detect import DayInputs, day_task

SCENARIO = Path(__file__).with_name("scenario.toml")
CLOCK = FixedClock(datetime(2022, 7, 12, 6, tzinfo=UTC))
DAY = date(2022, 7, 11)


def simulate(out: Path) -> Path:
    run_simulation(str(SCENARIO), out, reference=ReferenceData())
    return out


@dataclass(frozen=True, slots=True)
class KillOnce:
    """:func:`day_task`, except that the first call anywhere (no ``marker`` yet) kills its own worker process
    mid-task: the scheduler must give the task to a fresh worker."""

    marker: Path

    def __call__(self, day: date, plan: DetectionPlan, inputs: dict[date, DayInputs]) -> DayDetection:
        try:
            with self.marker.open("x") as handle:
                handle.write(day.isoformat())
        except FileExistsError:
            return day_task(day, plan, inputs)
        os._exit(1)
