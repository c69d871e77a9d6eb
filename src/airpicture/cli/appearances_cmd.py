"""``airpicture appearances add FILE.json``: enter articles and posts and what they cite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.state import get_state
from airpicture.model.errors import SourceError

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.

app = typer.Typer(
    help="Appearances: statements by outlets, groups and officials, and what they cite.", no_args_is_help=True
)


@app.command()
def add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSON document (docs/formats/appearances.md).")],
) -> None:
    """Add the appearances in FILE to a claim (named, matched or new); claims are recomputed."""
    from airpicture.pipeline.claims import add_appearances

    state = get_state(ctx)
    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", where=str(file)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"not valid JSON: {exc}", where=str(file)) from None
    entry_id, result = add_appearances(state.workspace(), body, state.settings, state.clock, where=str(file))
    state.say(f"entry {entry_id} added; {result.claims} claims, {len(result.changes)} status changes")
