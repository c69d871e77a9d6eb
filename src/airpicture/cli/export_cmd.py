"""``airpicture export KIND --format F [--out FILE]``: one command for every kind of data."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.state import get_state
from airpicture.model.errors import UsageError

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.


def parse_utc(text: str, option: str) -> datetime:
    """ISO 8601 date or date-time; a naive value is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            "not a date-time", where=option, found=text, expected="ISO 8601, e.g. 2022-07-11T21:00Z"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_day(text: str, option: str = "--day") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError("not a day", where=option, found=text, expected="YYYY-MM-DD (UTC)") from None


def export(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="What to export: positions, tracks, events, restrictions, claims.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="parquet, csv, json, jsonl, geojson or kml. CSV: a text cell starting with = + - @, tab, CR "
            "or LF gets a leading ' so a spreadsheet shows it as text, never as a formula (OWASP).",
        ),
    ],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
    day: Annotated[str | None, typer.Option(help="One UTC day, YYYY-MM-DD.")] = None,
    since: Annotated[str | None, typer.Option(help="From this UTC time (ISO 8601), inclusive.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this UTC time (ISO 8601), exclusive.")] = None,
    icao24: Annotated[list[str] | None, typer.Option(help="Only these ICAO 24-bit addresses (repeatable).")] = None,
    at: Annotated[
        str | None, typer.Option(help="Only what is active at this UTC time (ISO 8601), e.g. restrictions.")
    ] = None,
) -> None:
    """Export one kind of data from the workspace, for QGIS, Google Earth, spreadsheets or scripts.

    KML: every row is a Placemark (one without a position is listed, not drawn; the closing 'summary' folder
    counts them), with a TimeSpan or TimeStamp for Google Earth's time slider, one style per event type, role
    or Q-code, and points at their altitude. Parquet is binary: refused on a terminal without --out.
    """
    from airpicture.pipeline.export import ExportFilter, export_kinds
    from airpicture.pipeline.export import export as run_export
    from airpicture.store.atomic import atomic_write

    state = get_state(ctx)
    kinds = export_kinds()
    if kind not in kinds:
        raise UsageError("unknown kind of data to export", found=kind, expected=f"one of {', '.join(kinds)}")
    filters = ExportFilter(
        day=parse_day(day) if day else None,
        since=parse_utc(since, "--since") if since else None,
        until=parse_utc(until, "--until") if until else None,
        icao24=tuple(icao24 or ()),
        at=parse_utc(at, "--at") if at else None,
    )
    if out is None and fmt == "parquet" and sys.stdout.isatty():
        raise UsageError(
            "Parquet is binary: not written to a terminal",
            where="--format parquet",
            expected="--out FILE, or standard output redirected to a file or a pipe",
        )
    workspace = state.workspace()
    if out is None:
        rows = run_export(workspace, kind, fmt, sys.stdout.buffer, filters)
        sys.stdout.buffer.flush()
    else:
        counted: list[int] = []

        def write(tmp: Path) -> None:
            with tmp.open("wb") as stream:
                counted.append(run_export(workspace, kind, fmt, stream, filters))

        atomic_write(out, write)
        rows = counted[0]
        state.say(f"wrote {rows:,} {kind} rows to {out} ({fmt})")
