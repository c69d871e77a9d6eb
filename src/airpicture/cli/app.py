"""``airpicture``: the command line.

Command modules import the pipeline (DuckDB, Arrow, Polars, shapely, …) inside their commands, never at
the top, so that ``--help``, ``--version`` and ``version`` start fast (a test checks what they load).

Errors raised on purpose (``AirpictureError``) print as one line on standard error and exit with
their ``exit_code`` (2 for bad input the user can fix, 1 for failures); ``--debug`` shows the
traceback. Typer/Click usage errors exit 2.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from airpicture import __version__
from airpicture.cli import (
    alerts_cmd,
    appearances_cmd,
    assess_cmd,
    claims_cmd,
    demo_cmd,
    detect_cmd,
    export_cmd,
    ingest_cmd,
    intake_cmd,
    live_cmd,
    notam_cmd,
    reference_cmd,
    report_cmd,
    reports_cmd,
    run_cmd,
    serve_cmd,
    simulate_cmd,
    sources_cmd,
    tracks_cmd,
    workspace_cmd,
)
from airpicture.cli.state import build_state, get_state
from airpicture.model.errors import AirpictureError

app = typer.Typer(
    name="airpicture",
    help="Build a sourced picture of military air activity over a region, and assess what it means.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(workspace_cmd.app, name="workspace")
app.add_typer(reference_cmd.app, name="reference")
app.add_typer(notam_cmd.app, name="notam")
app.add_typer(reports_cmd.app, name="reports")
app.add_typer(claims_cmd.app, name="claims")
app.add_typer(sources_cmd.app, name="sources")
app.add_typer(appearances_cmd.app, name="appearances")
app.add_typer(intake_cmd.app, name="intake")
app.command("demo")(demo_cmd.demo)
app.command("export")(export_cmd.export)
app.command("detect")(detect_cmd.detect)
app.add_typer(detect_cmd.events_app, name="events")
app.command("ingest")(ingest_cmd.ingest)
app.add_typer(tracks_cmd.app, name="tracks")
app.command("simulate")(simulate_cmd.simulate)
app.command("evaluate")(simulate_cmd.evaluate)
app.command("assess")(assess_cmd.assess_command)
app.add_typer(assess_cmd.judgments_app, name="judgments")
app.command("report")(report_cmd.report_command)
app.command("run")(run_cmd.run_command)
app.add_typer(alerts_cmd.app, name="alerts")
app.add_typer(serve_cmd.app, name="serve")
app.add_typer(live_cmd.app, name="live")


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"airpicture {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    _version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version),
    ] = False,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-w", help="Workspace folder [env AIRPICTURE_WORKSPACE].", show_default=False),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Settings file (TOML) [env AIRPICTURE_CONFIG].", show_default=False),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, show_default=False, help="More log output (-vv: debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only results and errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    """Global options, read once into settings shared by every command."""
    verbosity = -1 if quiet else verbose
    state = build_state(workspace, config, verbosity, debug)
    ctx.obj = state
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    if verbosity == 0:
        level = logging.getLevelNamesMapping().get(state.settings.log_level.upper(), logging.WARNING)
    # Log lines never carry request metadata or report content (DESIGN.md: protecting people).
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def version(ctx: typer.Context) -> None:
    """Print the airpicture version."""
    get_state(ctx).out.print(f"airpicture {__version__}", highlight=False)


@app.command("settings")
def show_settings(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the effective settings (defaults, file, environment and flags merged)."""
    from airpicture.cli.output import print_fields, print_json
    from airpicture.model.settings import iter_settings

    state = get_state(ctx)
    values = {}
    for name, _ in iter_settings():
        value: object = state.settings
        for part in name.split("."):
            value = getattr(value, part)
        values[name] = value
    if as_json:
        print_json(state.out, values)
    else:
        print_fields(state.out, values, "settings")


ALLOCATOR_SETTINGS = {
    # Arrow's default pool (mimalloc) keeps freed pages; the system allocator hands large blocks back at once
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    # Polars' jemalloc returns dirty pages after 100 ms instead of 10 s: one stage's peak is not kept for the next
    "_RJEM_MALLOC_CONF": "dirty_decay_ms:100,muzzy_decay_ms:0",
}
"""Read by pyarrow and Polars when they load, so set before any command imports them (the user's own values
win). With them the demo's peak memory is that of its largest stage, not the sum of what each library kept."""


def tune_allocators() -> None:
    """Set :data:`ALLOCATOR_SETTINGS` in the environment where the user has not (before pyarrow/Polars load)."""
    for name, value in ALLOCATOR_SETTINGS.items():
        os.environ.setdefault(name, value)


def main() -> None:
    """Console-script entry point."""
    tune_allocators()
    debug = "--debug" in sys.argv[1:]
    try:
        app(prog_name="airpicture")
    except AirpictureError as exc:
        if debug:
            raise
        sys.stderr.write(f"airpicture: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("airpicture: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: still one line unless --debug
        if debug:
            raise
        sys.stderr.write(f"airpicture: unexpected error: {type(exc).__name__}: {exc} (run with --debug)\n")
        sys.exit(1)


__all__ = ["app", "main"]
