"""``airpicture claims list|show|explain``."""

from __future__ import annotations

from typing import Annotated

import typer

from airpicture.cli.export_cmd import parse_day
from airpicture.cli.output import WIDE, print_fields, print_json, print_rows
from airpicture.cli.state import get_state
from airpicture.model.claims import ClaimStatus

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.

app = typer.Typer(
    help="Claims: what is reported, by how many independent roots, and how sure that makes us.", no_args_is_help=True
)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[ClaimStatus | None, typer.Option(help="Only claims with this status.")] = None,
    day: Annotated[str | None, typer.Option(help="Only claims whose time overlaps this UTC day, YYYY-MM-DD.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many claims (the first, in time order).")
    ] = None,
    wide: Annotated[bool, WIDE] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List claims with status, credibility, independent roots and echoes (in time order)."""
    from airpicture.pipeline.claims import claim_record, find_claims

    state = get_state(ctx)
    claims = find_claims(state.workspace(), state.settings.region, status, parse_day(day) if day else None)
    total = len(claims)
    claims = claims[:limit] if limit is not None else claims
    if as_json:
        print_json(state.out, [claim_record(c) for c in claims])
        return
    print_rows(
        state.out,
        ("claim", "type", "start (UTC)", "status", "cred", "roots", "echoes", "place", "sensor check"),
        [
            (
                c.claim_id,
                f"{c.event_type} {c.subject}".strip(),
                c.start.strftime("%Y-%m-%d %H:%M"),
                c.status.value,
                "—" if c.credibility is None else int(c.credibility),
                c.independent_roots,
                c.echo_count,
                c.place_name or "",
                c.sensor_check.value,
            )
            for c in claims
        ],
        f"{len(claims):,} claims" + (f" (of {total:,}; --limit)" if len(claims) < total else ""),
        wide=wide,
        wrap=("type", "place"),
    )


@app.command()
def show(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(help="Claim id from 'claims list'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show one claim."""
    from airpicture.pipeline.claims import claim_record, find_claim

    state = get_state(ctx)
    record = claim_record(find_claim(state.workspace(), state.settings.region, claim_id))
    if as_json:
        print_json(state.out, record)
    else:
        print_fields(state.out, record, f"claim {claim_id}")


@app.command()
def explain(ctx: typer.Context, claim_id: Annotated[str, typer.Argument(help="Claim id from 'claims list'.")]) -> None:
    """Print the provenance tree from the claim down to raw records (report rows, NOTAM text, positions)."""
    from airpicture.pipeline.explain import explain as explain_claim

    state = get_state(ctx)
    for line in explain_claim(state.workspace(), claim_id, state.settings.region):
        state.out.print(line, highlight=False, markup=False)


@app.command("refresh")
def refresh_(ctx: typer.Context) -> None:
    """Recompute every claim now (after a detector run, for instance); status changes are logged."""
    from airpicture.pipeline.claims import refresh

    state = get_state(ctx)
    result = refresh(state.workspace(), state.settings, state.clock)
    state.say(f"{result.claims} claims, {len(result.changes)} status changes")
