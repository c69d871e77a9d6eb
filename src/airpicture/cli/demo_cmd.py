"""``airpicture demo``: the whole job on the shipped scenario and the bundled real recordings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.output import print_json
from airpicture.cli.state import get_state
from airpicture.pipeline.demo import run_demo


def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for everything the demo writes.")] = Path(
        "airpicture-demo"
    ),
    nights: Annotated[
        int, typer.Option(min=1, help="Simulate the last N nights of the scenario (more nights, more history).")
    ] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Simulate the reference night, ingest it with real recordings, detect, build claims; say what was found."""
    state = get_state(ctx)
    started = time.monotonic()
    summary = run_demo(out, state.clock, nights=nights, step=lambda message: state.say(f"· {message}"))
    elapsed = time.monotonic() - started
    frames_read = sum(f.read for f in summary.ingest.files)
    if as_json:
        print_json(
            state.out,
            {
                "out_dir": summary.out_dir,
                "workspace": summary.workspace,
                "simulated": summary.simulated_dir,
                "nights": summary.nights,
                "records_read": frames_read,
                "files_ingested": len(summary.ingest.files),
                "tracks": summary.tracks,
                "notams_stored": summary.notams_stored,
                "reports_imported": summary.reports_imported,
                "events": summary.detection.events_by_type,
                "claims": summary.claims,
                "highlights": list(summary.highlights),
                "seconds": round(elapsed, 1),
            },
        )
        return
    out_ = state.out
    out_.print(f"airpicture demo — {elapsed:.0f} s", style="bold", highlight=False)
    out_.print(
        "Simulated data is labelled simulated in its file names, sources and flags; the real recordings are "
        "from the traffic library (MIT, OpenSky Network).",
        highlight=False,
    )
    for line in summary.ingest.lines():
        out_.print(f"  ingest: {line}", highlight=False)
    out_.print(f"  tracks: {summary.tracks}", highlight=False)
    out_.print(f"  NOTAMs stored: {summary.notams_stored}; observer reports imported: {summary.reports_imported}")
    kinds = ", ".join(f"{k} {n}" for k, n in summary.detection.events_by_type.items())
    out_.print(f"  events on {len(summary.detection.days)} days: {kinds}", highlight=False)
    out_.print(f"  claims: {summary.claims}", highlight=False)
    if summary.highlights:
        out_.print("What it found (see 'airpicture events show ID'):", style="bold", highlight=False)
        for line in summary.highlights:
            out_.print(f"  • {line}", highlight=False)
    out_.print("Written:", style="bold", highlight=False)
    out_.print(
        f"  workspace   {summary.workspace}   (airpicture -w {summary.workspace} workspace info)", highlight=False
    )
    out_.print(f"  simulation  {summary.simulated_dir}   (truth.json: the ground truth)", highlight=False)
    out_.print(
        f"  try: airpicture -w {summary.workspace} events list --role 'AEW&C'  ·  "
        f"airpicture -w {summary.workspace} evaluate --truth {summary.simulated_dir / 'truth.json'}",
        highlight=False,
    )
