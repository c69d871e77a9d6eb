"""``airpicture workspace init|info``."""

from __future__ import annotations

from typing import Annotated

import typer

from airpicture.cli.output import human_bytes, print_fields, print_json, print_rows
from airpicture.cli.state import get_state

app = typer.Typer(help="Create and inspect the workspace folder.", no_args_is_help=True)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the workspace (folder, database at the current schema, the inbox folders); safe to run again."""
    from airpicture.pipeline.run import INBOX_KINDS
    from airpicture.store import Workspace

    state = get_state(ctx)
    workspace = Workspace.init(state.settings.workspace)
    for kind in INBOX_KINDS:
        (workspace.root / "inbox" / kind).mkdir(parents=True, exist_ok=True)
    state.say(f"workspace ready at {workspace.root} (schema version {workspace.schema_version})")
    state.say(f"drop files into {workspace.root / 'inbox'}/{{{','.join(INBOX_KINDS)}}}, then: airpicture run")


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
