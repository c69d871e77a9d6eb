"""``airpicture intake …``: the observer intake server (its own process and database) and, on the analyst
machine, the key pair and the pull into the workspace (docs/security/intake.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.output import print_json
from airpicture.cli.state import get_state

app = typer.Typer(
    help="Observer intake: a separate server that seals reports on arrival; keys and pulls on the analyst side.",
    no_args_is_help=True,
)


@app.command("keygen")
def keygen(
    ctx: typer.Context,
    public_out: Annotated[Path, typer.Option("--public-out", help="Where to write the public key.")] = Path(
        "intake.pub"
    ),
) -> None:
    """Analyst machine: create the key pair. The private key goes to intake.private_key_file (0600, never
    overwritten); copy only the public key to the server and publish its fingerprint."""
    from airpicture.intake.sealing import fingerprint, generate_keypair, write_key_file

    state = get_state(ctx)
    private_path = state.settings.intake.private_key_file.expanduser()
    private, public = generate_keypair()
    write_key_file(private_path, private, private=True)
    write_key_file(public_out, public, private=False)
    state.say(f"private key: {private_path} (keep it on this machine only)")
    state.say(f"public key: {public_out} (copy it to the intake server)")
    state.out.print(f"fingerprint: {fingerprint(public)}", highlight=False)


@app.command("fingerprint")
def show_fingerprint(
    ctx: typer.Context,
    public_key: Annotated[Path | None, typer.Argument(help="Public key file (default intake.public_key_file).")] = None,
) -> None:
    """Print the fingerprint of a public key, to publish next to the onion address."""
    from airpicture.intake.sealing import fingerprint, read_key_file

    state = get_state(ctx)
    state.out.print(fingerprint(read_key_file(public_key or state.settings.intake.public_key_file)), highlight=False)


@app.command("serve")
def serve(
    ctx: typer.Context,
    tcp_port: Annotated[
        int | None, typer.Option("--tcp-port", help="Listen on 127.0.0.1:PORT instead of the unix socket.")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Loopback address for --tcp-port.")] = "127.0.0.1",
) -> None:
    """Run the intake server on intake.socket_path (for Tor's HiddenServicePort). It holds the public key
    only; its database is intake.data_dir/intake.sqlite3."""
    from airpicture.intake.sealing import read_key_file
    from airpicture.intake.server import serve as run

    state = get_state(ctx)
    settings = state.settings.intake
    public = read_key_file(settings.public_key_file.expanduser())
    if tcp_port is not None and not host.startswith("127."):
        raise typer.BadParameter("--host must be a loopback address (127.x.x.x); publish through Tor instead")
    run(settings, state.clock, public, host=host if tcp_port is not None else None, port=tcp_port)


@app.command("torrc")
def torrc(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Write the torrc here (default: standard output).")] = None,
    tor_dir: Annotated[Path, typer.Option("--tor-dir", help="Tor's DataDirectory and HiddenServiceDir parent.")] = Path(
        "intake-tor"
    ),
) -> None:
    """A torrc publishing the intake's unix socket as an onion service (SafeLogging, PoW defence)."""
    from airpicture.intake.torrc import render_torrc

    state = get_state(ctx)
    text = render_torrc(
        socket_path=state.settings.intake.socket_path,
        hidden_service_dir=tor_dir / "onion-service",
        data_dir=tor_dir / "data",
    )
    if out is None:
        state.out.print(text, highlight=False, end="")
    else:
        out.write_text(text, encoding="utf-8")
        state.say(f"torrc written to {out}; check it with: tor --verify-config -f {out}")


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write one sealed batch file to.")],
) -> None:
    """Server side: write pending sealed reports to a batch file (for 'intake pull --from DIR')."""
    from airpicture.intake.batches import export_batch
    from airpicture.intake.db import IntakeDatabase

    state = get_state(ctx)
    database = IntakeDatabase(state.settings.intake.data_dir / "intake.sqlite3")
    try:
        path = export_batch(database, out, state.settings.intake.pull_batch_size)
    finally:
        database.close()
    state.say(f"batch written: {path}" if path else "nothing pending")


@app.command("ack")
def ack(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder with batch files and the ack files 'intake pull' wrote.")],
) -> None:
    """Server side: delete the reports the analyst acknowledged, and the batch files."""
    from airpicture.intake.batches import apply_acks
    from airpicture.intake.db import IntakeDatabase

    state = get_state(ctx)
    database = IntakeDatabase(state.settings.intake.data_dir / "intake.sqlite3")
    try:
        result = apply_acks(database, folder)
    finally:
        database.close()
    state.say(f"{result.deleted} reports deleted, {result.files_removed} files removed")


@app.command("pull")
def pull(
    ctx: typer.Context,
    source: Annotated[str, typer.Option("--from", help="The intake's URL, or a folder of batch files.")],
    proxy: Annotated[
        str | None, typer.Option("--proxy", help="Proxy for the URL, e.g. socks5://127.0.0.1:9050 (Tor).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
) -> None:
    """Analyst machine: pull sealed reports, open them with the private key, store them as observer reports
    (the same vetting as 'reports import'); then they are deleted on the server."""
    from airpicture.cli.reports_cmd import ensure_passphrase
    from airpicture.intake.sealing import read_key_file
    from airpicture.pipeline.intake_pull import pull as run_pull
    from airpicture.pipeline.reports import load_reporter_key

    state = get_state(ctx)
    workspace = state.workspace()
    ensure_passphrase(workspace.root)
    key = load_reporter_key(state.settings.reports.reporter_key_file.expanduser(), workspace.root)
    private = read_key_file(state.settings.intake.private_key_file.expanduser())
    result = run_pull(workspace, source, state.settings, state.clock, key, private, proxy=proxy)
    summary = {
        "pulled": result.pulled,
        "imported": result.imported,
        "rejected": result.rejected,
        "unopened": result.unopened,
        "deleted_on_server": result.deleted,
        "errors": result.errors,
    }
    if as_json:
        print_json(state.out, summary)
    else:
        state.out.print(
            f"{result.pulled} pulled, {result.imported} stored, {result.rejected} rejected, "
            f"{result.unopened} did not open, {result.deleted} deleted on the server",
            highlight=False,
        )
        for error in result.errors:
            state.err.print(f"  {error}", highlight=False)
