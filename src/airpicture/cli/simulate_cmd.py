"""``airpicture simulate`` and ``airpicture evaluate``: scenarios with ground truth, and scoring against it."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.output import print_json, print_rows
from airpicture.cli.state import get_state


def simulate(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Argument(help="A scenario TOML file, or the name of a shipped scenario.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the simulated files (created).")],
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    nights: Annotated[
        int | None, typer.Option("--nights", help="Simulate only the last N nights of the scenario.", min=1)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Simulate a scenario: Beast recordings per receiver, state vectors, NOTAMs, reports and truth.json."""
    from airpicture.pipeline.simulate import run_simulation

    state = get_state(ctx)
    result = run_simulation(scenario, out, seed=seed, last_nights=nights, progress=state.say)
    summary = {
        "out": result.out_dir,
        "nights": [n.isoformat() for n in result.nights],
        "flights": result.flights,
        "frames_by_receiver": result.frames_by_receiver,
        "truth_events": dict(sorted(result.events_by_type.items())),
        "files": [p.name for p in result.files],
    }
    if as_json:
        print_json(state.out, summary)
        return
    state.out.print(
        f"simulated {len(result.nights)} night(s), {result.flights} flights, "
        f"{sum(result.frames_by_receiver.values()):,} frames heard into {result.out_dir}",
        highlight=False,
    )
    print_rows(state.out, ("truth event", "count"), sorted(result.events_by_type.items()))


def evaluate(
    ctx: typer.Context,
    truth: Annotated[Path, typer.Option("--truth", help="truth.json written by airpicture simulate.")],
    tolerance_s: Annotated[
        float, typer.Option("--tolerance-s", help="Largest start-time difference of a match, in seconds.")
    ] = 600.0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Compare the workspace's events and decoded positions with a scenario's ground truth."""
    from airpicture.pipeline.evaluate import evaluate as run_evaluate

    state = get_state(ctx)
    result = run_evaluate(state.workspace(), truth, tolerance_s=tolerance_s)
    if as_json:
        print_json(
            state.out,
            {
                "scenario": result.scenario,
                "types": [asdict(t) for t in result.types],
                "unscored": result.unscored,
                "positions": asdict(result.positions) if result.positions else None,
            },
        )
        return

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.0%}"

    def num(v: float | None, fmt: str) -> str:
        return "-" if v is None else format(v, fmt)

    rows = [
        (t.type, t.truth, t.observable, t.detected, t.matched, pct(t.precision), pct(t.recall),
         num(t.median_time_error_s, ".0f"), num(t.median_position_error_km, ".2f"))
        for t in result.types
    ]  # fmt: skip
    print_rows(state.out, ("type", "truth", "observable", "detected", "matched", "precision", "recall", "time err s",
                           "pos err km"), rows, f"evaluation against {result.scenario}")  # fmt: skip
    if result.unscored:
        unscored = ", ".join(f"{k} {v}" for k, v in result.unscored.items())
        state.out.print(f"not scored (no truth counterpart): {unscored}", highlight=False)
    if result.positions:
        p = result.positions
        state.out.print(
            f"decoded positions: {p.rows:,} rows, median error {num(p.median_error_m, '.2f')} m, "
            f"p99 {num(p.p99_error_m, '.2f')} m, max {num(p.max_error_m, '.2f')} m, within 5 m {pct(p.within_5m)}",
            highlight=False,
        )
