"""``airpicture tracks list|show|build``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from airpicture.cli.export_cmd import parse_day
from airpicture.cli.output import WIDE, print_fields, print_json, print_rows
from airpicture.cli.state import get_state
from airpicture.model.errors import UsageError

if TYPE_CHECKING:
    import pyarrow as pa

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.

app = typer.Typer(help="Tracks: per-aircraft segments of positions, split at silences.", no_args_is_help=True)

_LIST_SHOWN = (
    "track_id",
    "callsigns",
    "first_seen",
    "last_seen",
    "role",
    "aircraft_type",
    "country",
    "n_fixes",
    "alt_max_ft",
    "squawks",
    "n_flagged",
)
"""Most important first: at 80 columns the table keeps those that fit (``--wide`` for all)."""


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


@app.command("list")
def list_command(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option(help="Tracks seen on this UTC day, YYYY-MM-DD.")] = None,
    icao24: Annotated[list[str] | None, typer.Option(help="Only these ICAO 24-bit addresses (repeatable).")] = None,
    role: Annotated[str | None, typer.Option(help="Only aircraft of this role (from reference data).")] = None,
    of_interest: Annotated[bool, typer.Option("--of-interest", help="Only aircraft on the watch-list.")] = False,
    wide: Annotated[bool, WIDE] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List tracks, oldest first."""
    from airpicture.pipeline.tracks import TrackFilter, list_tracks

    state = get_state(ctx)
    filters = TrackFilter(
        day=parse_day(day) if day else None, icao24=tuple(icao24 or ()), role=role, of_interest=of_interest
    )
    rows = _rows(list_tracks(state.workspace(), filters))
    if as_json:
        print_json(state.out, rows)
        return
    cells = [[_short(r.get(c)) for c in _LIST_SHOWN] for r in rows]
    print_rows(state.out, _LIST_SHOWN, cells, f"{len(rows):,} tracks", wide=wide, wrap=("callsigns", "squawks"))


def _short(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, float):
        return f"{value:,.0f}"
    return value


@app.command("show")
def show_command(
    ctx: typer.Context,
    icao24: Annotated[str, typer.Argument(help="ICAO 24-bit address, 6 hex digits.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Every detail of every track of one aircraft."""
    from airpicture.pipeline.tracks import show_tracks

    state = get_state(ctx)
    rows = _rows(show_tracks(state.workspace(), icao24))
    if not rows:
        raise UsageError("no tracks for this address", where="ICAO24", found=icao24)
    if as_json:
        print_json(state.out, rows)
        return
    for row in rows:
        geometry = row.pop("geometry", None)
        row["geometry"] = f"{len(geometry):,} characters of GeoJSON" if geometry else None
        row["squawk changes"] = ", ".join(
            f"{s} at {t:%H:%M:%SZ}" for s, t in zip(row.pop("squawks"), row.pop("squawk_changed_at"), strict=True)
        )
        row["on-ground changes"] = ", ".join(
            f"{'ground' if g else 'airborne'} at {t:%H:%M:%SZ}"
            for g, t in zip(row.pop("ground_states"), row.pop("ground_changed_at"), strict=True)
        )
        row["callsigns"] = " ".join(row["callsigns"])
        row["source_files"] = " ".join(f[:12] for f in row["source_files"])
        print_fields(state.out, row, row["track_id"])


@app.command("build")
def build_command(ctx: typer.Context) -> None:
    """Rebuild every track from the positions in the workspace (ingest does this itself)."""
    from airpicture.pipeline.tracks import rebuild_tracks

    state = get_state(ctx)
    n = rebuild_tracks(state.workspace(), state.settings, state.clock)
    state.say(f"{n:,} tracks built (gap {state.settings.tracks.gap_min:g} min)")
