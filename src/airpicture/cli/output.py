"""Rendering for the terminal and for scripts: Rich tables for people, ``--json`` for programs."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text


def to_jsonable(value: Any) -> Any:
    """Dates as ISO 8601, paths as strings, tuples as lists, dataclasses left to the caller."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(console: Console, value: Any) -> None:
    """One JSON document on standard output, no colour, no wrapping."""
    console.file.write(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2) + "\n")


WIDE = typer.Option("--wide", help="Every column, however wide (otherwise the columns that fit the terminal).")
"""The ``--wide`` option of listing commands (``wide: Annotated[bool, WIDE] = False``)."""

MIN_WRAPPED = 16
"""Narrowest a free-text column is squeezed to (identifiers are never squeezed, wrapped or cut)."""


def _cell_width(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def print_rows(
    console: Console,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str = "",
    *,
    wide: bool = False,
    wrap: Collection[str] = (),
) -> None:
    """A table for people; cells are data, never markup.

    Columns are listed most important first. Unless ``wide``, the columns that fit the console's width are
    kept whole, in that order (the first always), and the caption names those left out. Cells are never
    cut: identifiers are never wrapped, only the free-text columns named in ``wrap`` wrap at word bounds.
    When piped, the width is ``COLUMNS`` or 80 (as Rich has it); ``--json`` is the format for scripts.
    """
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    natural = [max([cell_len(c), *(_cell_width(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    narrowest = [
        min(natural[i], max([MIN_WRAPPED, *(_longest_word(r[i]) for r in cells)])) if c in wrap else natural[i]
        for i, c in enumerate(columns)
    ]
    keep = list(range(len(columns)))
    if not wide:
        used, keep = 1, []
        for i in range(len(columns)):
            if not keep or used + narrowest[i] + 3 <= console.width:
                keep.append(i)
                used += narrowest[i] + 3
    left_out = [columns[i] for i in range(len(columns)) if i not in keep]
    caption = f"left out to fit {console.width} columns: {', '.join(left_out)} (--wide shows all)" if left_out else None
    table = Table(title=Text(title) if title else None, caption=Text(caption) if caption else None)
    for i in keep:
        if columns[i] in wrap:
            table.add_column(Text(columns[i]), min_width=narrowest[i])
        else:
            table.add_column(Text(columns[i]), no_wrap=True, min_width=natural[i])
    for row in cells:
        table.add_row(*(Text(row[i]) for i in keep))
    full = 1 + sum(natural[i] + 3 for i in keep)
    if full <= console.width or not (wide or len(keep) == 1):
        console.print(table)
        return
    width = console.width
    try:  # wider than the terminal on purpose (--wide, or one column that does not fit): nothing is cut
        console.width = full
        console.print(table)
    finally:
        console.width = width


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def print_fields(console: Console, fields: Mapping[str, Any], title: str = "") -> None:
    """A two-column key/value table for one record."""
    print_rows(console, ("field", "value"), [(k, to_jsonable(v)) for k, v in fields.items()], title, wrap=("value",))


@contextmanager
def progress(console: Console, enabled: bool, description: str, total: int | None) -> Iterator[Any]:
    """A progress bar on a terminal; a silent stand-in when piped or --quiet.

    Yields a callable ``advance(n)``.
    """
    if not enabled:
        yield lambda n=1: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
