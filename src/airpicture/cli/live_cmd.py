"""``airpicture live`` (watch receiver feeds; events as they happen) and ``airpicture live status``."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any

import typer

from airpicture.cli.output import print_json
from airpicture.cli.state import get_state
from airpicture.model.errors import UsageError

if TYPE_CHECKING:
    from airpicture.pipeline.live import LiveEvent, LiveStatusView

# The pipeline (asyncio feeds, DuckDB, Arrow, detectors) is imported inside each command: --help starts fast.

app = typer.Typer(
    help="Watch receiver feeds: positions stored as ingest stores them, events as they happen.",
    invoke_without_command=True,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``2h``, ``1d`` → seconds; ``UsageError`` otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise UsageError("bad duration", where="--for", found=text, expected="a number with s, m, h or d (15m)")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


@app.callback()
def live(
    ctx: typer.Context,
    feed: Annotated[
        list[str] | None,
        typer.Option(
            "--feed",
            help="A feed URL[=RECEIVER] (beast://host:port, raw://, sbs://, http(s)://…/aircraft.json, "
            "replay:PATH?speed=N); repeatable, added to [[live.feeds]].",
        ),
    ] = None,
    for_: Annotated[str | None, typer.Option("--for", help="Stop after this long (90s, 15m, 2h).")] = None,
    exit_on_eof: Annotated[
        bool, typer.Option("--exit-on-eof", help="Stop when every feed has ended (replays).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Each event as one JSON line on standard output, as it is emitted.")
    ] = False,
) -> None:
    """Run until stopped (SIGINT/SIGTERM: drain, flush, exit 0). SIGUSR1 refreshes claims and assessment."""
    if ctx.invoked_subcommand is not None:
        return
    import asyncio
    import signal

    from airpicture.pipeline.live import run_live

    state = get_state(ctx)
    duration_s = parse_duration(for_) if for_ else None
    workspace = state.workspace()
    show = _JsonLines(state.out.file) if as_json else _StatusDisplay(state)

    async def main() -> Any:
        stop, refresh = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, refresh.set)
        return await run_live(
            workspace,
            state.settings,
            state.clock,
            tuple(feed or ()),
            stop=stop,
            on_event=show.event,
            on_status=show.status,
            exit_on_eof=exit_on_eof,
            duration_s=duration_s,
            refresh=refresh,
        )

    with show:
        summary = asyncio.run(main())
    state.say(
        f"live: {summary.positions:,} positions stored from {summary.batches:,} batches; {summary.passes} "
        f"detection pass(es), {summary.events:,} event change(s) emitted"
    )


class _JsonLines:
    def __init__(self, out: Any) -> None:
        self.out = out

    def __enter__(self) -> _JsonLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.out.flush()

    def event(self, event: LiveEvent) -> None:
        self.out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        self.out.flush()

    def status(self, view: LiveStatusView) -> None:
        pass


class _StatusDisplay:
    """A Rich live table: per feed frames/s, aircraft, lag, drops, reconnects; the latest events."""

    def __init__(self, state: Any) -> None:
        from rich.live import Live

        self.live = Live(console=state.err, auto_refresh=False, transient=False)
        self.enabled = not state.quiet

    def __enter__(self) -> _StatusDisplay:
        if self.enabled:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.live.stop()

    def event(self, event: LiveEvent) -> None:
        pass

    def status(self, view: LiveStatusView) -> None:
        if not self.enabled:
            return
        from rich.console import Group
        from rich.table import Table

        feeds = Table(title=f"feeds ({view.positions:,} positions stored)")
        for column in ("feed", "receiver", "up", "frames/s", "frames", "aircraft", "lag s", "drops", "reconnects"):
            feeds.add_column(column)
        for c in view.counters:
            feeds.add_row(
                c.feed,
                (c.receiver or "")[:8],
                "yes" if c.connected else ("ended" if c.ended else "no"),
                f"{c.frames_per_s:,.0f}",
                f"{c.frames:,}",
                f"{c.aircraft_seen:,}",
                "" if c.lag_s is None else f"{c.lag_s:.1f}",
                f"{c.drops:,} ({c.dropped_frames:,} frames)",
                f"{c.reconnects:,}",
            )
        events = Table(title="latest events")
        for column in ("status", "change", "type", "aircraft", "start", "end"):
            events.add_column(column)
        for e in view.latest:
            events.add_row(
                e.status.value,
                e.change.value,
                e.type,
                e.icao24 or "",
                e.start.strftime("%H:%M:%SZ") if e.start else "",
                e.end.strftime("%H:%M:%SZ") if e.end else "",
            )
        self.live.update(Group(feeds, events), refresh=True)


@app.command("status")
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """The running (or last) live service's state from the workspace: feeds, counters, last event."""
    from airpicture.pipeline.live_store import read_status

    state = get_state(ctx)
    workspace = state.workspace()
    with workspace.connect(read_only=True) as con:
        found = read_status(con)
    if as_json:
        print_json(state.out, found)
        return
    out = state.out
    out.print(f"live: {found['state']} (started {found['started_at'] or '-'}, stopped {found['stopped_at'] or '-'})")
    for f in found["feeds"]:
        c = f["counters"]
        out.print(
            f"  {f['feed']}: {'connected' if c.get('connected') else 'ended' if c.get('ended') else 'not connected'}, "
            f"{c.get('frames', 0):,} frames ({c.get('frames_per_s', 0):,.0f}/s), {c.get('aircraft_seen', 0):,} "
            f"aircraft, {c.get('drops', 0):,} drops, {c.get('reconnects', 0):,} reconnects",
            highlight=False,
        )
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(found["events"].items())) or "none"
    out.print(f"  events: {counts}", highlight=False)
    last = found["last_event"]
    if last:
        out.print(
            f"  last event: {last.get('status')} {last.get('type')} {last.get('icao24') or ''} {last.get('start')}",
            highlight=False,
        )
