"""What the global options build once per invocation and every command reads."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from airpicture.model.clock import Clock, SystemClock
from airpicture.model.errors import NothingToAssessError
from airpicture.model.settings import SETTINGS_FILE_NAME, Settings, load_settings

if TYPE_CHECKING:
    from airpicture.store import Workspace

NOTHING_TO_ASSESS = NothingToAssessError.exit_code
"""Exit status of ``assess`` and ``report`` when the night has nothing to assess in the region's frame (no
receiver data and no claims there): not a failure (1) nor bad input (2), and no report is written."""

WRITER_COMMANDS = frozenset(
    {
        "run",
        "ingest",
        "detect",
        "assess",
        "tracks build",
        "notam ingest",
        "reports import",
        "claims refresh",
        "sources grade",
        "appearances add",
        "intake pull",
        "serve keys add",
        "serve keys revoke",
    }
)
"""Commands that write the workspace: each holds its writer lock from opening it to its end (another process
holding it: ``WorkspaceBusy``, exit 75). Every other command only reads, and works while one of these runs;
``report`` reads too, and takes the lock only for the moment it stores a new judgment (``Workspace.connect``)."""


@dataclass(frozen=True, slots=True)
class AppState:
    """Settings, clock and consoles for one invocation."""

    settings: Settings
    clock: Clock
    verbosity: int
    debug: bool
    out: Console
    err: Console
    invocation: list[typer.Context] = field(default_factory=list)
    """The running command's context (set by :func:`get_state`): whether it writes, and its close hooks."""

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    @property
    def show_progress(self) -> bool:
        """Progress bars only on a terminal, and not when --quiet."""
        return not self.quiet and self.err.is_terminal

    @property
    def command(self) -> str:
        """The running command without the program name (``notam ingest``); '' before one runs."""
        return " ".join(self.invocation[-1].command_path.split()[1:]) if self.invocation else ""

    def workspace(self) -> Workspace:
        """Open the configured workspace (it must exist). A writing command (:data:`WRITER_COMMANDS`) takes
        its writer lock here and holds it until the command ends."""
        from airpicture.store import Workspace, locking  # DuckDB and Arrow: loaded by the commands that need them

        workspace = Workspace.open(self.settings.workspace)
        if self.command in WRITER_COMMANDS and not locking.holds(workspace.root):
            held = ExitStack()
            lock = held.enter_context(workspace.writer(self.command))
            self.invocation[-1].find_root().call_on_close(held.close)
            if lock.interrupted:
                self.say(f"note: the last writer ({lock.interrupted}) was stopped before it finished; "
                         "what it left unfinished is redone")  # fmt: skip
        return workspace

    def say(self, message: str) -> None:
        """A human-readable status line on standard error, unless --quiet."""
        if not self.quiet:
            self.err.print(message, highlight=False)


def build_state(workspace: Path | None, config: Path | None, verbosity: int, debug: bool) -> AppState:
    """Settings from (lowest first) defaults, the settings file, ``AIRPICTURE_*`` and the flags.

    The settings file is ``--config`` (or ``AIRPICTURE_CONFIG``) when given, otherwise
    ``airpicture.toml`` inside the workspace.
    """
    env = dict(os.environ)
    config_named = config or (Path(env["AIRPICTURE_CONFIG"]) if env.get("AIRPICTURE_CONFIG") else None)
    workspace_guess = workspace or Path(env.get("AIRPICTURE_WORKSPACE", "airpicture-workspace"))
    config_file = config_named or workspace_guess / SETTINGS_FILE_NAME
    settings = load_settings(
        config_file,
        env,
        {"workspace": workspace},
        required=config_named is not None,
    )
    return AppState(
        settings=settings,
        clock=SystemClock(),
        verbosity=verbosity,
        debug=debug,
        # markup=False: data (callsigns, NOTAM text, file names) is never read as Rich markup ("[/evil]").
        out=Console(file=sys.stdout, soft_wrap=True, markup=False),
        err=Console(file=sys.stderr, soft_wrap=True, markup=False),
    )


def get_state(ctx: typer.Context) -> AppState:
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    state.invocation[:] = [ctx]
    return state
