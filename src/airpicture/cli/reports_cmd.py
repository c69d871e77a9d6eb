"""``airpicture reports import FILE`` and ``airpicture reports key …``: observer reports from a bot or web-form
export (CSV or JSON), and the reporter key kept off the workspace (docs/source-protection.md)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from airpicture.cli.output import print_json
from airpicture.cli.state import get_state
from airpicture.model.errors import ConfigError
from airpicture.pipeline.reports_key import (
    KDF_FILE,
    PASSPHRASE_ENV,
    create_key_file,
    placement,
    provide_passphrase,
    set_passphrase,
)

KEEP_DELIVERED_WARNING = (
    "--keep-delivered: the delivered report exports stay on disk with whatever they carry (chat ids, user "
    "names, the names of their folders); a seized machine hands them over. Delete them yourself."
)

app = typer.Typer(
    help="Observer reports: import without storing anything that identifies the reporter.", no_args_is_help=True
)
key_app = typer.Typer(
    help="The reporter key: create it off the workspace (removable media) or derive it from a passphrase.",
    no_args_is_help=True,
)
app.add_typer(key_app, name="key")


def ensure_passphrase(workspace_root: Path) -> None:
    """When the workspace derives its key from a passphrase: take it from the environment or, at a terminal,
    ask for it; it stays in this process's memory."""
    if not (workspace_root / KDF_FILE).exists():
        return
    given = os.environ.get(PASSPHRASE_ENV)
    if not given and sys.stdin.isatty():
        given = getpass.getpass("reporter key passphrase: ")
    if given:
        provide_passphrase(workspace_root, given)


@app.command("import")
def import_reports(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or JSON export; media files named in rows sit next to it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable summary.")] = False,
    keep_delivered: Annotated[
        bool, typer.Option("--keep-delivered", help="Do not overwrite and delete the export after import (unsafe).")
    ] = False,
) -> None:
    """Import observer reports: identity columns dropped, text redacted, media stripped, claims refreshed;
    then the export and its media files are overwritten and deleted."""
    from airpicture.pipeline.claims import refresh  # here: --help stays fast
    from airpicture.pipeline.reports import import_file, load_reporter_key

    state = get_state(ctx)
    workspace = state.workspace()
    ensure_passphrase(workspace.root)
    if keep_delivered:
        state.err.print(f"warning: {KEEP_DELIVERED_WARNING}", highlight=False, markup=False)
    key = load_reporter_key(state.settings.reports.reporter_key_file.expanduser(), workspace.root)
    result = import_file(workspace, file, state.settings, state.clock, key, remove_delivered=not keep_delivered)
    refresh(workspace, state.settings, state.clock)
    if as_json:
        print_json(
            state.out,
            {
                "file": result.label,
                "imported": result.imported,
                "rejected": result.rejected,
                "errors": list(result.errors),
                "warnings": list(result.warnings),
                "media_stored": result.media_stored,
                "report_ids": list(result.report_ids),
                "removed": result.removed,
            },
        )
        return
    for warning in result.warnings:
        state.err.print(f"warning: {warning}", highlight=False, markup=False)
    for error in result.errors:
        state.err.print(f"rejected: {error}", highlight=False, markup=False)
    state.say(
        f"{result.label}: imported {result.imported} reports, rejected {result.rejected}, "
        f"stored {result.media_stored} media files"
        + ("; the export was overwritten and deleted" if result.removed else "")
    )


@key_app.command("create")
def key_create(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the key: removable media, outside the workspace.")],
) -> None:
    """Write a new random reporter key (32 bytes, mode 0600). Point reports.reporter_key_file at it."""
    state = get_state(ctx)
    workspace = state.workspace()
    where = create_key_file(path.expanduser(), workspace.root)
    for warning in where.warnings():
        state.err.print(f"warning: {warning}", highlight=False, markup=False)
    state.say(
        f"reporter key written to {path}; set reports.reporter_key_file (or "
        f"AIRPICTURE_REPORTS__REPORTER_KEY_FILE) to it, and unplug the medium between runs"
    )


@key_app.command("passphrase")
def key_passphrase(ctx: typer.Context) -> None:
    """Derive the reporter key from a passphrase (scrypt) instead of a key file: nothing on disk holds it.

    Reads the passphrase from AIRPICTURE_REPORTER_PASSPHRASE, or asks twice at a terminal. Pseudonyms made
    with an earlier key will not match the new ones."""
    state = get_state(ctx)
    workspace = state.workspace()
    given = os.environ.get(PASSPHRASE_ENV)
    if not given:
        if not sys.stdin.isatty():
            raise ConfigError("no passphrase given", expected=f"a terminal, or the passphrase in {PASSPHRASE_ENV}")
        given = getpass.getpass("new reporter key passphrase: ")
        if getpass.getpass("again: ") != given:
            raise ConfigError("the two passphrases differ")
    set_passphrase(workspace.root, given)
    state.say(
        f"the reporter key is now derived from the passphrase ({KDF_FILE} holds the salt only); give it at each "
        f"run, or in {PASSPHRASE_ENV}"
    )


@key_app.command("check")
def key_check(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False
) -> None:
    """Say where the reporter key comes from and whether a seizure of the machine would take it too."""
    state = get_state(ctx)
    workspace = state.workspace()
    where = placement(state.settings.reports.reporter_key_file.expanduser(), workspace.root)
    if as_json:
        print_json(
            state.out,
            {
                "source": where.source,
                "path": str(where.path) if where.path else None,
                "same_file_system": where.same_device,
                "warnings": where.warnings(),
            },
        )
        return
    for warning in where.warnings():
        state.err.print(f"warning: {warning}", highlight=False, markup=False)
    if where.source == "passphrase":
        state.say("reporter key: derived from a passphrase (scrypt); not stored anywhere")
    else:
        state.say(
            f"reporter key: file {where.path}" + (" (same file system as the workspace)" if where.same_device else "")
        )
