"""The one engine-specific module: a Dask distributed client, and mapping a function over items on it.

Everything else in ``airpicture.scale`` (and every stage function it maps) is engine-neutral. A client is
either a local cluster of ``workers`` processes on loopback (no dashboard, no other network) or an existing
cluster at ``scheduler`` (``tcp://host:8786``; started over SSH, Kubernetes or SLURM: docs/scale.md).

A task that fails is retried ``retries`` times (a worker that dies mid-task is replaced by the scheduler and
its task rescheduled, whatever ``retries`` says); one that still fails is returned as a :class:`TaskFailed`
naming its item and the reason, and the other tasks complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from airpicture.model.errors import UsageError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Where the work runs: ``scheduler`` (an address; None: a local cluster of ``workers`` processes)."""

    scheduler: str | None = None
    workers: int = 2
    retries: int = 2
    memory_limit: str = "auto"
    """Per worker (a Dask size, e.g. ``"4GiB"``; ``"auto"``: the machine's memory shared out)."""


@dataclass(frozen=True, slots=True)
class TaskFailed:
    """A task that failed after its retries: which item, and why."""

    item: str
    reason: str


@contextmanager
def dask_client(options: EngineOptions) -> Iterator[Any]:
    """A ``distributed.Client``: to ``options.scheduler``, else to a local cluster on 127.0.0.1, closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise UsageError("the Dask engine needs dask[distributed]", expected="pip install 'airpicture[scale]'") from exc
    if options.scheduler is not None:
        with Client(options.scheduler, set_as_default=False) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    if options.workers < 1:
        raise UsageError("a local cluster needs at least one worker", found=str(options.workers), where="--workers")
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=options.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # no dashboard; the scheduler's HTTP server (always started) on a free loopback port, never :8787
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            memory_limit=options.memory_limit,
            silence_logs=40,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


def map_tasks(
    client: Any,
    function: Callable[..., R],
    items: Sequence[T],
    *args: Any,
    name: Callable[[T], str] = str,
    retries: int = 2,
) -> list[R | TaskFailed]:
    """``function(item, *args)`` for every item on the cluster, results in the order of ``items``.

    ``args`` are sent to the workers once (scattered), not once per task; pass :func:`share` results to send
    a value once for several maps."""
    if not items:
        return []
    shared = [a if _is_future(a) else share(client, a) for a in args]
    futures = client.map(function, list(items), *[[s] * len(items) for s in shared], retries=retries, pure=False)
    out: list[R | TaskFailed] = []
    for item, future in zip(items, futures, strict=True):
        try:
            out.append(future.result())
        except Exception as exc:  # a task's own error (bad input) or a worker lost too often
            out.append(TaskFailed(name(item), f"{type(exc).__name__}: {exc}"))
    return out


def share(client: Any, value: Any) -> Any:
    """``value`` sent once to the cluster, as a future that tasks take as an argument.

    Not ``scatter``: scattered data held by a worker that dies is lost for good (its tasks are cancelled);
    a value inside the task graph is sent again by the scheduler to the worker that replaces it."""
    return client.submit(_same, value, pure=False)


def _same(value: T) -> T:
    return value


def _is_future(value: Any) -> bool:
    from distributed import Future

    return isinstance(value, Future)
