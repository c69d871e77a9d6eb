"""``airpicture reports import FILE``: observer reports from a bot or web-form export (CSV or JSON)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.output import print_json
from airpicture.cli.state import get_state

app = typer.Typer(
    help="Observer reports: import without storing anything that identifies the reporter.", no_args_is_help=True
)


@app.command("import")
def import_reports(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or JSON export; media files named in rows sit next to it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Import observer reports: identity columns dropped, text redacted, media stripped, claims refreshed."""
    from airpicture.pipeline.reports import import_file, load_reporter_key  # here: --help stays fast

    state = get_state(ctx)
    workspace = state.workspace()
    key = load_reporter_key(state.settings.reports.reporter_key_file.expanduser(), workspace.root)
    result = import_file(workspace, file, state.settings, state.clock, key)
    if as_json:
        print_json(
            state.out,
            {
                "imported": result.imported,
                "rejected": result.rejected,
                "errors": list(result.errors),
                "warnings": list(result.warnings),
                "media_stored": result.media_stored,
                "report_ids": list(result.report_ids),
            },
        )
        return
    for warning in result.warnings:
        state.err.print(f"warning: {warning}", highlight=False, markup=False)
    for error in result.errors:
        state.err.print(f"rejected: {error}", highlight=False, markup=False)
    state.say(
        f"imported {result.imported} reports, rejected {result.rejected}, stored {result.media_stored} media files"
    )
