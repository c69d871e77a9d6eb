"""``airpicture assess --day D`` and ``airpicture judgments list|show|explain ID``."""

from __future__ import annotations

from typing import Annotated

import typer

from airpicture.cli.export_cmd import parse_day
from airpicture.cli.output import WIDE, print_json, print_rows
from airpicture.cli.state import NOTHING_TO_ASSESS, get_state
from airpicture.model.judgments import judgment_to_dict

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.

JUDGMENT_ID = typer.Argument(metavar="JUDGMENT_ID", help="Judgment id from 'airpicture judgments list'.")

judgments_app = typer.Typer(help="Judgments: list, show and explain the assessments made.", no_args_is_help=True)


def assess_command(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option(help="Report day YYYY-MM-DD (noon to noon local); default: the latest.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable judgment.")] = False,
) -> None:
    """Assess one report day: indicators, Bayesian ACH, band and confidence; stored as a judgment. A night with
    nothing to assess in the region's frame is stored as such and exits with status 3."""
    from airpicture.pipeline.assess import assess, latest_day
    from airpicture.pipeline.judgments_text import summary_lines

    state = get_state(ctx)
    workspace = state.workspace()
    chosen = parse_day(day) if day else latest_day(workspace, state.settings)
    result = assess(workspace, state.settings, state.clock, chosen)
    if as_json:
        print_json(state.out, judgment_to_dict(result.judgment))
    else:
        for line in summary_lines(result.judgment):
            state.out.print(line, highlight=False, markup=False)
        if not result.stored:
            state.say("unchanged: the same evidence gives the same judgment")
    if not result.judgment.assessed:
        raise typer.Exit(NOTHING_TO_ASSESS)


@judgments_app.command("list")
def list_command(
    ctx: typer.Context,
    all_versions: Annotated[bool, typer.Option("--all", help="Include superseded same-day versions.")] = False,
    wide: Annotated[bool, WIDE] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List judgments, one per question and day (newest last)."""
    from airpicture.pipeline.assess import list_judgments

    state = get_state(ctx)
    rows = list_judgments(state.workspace(), all_versions)
    columns = (
        "judgment",
        "question",
        "day",
        "top",
        "band",
        "runner-up",
        "band ",
        "confidence",
        "supersedes",
        "current",
    )
    if as_json:
        keys = (
            "judgment_id",
            "question_id",
            "day",
            "top",
            "band",
            "runner_up",
            "runner_up_band",
            "confidence",
            "supersedes",
            "current",
        )
        print_json(state.out, [dict(zip(keys, r, strict=True)) for r in rows])
        return
    print_rows(state.out, columns, rows, "judgments", wide=wide)


@judgments_app.command("show")
def show_command(
    ctx: typer.Context,
    judgment_id: Annotated[str, JUDGMENT_ID],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show one judgment: bands, confidence and its basis, key evidence, what changed."""
    from airpicture.pipeline.assess import find_judgment
    from airpicture.pipeline.judgments_text import summary_lines

    state = get_state(ctx)
    judgment = find_judgment(state.workspace(), judgment_id)
    if as_json:
        print_json(state.out, judgment_to_dict(judgment))
        return
    for line in summary_lines(judgment):
        state.out.print(line, highlight=False, markup=False)


@judgments_app.command("explain")
def explain_command(
    ctx: typer.Context,
    judgment_id: Annotated[str, JUDGMENT_ID],
) -> None:
    """The ACH matrix, likelihoods, Schum discounting, sensitivity and the claims behind each item."""
    from airpicture.pipeline.assess import find_judgment
    from airpicture.pipeline.judgments_text import explain_lines

    state = get_state(ctx)
    for line in explain_lines(state.workspace(), find_judgment(state.workspace(), judgment_id)):
        state.out.print(line, highlight=False, markup=False)
