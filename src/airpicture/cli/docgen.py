"""Generate ``docs/cli.md`` from the commands' own ``--help`` (so the reference cannot drift).

Run ``python -m airpicture.cli.docgen > docs/cli.md`` after changing a command; a test fails when the
file is out of date.
"""

from __future__ import annotations

from typing import Any

import typer.main

from airpicture.cli.app import app

WIDTH = 100

HEADER = """# Command-line reference

Generated from the commands' own `--help` by `python -m airpicture.cli.docgen > docs/cli.md`; a test fails
when this file is out of date. Global options go before the command
(`airpicture --workspace W export positions …`). Exit status: 0 success, 1 failure of the run, 2 bad
input you can fix (usage, settings, unknown names, malformed files), 75 another run or writing command
holds the workspace (the message names its pid; try again when it has finished: see
[workspace.md](workspace.md#one-writer-at-a-time)). Errors are one line on standard
error; `--debug` shows the traceback. Listing commands take `--json`. Tables keep the columns that fit
the terminal (`COLUMNS`, or 80 when piped), most important first, and never cut or wrap an identifier; the
caption names what was left out, and `--wide` shows every column. Data is printed as text, never read as
markup (a callsign `[/evil]` prints as itself). `airpicture --version` and every `--help` start without
loading the pipeline's libraries.
"""


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            found.extend(_walk(command.commands[name], [*path, name]))
    return found


def render() -> str:
    root = typer.main.get_command(app)
    parts = [HEADER]
    for path, command in _walk(root, ["airpicture"]):
        context_class = root.context_class
        parent: Any = None
        for i in range(1, len(path)):
            parent = context_class(root, info_name=path[i - 1], parent=parent)
        ctx = context_class(command, info_name=path[-1], parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
        level = "#" * min(len(path) + 1, 4)
        parts.append(f"{level} `{' '.join(path)}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
