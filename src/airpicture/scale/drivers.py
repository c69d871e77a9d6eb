"""Choosing the engine: ``local`` (this process) or ``dask`` (a cluster), from the settings and the flags.

The Dask driver runs the same stage functions as the local one (``pipeline.detect.detect_day``); only the
scheduling differs (airpicture/scale/detect.py, the cluster in airpicture/scale/engine.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from airpicture.model.errors import UsageError
from airpicture.model.settings import Settings
from airpicture.pipeline.detect import DayRunner
from airpicture.scale.detect import dask_day_runner
from airpicture.scale.engine import EngineOptions, dask_client

ENGINES = ("local", "dask")


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """The flags ``--engine``, ``--workers`` and ``--scheduler``; None: the ``[scale]`` setting."""

    engine: str | None = None
    workers: int | None = None
    scheduler: str | None = None


def engine_options(settings: Settings, choice: EngineChoice) -> tuple[str, EngineOptions]:
    """The engine name and the cluster options that ``choice`` and the settings give."""
    engine = choice.engine or settings.scale.engine
    if engine not in ENGINES:
        raise UsageError("unknown engine", found=engine, expected=f"one of {', '.join(ENGINES)}", where="--engine")
    if engine == "local" and (choice.workers is not None or choice.scheduler is not None):
        raise UsageError("--workers and --scheduler go with --engine dask", where="--engine")
    options = EngineOptions(
        scheduler=choice.scheduler or settings.scale.scheduler or None,
        workers=choice.workers if choice.workers is not None else settings.scale.workers,
        retries=settings.scale.retries,
        memory_limit=settings.scale.worker_memory,
    )
    return engine, options


@contextmanager
def day_runner(settings: Settings, choice: EngineChoice) -> Iterator[DayRunner | None]:
    """The detection day runner of the chosen engine (None: the local driver), its cluster open meanwhile."""
    engine, options = engine_options(settings, choice)
    if engine == "local":
        yield None
        return
    with dask_client(options) as client:
        yield dask_day_runner(client, retries=options.retries)
