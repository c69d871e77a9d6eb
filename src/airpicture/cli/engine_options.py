"""The engine flags shared by ``ingest``, ``detect`` and ``run`` (docs/scale.md)."""

from __future__ import annotations

from typing import Annotated

import typer

EngineOption = Annotated[
    str | None,
    typer.Option("--engine", help="local (this process) or dask (a cluster); default: the scale.engine setting."),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="With --engine dask and no --scheduler: worker processes of a local cluster."),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help="With --engine dask: address of an existing scheduler (tcp://host:8786)."),
]
