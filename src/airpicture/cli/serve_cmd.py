"""``airpicture serve`` (the web API and dashboard) and ``airpicture serve keys add|list|revoke``."""

from __future__ import annotations

from typing import Annotated

import typer

from airpicture.cli.output import print_json, print_rows
from airpicture.cli.state import get_state

# FastAPI, uvicorn and the pipeline are imported inside each command, so that --help starts fast.

app = typer.Typer(help="Serve the HTTP API and the map dashboard over the workspace.", invoke_without_command=True)
keys_app = typer.Typer(help="Analyst API keys: random, stored hashed, scopes read/write/admin.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (a public one exposes the API).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8017,
) -> None:
    """Start the API (/api/v1, /v2) and the dashboard (/) over the workspace; reads only."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from airpicture.web.app import create_app

    state = get_state(ctx)
    application = create_app(state.workspace(), state.settings, state.clock)
    state.say(f"serving {state.settings.workspace} on http://{host}:{port}/ (API at /api/v1, Ctrl-C stops)")
    # access_log off: request lines carry client addresses (docs/source-protection.md).
    uvicorn.run(application, host=host, port=port, access_log=False, log_level="warning")


@keys_app.command("add")
def add(
    ctx: typer.Context,
    label: Annotated[str, typer.Argument(help="What the key is for, e.g. 'newsroom laptop' (name no person).")],
    scope: Annotated[str, typer.Option(help="read, write or admin.")] = "read",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Make a key; it is printed once and only its hash is kept."""
    from airpicture.store.api_keys import add_key

    state = get_state(ctx)
    with state.workspace().connect() as con:
        key, record = add_key(con, label, scope, state.clock.now())
    if as_json:
        print_json(state.out, {"key": key, "key_id": record.key_id, "label": record.label, "scope": record.scope})
        return
    state.out.print(key, highlight=False)
    state.say(f"key {record.key_id} ({record.scope}): shown once, keep it safe")


@keys_app.command("list")
def list_(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False
) -> None:
    """Keys by id, label, scope and whether revoked (never the keys)."""
    from airpicture.store.api_keys import list_keys

    state = get_state(ctx)
    with state.workspace().connect(read_only=True) as con:
        found = list_keys(con)
    rows = [
        {"key_id": k.key_id, "label": k.label, "scope": k.scope, "created_at": k.created_at, "revoked_at": k.revoked_at}
        for k in found
    ]
    if as_json:
        print_json(state.out, rows)
        return
    print_rows(state.out, ("key_id", "label", "scope", "created_at", "revoked_at"),
               [tuple(r.values()) for r in rows], f"{len(rows)} keys", wrap=("label",))  # fmt: skip


@keys_app.command("revoke")
def revoke(ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="Key id from 'serve keys list'.")]) -> None:
    """Revoke a key at once (it stays listed, revoked)."""
    from airpicture.store.api_keys import revoke_key

    state = get_state(ctx)
    with state.workspace().connect() as con:
        revoke_key(con, key_id, state.clock.now())
    state.say(f"key {key_id} revoked")
