"""``airpicture sources list|grade``."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from airpicture.cli.output import WIDE, print_json, print_rows
from airpicture.cli.state import get_state
from airpicture.model.claims import Reliability
from airpicture.model.errors import UsageError

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.

app = typer.Typer(help="Sources: reliability grades and track records.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    wide: Annotated[bool, WIDE] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List sources with grade, suggested grade and confirmed/refuted tallies."""
    from airpicture.pipeline.claims import list_sources, source_record

    state = get_state(ctx)
    sources = list_sources(state.workspace(), state.settings.region)
    if as_json:
        print_json(state.out, [source_record(s) for s in sources])
        return
    print_rows(
        state.out,
        ("source", "kind", "name", "grade", "suggested", "analyst", "confirmed", "refuted"),
        [
            (
                s.source_id,
                s.kind.value,
                s.name,
                s.reliability.value,
                s.suggested.value,
                s.analyst_grade.value if s.analyst_grade else "",
                s.confirmed,
                s.refuted,
            )
            for s in sources
        ],
        "sources",
        wide=wide,
        wrap=("name",),
    )


@app.command()
def grade(
    ctx: typer.Context,
    source_id: Annotated[str, typer.Argument(help="Source id from 'sources list'.")],
    grade: Annotated[str, typer.Argument(help="A-F, or 'clear' to go back to the default / track record.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the grade log).")] = "",
    analyst: Annotated[str | None, typer.Option("--analyst", help="Who grades (default: the login name).")] = None,
) -> None:
    """Set an analyst reliability grade for a source (logged); claims are recomputed."""
    from airpicture.pipeline.claims import grade_source

    state = get_state(ctx)
    if grade.lower() == "clear":
        value = None
    else:
        try:
            value = Reliability(grade.upper())
        except ValueError:
            raise UsageError("not a grade", where="GRADE", found=grade, expected="A, B, C, D, E, F or clear") from None
    change, result = grade_source(
        state.workspace(), source_id, value, reason, analyst or getpass.getuser(), state.settings, state.clock
    )
    state.say(
        f"{source_id}: {change.from_grade.value} → {value.value if value else 'default'}; "
        f"{len(result.changes)} claim status changes"
    )
