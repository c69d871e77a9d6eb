"""``airpicture ingest PATH... [--format F] [--force] [--start T] [--beast-clock C] [--receiver NAME]
[--receiver-position LAT,LON]``."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from airpicture.cli.export_cmd import parse_utc
from airpicture.cli.output import print_json
from airpicture.cli.reports_cmd import ensure_passphrase
from airpicture.cli.state import get_state
from airpicture.model.errors import UsageError

if TYPE_CHECKING:
    from airpicture.pipeline.ingest import IngestSummary

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.

_POSITION = re.compile(r"^\s*[-+]?\d+(\.\d*)?\s*,\s*[-+]?\d+(\.\d*)?\s*$")


def _position(text: str | None) -> tuple[float | None, float | None]:
    if not text:
        return None, None
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise UsageError(
            "not a position", where="--receiver-position", found=text, expected="LAT,LON in degrees"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UsageError(
            "position out of range", where="--receiver-position", found=text, expected="LAT,LON in degrees"
        )
    return lat, lon


def _receiver_name(text: str | None) -> str | None:
    """The receiver's name; a LAT,LON here is the old meaning of ``--receiver`` and is refused (not echoed)."""
    if text is not None and _POSITION.match(text):
        raise UsageError(
            "--receiver names the receiver now",
            where="--receiver",
            expected="a receiver name or alias; give a position with --receiver-position LAT,LON",
        )
    return text


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (walked recursively); '-' reads standard input.")
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="Force a format instead of detecting it (see docs/formats/adsb-inputs.md)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Ingest again files already ingested (same content).")] = False,
    start: Annotated[
        str | None,
        typer.Option(help="UTC time of the first frame, for Beast/hex files whose clock is not wall-clock time."),
    ] = None,
    beast_clock: Annotated[
        str, typer.Option(help="Beast timestamp: 12mhz (free-running counter) or 1ghz (GPS time of day).")
    ] = "12mhz",
    receiver: Annotated[
        str | None,
        typer.Option(
            help="Name or alias of the receiver that recorded these files; only a keyed pseudonym of it is stored "
            "(docs/ingest.md, docs/source-protection.md)."
        ),
    ] = None,
    receiver_position: Annotated[
        str | None,
        typer.Option(help="Receiver position LAT,LON (degrees), for local CPR and surface positions."),
    ] = None,
    no_tracks: Annotated[bool, typer.Option("--no-tracks", help="Do not rebuild tracks afterwards.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Read receiver files (Beast, raw hex, JSONL, SBS, readsb, OpenSky, traffic) into the workspace.

    Inside folders, symbolic links are refused and files plainly not recordings (README, LICENSE, scripts)
    are skipped and counted; '-' reads one recording from standard input."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from airpicture.pipeline.ingest import (
        FileStatus,
        IngestOptions,
        IngestSummary,
        ProgressEvent,
        ingest_paths,
        iter_outcome_lines,
    )
    from airpicture.pipeline.tracks import rebuild_tracks, tracks_stale

    state = get_state(ctx)
    lat, lon = _position(receiver_position)
    options = IngestOptions(
        format=fmt,
        force=force,
        start=parse_utc(start, "--start") if start else None,
        beast_clock=beast_clock,
        receiver_lat_deg=lat,
        receiver_lon_deg=lon,
        receiver=_receiver_name(receiver),
        stdin=sys.stdin.buffer if Path("-") in paths else None,
    )
    workspace = state.workspace()
    ensure_passphrase(workspace.root)  # receiver pseudonyms need the reporter key (docs/source-protection.md)
    if state.show_progress and not as_json:
        with Progress(
            TextColumn("{task.description}", markup=False),  # file names are data, not markup
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=state.err,
            transient=True,
        ) as bar:
            task = bar.add_task("ingest", total=None)

            def show(event: ProgressEvent) -> None:
                bar.update(
                    task,
                    total=event.files_total,
                    completed=event.file_index + (1 if event.file_done else 0),
                    description=f"{event.label or event.path.name}: {event.records:,} records",
                )

            summary = ingest_paths(workspace, paths, state.settings, state.clock, show, options)
    else:
        summary = ingest_paths(workspace, paths, state.settings, state.clock, None, options)
    n_tracks = None
    # also when nothing was new: an earlier ingest killed before its rebuild was stored left tracks stale
    if not no_tracks and (summary.by_status(FileStatus.INGESTED) or tracks_stale(workspace)):
        n_tracks = rebuild_tracks(workspace, state.settings, state.clock)
    if as_json:
        print_json(state.out, _as_json(summary, n_tracks))
    else:
        for outcome in summary.by_status(FileStatus.FAILED):
            state.err.print(f"airpicture: error: {outcome.error}", markup=False, highlight=False)
        if not state.quiet:
            for line in iter_outcome_lines(
                IngestSummary(tuple(summary.by_status(FileStatus.INGESTED) + summary.by_status(FileStatus.SKIPPED)))
            ):
                state.err.print(line, markup=False, highlight=False)
        for line in summary.lines():
            state.out.print(line, markup=False, highlight=False)
        if n_tracks is not None:
            state.say(f"{n_tracks:,} tracks rebuilt")
    if not summary.ok:
        raise typer.Exit(2)


def _as_json(summary: IngestSummary, n_tracks: int | None) -> dict[str, object]:
    return {
        "files": [
            {
                "path": f.shown,
                "status": f.status.value,
                "file_id": f.file_id,
                "format": f.format,
                "receiver": f.receiver,
                "receiver_from": f.receiver_from.value,
                "kind": f.kind.value if f.kind else None,
                "time_basis": f.time_basis.value if f.time_basis else None,
                "time_anchor": f.time_anchor.isoformat() if f.time_anchor else None,
                "time_anchor_from": f.time_anchor_from if f.time_basis else None,
                "read": f.read,
                "stored": f.stored,
                "rejected": dict(f.rejected),
                "first_rejects": list(f.shown_rejects),
                "notes": list(f.notes),
                "error": f.error,
            }
            for f in summary.files
        ],
        "summary": summary.lines(),
        "tracks": n_tracks,
    }
