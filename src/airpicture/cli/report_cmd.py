"""``airpicture report --day D [--format html,md,json] [--out DIR]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.export_cmd import parse_day
from airpicture.cli.state import NOTHING_TO_ASSESS, get_state

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.


def report_command(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option(help="Report day YYYY-MM-DD (noon to noon local); default: the latest.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: html, md, json.")] = "html,md,json",
    out: Annotated[Path | None, typer.Option(help="Output folder (default <workspace>/reports).")] = None,
) -> None:
    """Write the daily air-picture report (assessing the day first); the renderer lint must pass. A night with
    nothing to assess in the region's frame gets no report: exit status 3."""
    from airpicture.pipeline.assess import latest_day
    from airpicture.pipeline.report import parse_formats, write_report

    state = get_state(ctx)
    workspace = state.workspace()
    chosen = parse_day(day) if day else latest_day(workspace, state.settings)
    result = write_report(workspace, state.settings, state.clock, chosen, formats=parse_formats(fmt), out_dir=out)
    if not result.assessed:
        state.out.print(
            f"nothing to assess: region {state.settings.region} has no receiver data and no claims in its frame "
            f"on the night of {chosen.isoformat()}; no report written",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(NOTHING_TO_ASSESS)
    for path in result.files:
        state.out.print(str(path), highlight=False, markup=False)
    state.say(f"judgment {result.judgment_id}; rendered in {result.render_s:.2f} s")
