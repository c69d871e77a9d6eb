"""``airpicture demo``: the whole job on the shipped scenario and the bundled real recordings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.output import print_json
from airpicture.cli.state import get_state

# The pipeline (DuckDB, Arrow, …) is imported inside each command, so that --help starts fast.


def demo(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for everything the demo writes.")] = Path(
        "airpicture-demo"
    ),
    nights: Annotated[
        int | None,
        typer.Option(min=1, help="Simulate only the last N nights of the scenario (default: all, for history)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Simulate the reference night, add real recordings, run the whole pipeline; say what it found."""
    from airpicture.pipeline.demo import run_demo

    state = get_state(ctx)
    started = time.monotonic()
    summary = run_demo(out, state.clock, nights=nights, step=lambda message: state.say(f"· {message}"))
    elapsed = time.monotonic() - started
    run = summary.run
    if as_json:
        print_json(
            state.out,
            {
                "out_dir": summary.out_dir,
                "workspace": summary.workspace,
                "simulated": summary.simulated_dir,
                "nights": summary.nights,
                "positions": run.positions,
                "files": run.new_files,
                "failed_files": run.failed_files,
                "time_bases": run.time_bases,
                "warnings": run.warnings,
                "notams": run.notams,
                "reports": run.reports,
                "tracks": run.tracks,
                "events": run.events,
                "claims": run.claims,
                "day": run.day,
                "judgment": run.judgment,
                "confidence": run.confidence,
                "report_files": list(run.report_files),
                "highlights": list(summary.highlights),
                "seconds": round(elapsed, 1),
            },
        )
        return
    out_ = state.out
    out_.print(f"airpicture demo — {elapsed:.0f} s", style="bold", highlight=False)
    out_.print(
        "Simulated data is labelled simulated in its file names, sources, flags and the report; the real "
        "recordings are from the traffic library (MIT, OpenSky Network).",
        highlight=False,
    )
    for line in run.lines():
        out_.print(f"  {line}", highlight=False)
    if summary.highlights:
        out_.print("On the reference night (see 'airpicture events show ID'):", style="bold", highlight=False)
        for line in summary.highlights:
            out_.print(f"  • {line}", highlight=False)
    ws = summary.workspace
    out_.print("Written:", style="bold", highlight=False)
    out_.print(f"  workspace   {ws}   (airpicture -w {ws} workspace info)", highlight=False)
    out_.print(f"  simulation  {summary.simulated_dir}   (truth.json: the ground truth)", highlight=False)
    out_.print(
        f"  try: airpicture -w {ws} judgments list  ·  airpicture -w {ws} evaluate --truth "
        f"{summary.simulated_dir / 'truth.json'}",
        highlight=False,
    )
