"""``airpicture alerts run|send|list|pending|approve|reject|test`` (docs/alerts.md).

``alerts run`` plans alerts for the stored events and judgments (the rules in ``[[alerts.rules]]``) and sends
what is due; ``alerts send`` only sends. ``airpicture run`` does both at its end when rules exist.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from airpicture.cli.output import WIDE, print_json, print_rows
from airpicture.cli.state import get_state

# The pipeline (DuckDB, httpx, paho-mqtt …) is imported inside each command, so that --help starts fast.

app = typer.Typer(
    help="Alerts: plan, send, list, and approve or reject drafts for public channels.", no_args_is_help=True
)
ALERT_ID = typer.Argument(metavar="ALERT_ID", help="Alert id (or a unique prefix of 6+) from 'alerts pending'.")
JSON = typer.Option("--json", help="Machine-readable output.")


def _rows_out(state: Any, rows: list[Any], title: str, wide: bool, as_json: bool) -> None:
    if as_json:
        print_json(
            state.out,
            [
                {
                    "alert_id": r.alert_id, "channel": r.channel, "rule": r.rule, "state": r.state,
                    "window_start": r.window_start, "attempts": r.attempts, "next_try": r.next_try,
                    "last_error": r.last_error, "sent_at": r.sent_at, "text": "\n".join(r.body["sentences"]),
                    "status": r.body["status"], "evidence": r.body["evidence"],
                }
                for r in rows
            ],
        )  # fmt: skip
        return
    columns = ("alert", "channel", "state", "rule", "window start", "attempts", "text", "last error")
    table = [
        (r.alert_id, r.channel, r.state, r.rule, r.window_start.isoformat(timespec="minutes"), r.attempts,
         " ".join(r.body["sentences"]), r.last_error or "")
        for r in rows
    ]  # fmt: skip
    print_rows(state.out, columns, table, title, wide=wide, wrap=("text",))


def run_alerts(state: Any, *, send: bool = True) -> tuple[Any, Any]:
    """Plan alerts for the workspace and (``send``) deliver what is due; used by ``alerts run`` and ``run``."""
    from airpicture.pipeline.alerts import alert_on_workspace
    from airpicture.pipeline.alerts_delivery import deliver

    workspace = state.workspace()
    planned = alert_on_workspace(workspace, state.settings, state.clock)
    sent = deliver(workspace, state.settings, state.clock) if send else None
    return planned, sent


def _say_outcome(state: Any, planned: Any, sent: Any) -> None:
    if planned is not None:
        state.out.print(
            f"alerts: {planned.alerts} planned, {planned.new_rows} new outbox rows, "
            f"{planned.awaiting_approval} awaiting approval, {planned.stale} stale",
            highlight=False,
            markup=False,
        )
    if sent is not None:
        paused = f" (paused by the service: {', '.join(sent.paused_channels)})" if sent.paused_channels else ""
        state.out.print(
            f"sent {sent.sent}, retrying {sent.retrying}, failed {sent.failed}, stale {sent.stale}{paused}",
            highlight=False,
            markup=False,
        )


@app.command("run")
def run_command(ctx: typer.Context) -> None:
    """Plan alerts for the stored events and judgments under [[alerts.rules]], then send what is due."""
    state = get_state(ctx)
    planned, sent = run_alerts(state)
    _say_outcome(state, planned, sent)


@app.command("send")
def send_command(ctx: typer.Context) -> None:
    """Send the outbox rows that are due (pending, past their next try); retries and Retry-After honoured."""
    from airpicture.pipeline.alerts_delivery import deliver

    state = get_state(ctx)
    _say_outcome(state, None, deliver(state.workspace(), state.settings, state.clock))


@app.command("list")
def list_command(
    ctx: typer.Context,
    only: Annotated[list[str] | None, typer.Option("--state", help="Only rows in this state (repeatable).")] = None,
    wide: Annotated[bool, WIDE] = False,
    as_json: Annotated[bool, JSON] = False,
) -> None:
    """List the outbox: one row per alert and channel with its state."""
    from airpicture.pipeline.alerts_delivery import list_outbox

    state = get_state(ctx)
    _rows_out(state, list_outbox(state.workspace(), tuple(only or ())), "alerts", wide, as_json)


@app.command("pending")
def pending_command(
    ctx: typer.Context, wide: Annotated[bool, WIDE] = False, as_json: Annotated[bool, JSON] = False
) -> None:
    """Drafts for public channels waiting for an analyst: text, status and evidence."""
    from airpicture.pipeline.alerts_delivery import list_outbox

    state = get_state(ctx)
    _rows_out(state, list_outbox(state.workspace(), ("awaiting_approval",)), "drafts", wide, as_json)


@app.command("approve")
def approve_command(
    ctx: typer.Context,
    alert_id: Annotated[str, ALERT_ID],
    text: Annotated[str | None, typer.Option(help="Replace the alert's text (an edit) before it goes out.")] = None,
    channel: Annotated[str | None, typer.Option(help="Approve for this channel only.")] = None,
) -> None:
    """Approve a draft: it goes out at the next 'alerts send' (after the rule's delay)."""
    from airpicture.pipeline.alerts_delivery import approve

    state = get_state(ctx)
    done = approve(state.workspace(), state.clock, alert_id, text=text, channel=channel)
    state.say(f"approved {done[0].alert_id} for {', '.join(r.channel for r in done)}" if done else "nothing approved")


@app.command("reject")
def reject_command(ctx: typer.Context, alert_id: Annotated[str, ALERT_ID]) -> None:
    """Reject a draft: suppressed, never sent, never drafted again."""
    from airpicture.pipeline.alerts_delivery import reject

    state = get_state(ctx)
    done = reject(state.workspace(), alert_id)
    state.say(f"rejected {done[0].alert_id} for {', '.join(r.channel for r in done)}")


@app.command("test")
def test_command(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="webhook, ntfy, mqtt, email, atom, telegram, mastodon")],
) -> None:
    """Send a test message on one configured channel; exit 1 when it fails."""
    from airpicture.pipeline.alerts_delivery import send_test

    state = get_state(ctx)
    result = send_test(state.settings, state.clock, channel)
    if not result.ok:
        state.err.print(f"error: {channel}: {result.error}", highlight=False, markup=False)
        raise typer.Exit(1)
    state.out.print(f"{channel}: test message sent", highlight=False, markup=False)
