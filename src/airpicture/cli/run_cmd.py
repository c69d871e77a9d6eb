"""``airpicture run [--day D]``: the main job over the workspace inbox."""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Annotated

import typer

from airpicture.cli.engine_options import EngineOption, SchedulerOption, WorkersOption
from airpicture.cli.export_cmd import parse_day
from airpicture.cli.output import print_json
from airpicture.cli.reports_cmd import KEEP_DELIVERED_WARNING, ensure_passphrase
from airpicture.cli.state import get_state

if TYPE_CHECKING:
    from datetime import date

    from airpicture.cli.state import AppState
    from airpicture.pipeline.detect import DayRunner
    from airpicture.pipeline.run import Progress as Tell
    from airpicture.pipeline.run import RunSummary
    from airpicture.store import Workspace

# The pipeline (DuckDB, Arrow, …) is imported inside the command, so that --help starts fast.

KILL_AT = "TEST_AIRPICTURE_KILL_AT"
"""Test hook (tests/run): ``stage:done``, e.g. ``tracks:0``, ``ingest:2``: the run kills itself (SIGKILL) when
it reports that progress, so a test can stop it at a chosen stage boundary; ``stage:done:STOP`` stops it
(SIGSTOP) there instead, holding what it holds, until the test continues it (SIGCONT)."""


def _kill_hook(progress: Tell | None) -> Tell | None:
    at = os.environ.get(KILL_AT, "")
    if not at:
        return progress

    stop = at.endswith(":STOP")
    point = at.removesuffix(":STOP")

    def tell(stage: str, done: int, total: int | None) -> None:
        if f"{stage}:{done}" == point:
            os.kill(os.getpid(), signal.SIGSTOP if stop else signal.SIGKILL)
        if progress is not None:
            progress(stage, done, total)

    return tell


def run_command(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option(help="Report day YYYY-MM-DD; default: the latest day with data.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
    keep_delivered: Annotated[
        bool, typer.Option("--keep-delivered", help="Leave report exports in the inbox after import (unsafe).")
    ] = False,
    engine: EngineOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Ingest everything new in <workspace>/inbox, then tracks, detect, claims, assess and the report."""
    from airpicture.scale.drivers import EngineChoice, day_runner

    state = get_state(ctx)
    workspace = state.workspace()
    chosen = parse_day(day) if day else None
    ensure_passphrase(workspace.root)
    if keep_delivered:
        state.err.print(f"warning: {KEEP_DELIVERED_WARNING}", highlight=False, markup=False)
    with day_runner(state.settings, EngineChoice(engine, workers, scheduler)) as runner:
        summary = _run_all(state, workspace, chosen, as_json, keep_delivered, runner)
    _print_summary(state, summary, as_json)


def _run_all(
    state: AppState,
    workspace: Workspace,
    chosen: date | None,
    as_json: bool,
    keep_delivered: bool,
    runner: DayRunner | None,
) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from airpicture.pipeline.run import STAGES, run_all  # here, not at the top: --help stays fast

    if state.show_progress and not as_json:
        with Progress(
            TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=state.err, transient=False,
        ) as bar:  # fmt: skip
            tasks = {stage: bar.add_task(stage, total=None, visible=False) for stage in STAGES}

            def show(stage: str, done: int, total: int | None) -> None:
                bar.update(tasks[stage], completed=done, total=total, visible=True)

            return run_all(workspace, state.settings, state.clock, chosen, _kill_hook(show), keep_delivered, runner)
    return run_all(workspace, state.settings, state.clock, chosen, _kill_hook(None), keep_delivered, runner)


def _print_summary(state: AppState, summary: RunSummary, as_json: bool) -> None:
    if as_json:
        print_json(
            state.out,
            {
                "new_files": summary.new_files,
                "failed_files": summary.failed_files,
                "time_bases": summary.time_bases,
                "warnings": summary.warnings,
                "approximate_items": list(summary.approximate_items),
                "positions": summary.positions,
                "notams": summary.notams,
                "reports": summary.reports,
                "appearances": summary.appearances,
                "tracks": summary.tracks,
                "detected_days": summary.detected_days,
                "events": summary.events,
                "claims": summary.claims,
                "status_changes": summary.status_changes,
                "assessed_days": summary.assessed_days,
                "day": summary.day,
                "judgment_id": summary.judgment_id,
                "judgment": summary.judgment,
                "confidence": summary.confidence,
                "change": summary.change,
                "report_files": list(summary.report_files),
                "seconds": summary.seconds,
            },
        )
    else:
        for line in summary.lines():
            state.out.print(line, highlight=False, markup=False)
    if state.settings.alerts.rules:  # alerts on what this run found (docs/alerts.md)
        from airpicture.cli.alerts_cmd import _say_outcome, run_alerts

        planned, sent = run_alerts(state)
        if not as_json:
            _say_outcome(state, planned, sent)
    if summary.failed_files:
        raise typer.Exit(2)
