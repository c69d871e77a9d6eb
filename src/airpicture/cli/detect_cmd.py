"""``airpicture detect`` and ``airpicture events list|show``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from airpicture.cli.engine_options import EngineOption, SchedulerOption, WorkersOption
from airpicture.cli.export_cmd import parse_day, parse_utc
from airpicture.cli.output import WIDE, print_fields, print_json, print_rows, progress
from airpicture.cli.state import get_state

if TYPE_CHECKING:
    from airpicture.model.events import Event

# The pipeline (DuckDB, Arrow, detectors, …) is imported inside each command, so that --help starts fast.

events_app = typer.Typer(help="List and inspect detected events.", no_args_is_help=True)


def detect(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option(help="One UTC day, YYYY-MM-DD.")] = None,
    since: Annotated[
        str | None, typer.Option(help="From this UTC time (ISO 8601): its day is processed whole.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this UTC time (ISO 8601), exclusive.")] = None,
    detector: Annotated[
        list[str] | None, typer.Option("--detector", "-d", help="Run only this detector (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
    engine: EngineOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Find events in the stored positions and NOTAMs, per UTC day; re-running replaces them."""
    from airpicture.pipeline.detect import resolve_days, run_detection
    from airpicture.scale.drivers import EngineChoice, day_runner

    state = get_state(ctx)
    workspace = state.workspace()
    days = resolve_days(
        workspace,
        parse_day(day) if day else None,
        parse_utc(since, "--since") if since else None,
        parse_utc(until, "--until") if until else None,
    )
    with (
        day_runner(state.settings, EngineChoice(engine, workers, scheduler)) as runner,
        progress(state.err, state.show_progress, "detecting", len(days)) as advance,
    ):
        summary = run_detection(
            workspace,
            state.settings,
            state.clock,
            days=days,
            detectors=tuple(detector or ()),
            advance=advance,
            runner=runner,
        )
    if as_json:
        print_json(
            state.out,
            {
                "region": summary.region,
                "days": summary.days,
                "detectors": dict(summary.detectors),
                "positions_read": summary.positions_read,
                "events": summary.events_by_type,
            },
        )
        return
    total = sum(summary.events_by_type.values())
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in summary.events_by_type.items()) or "none"
    span = f"{summary.days[0]} to {summary.days[-1]}" if summary.days else "no days with positions"
    state.out.print(
        f"{summary.region}: {len(summary.days)} day(s) ({span}), {summary.positions_read:,} positions read, "
        f"{total:,} events ({kinds})",
        highlight=False,
    )


def _who(event: Event) -> str:
    if not event.subjects:
        return ""
    s = event.subjects[0]
    parts = [p for p in (s.registration, s.type_code, s.callsign, s.icao24 or s.name) if p]
    return " ".join(dict.fromkeys(parts))


@events_app.command("list")
def list_command(
    ctx: typer.Context,
    type_: Annotated[list[str] | None, typer.Option("--type", "-t", help="Event type (repeatable).")] = None,
    day: Annotated[str | None, typer.Option(help="UTC day of the event's start, YYYY-MM-DD.")] = None,
    icao24: Annotated[list[str] | None, typer.Option(help="ICAO 24-bit address (repeatable).")] = None,
    role: Annotated[str | None, typer.Option(help="Role of the subject, e.g. AEW&C, fighter.")] = None,
    region: Annotated[str | None, typer.Option(help="Region the event was detected for.")] = None,
    detector: Annotated[str | None, typer.Option(help="Detector name.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many events.")] = None,
    wide: Annotated[bool, WIDE] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Events in time order, with filters."""
    from airpicture.pipeline.events import EventFilter, event_record, list_events

    state = get_state(ctx)
    filters = EventFilter(
        types=tuple(type_ or ()),
        day=parse_day(day) if day else None,
        icao24=tuple(icao24 or ()),
        role=role,
        region=region,
        detector=detector,
    )
    found = list_events(state.workspace(), filters, limit)
    if as_json:
        print_json(state.out, [event_record(i, e) for i, e in found])
        return
    rows = [
        (
            i[:10],
            e.type,
            e.start.strftime("%Y-%m-%d %H:%M:%S"),
            e.end.strftime("%H:%M:%S") if e.end != e.start else "",
            _who(e),
            ", ".join(f"{k}={v}" for k, v in list(e.attributes.items())[:3]),
        )
        for i, e in found
    ]
    columns = ("id", "type", "start (UTC)", "end", "subject", "details")
    print_rows(state.out, columns, rows, f"{len(found)} events", wide=wide, wrap=("subject", "details"))


@events_app.command("show")
def show_command(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Event id (or a unique prefix of at least 6 characters).")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """One event in full: subjects, attributes, flags, geometry and the raw records it cites."""
    from airpicture.pipeline.events import event_record, find_event

    state = get_state(ctx)
    event, region = find_event(state.workspace(), event_id)
    document = event_record(event.event_id, event, region)
    if as_json:
        print_json(state.out, document)
        return
    print_fields(state.out, {k: v for k, v in document.items() if k not in ("subjects", "evidence", "geometry")})
    for subject in document["subjects"]:  # type: ignore[attr-defined]
        print_fields(state.out, subject, "subject")
    print_rows(
        state.out,
        ("kind", "source", "offset"),
        [(e["kind"], e["source_file"], e["source_offset"]) for e in document["evidence"]],  # type: ignore[attr-defined]
        "evidence (raw records)",
    )
