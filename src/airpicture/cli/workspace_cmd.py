"""``airpicture workspace init|info|compact``."""

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
    """Row counts per table, UTC date range of positions, disk size, and the time basis of the ingested files."""
    from airpicture.pipeline.time_basis import basis_counts, basis_phrase, file_time_bases

    state = get_state(ctx)
    workspace = state.workspace()
    summary = workspace.info()
    files = file_time_bases(workspace)
    approximate = [f for f in files if f.approximate]
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
                "time_basis": basis_counts(files),
                "approximate_times": [
                    {
                        "path": f.path,
                        "file_id": f.file_id,
                        "format": f.format,
                        "time_basis": f.basis,
                        "time_anchor": f.anchor,
                        "time_anchor_from": f.anchor_from,
                    }
                    for f in approximate
                ],
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
    if files:
        print_rows(state.out, ("time basis", "files"), [(k, f"{v:,}") for k, v in basis_counts(files).items()], "times")
    if approximate:
        print_rows(
            state.out,
            ("file", "time basis", "anchored on"),
            [
                (f.path, f.basis, basis_phrase(f.basis, f.anchor, f.anchor_from).partition("(")[2].rstrip(")"))
                for f in approximate
            ],
            "files whose times are approximate: put the UTC start in <file>.start next to each and run again",
        )


@app.command()
def compact(ctx: typer.Context) -> None:
    """Rewrite the database into a fresh file and shred the old one, so that no freed page keeps a deleted or
    scrubbed value (done by itself after an upgrade that scrubs identifying data; docs/source-protection.md)."""
    from airpicture.store import Workspace

    state = get_state(ctx)
    workspace = Workspace.open(state.settings.workspace)
    before = workspace.db_path.stat().st_size
    workspace.compact()
    after = workspace.db_path.stat().st_size
    state.say(
        f"database rewritten into a fresh file ({human_bytes(before)} -> {human_bytes(after)}); old file shredded"
    )
