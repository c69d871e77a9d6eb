"""``airpicture workspace init|info``."""

from __future__ import annotations

from typing import Annotated

import typer

from airpicture.cli.output import human_bytes, print_fields, print_json, print_rows
from airpicture.cli.state import get_state
from airpicture.store import Workspace

app = typer.Typer(help="Create and inspect the workspace folder.", no_args_is_help=True)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the workspace (folder, database at the current schema); safe to run again."""
    state = get_state(ctx)
    workspace = Workspace.init(state.settings.workspace)
    state.say(f"workspace ready at {workspace.root} (schema version {workspace.schema_version})")


@app.command()
def info(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Row counts per table, UTC date range of positions, disk size."""
    state = get_state(ctx)
    summary = state.workspace().info()
    if as_json:
        print_json(
            state.out,
            {
                "root": summary.root,
                "schema_version": summary.schema_version,
                "row_counts": summary.row_counts,
                "first_day": summary.first_day,
                "last_day": summary.last_day,
                "size_bytes": summary.size_bytes,
            },
        )
        return
    print_fields(
        state.out,
        {
            "workspace": summary.root,
            "schema version": summary.schema_version,
            "positions from": summary.first_day or "—",
            "positions to": summary.last_day or "—",
            "disk size": human_bytes(summary.size_bytes),
        },
        "workspace",
    )
    print_rows(state.out, ("table", "rows"), [(k, f"{v:,}") for k, v in summary.row_counts.items()], "tables")
