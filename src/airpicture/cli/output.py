"""Rendering for the terminal and for scripts: Rich tables for people, ``--json`` for programs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
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


def print_rows(console: Console, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    """A table for people."""
    table = Table(title=Text(title) if title else None, show_lines=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))  # Text: cells are data, never markup
    console.print(table)


def print_fields(console: Console, fields: Mapping[str, Any], title: str = "") -> None:
    """A two-column key/value table for one record."""
    print_rows(console, ("field", "value"), [(k, to_jsonable(v)) for k, v in fields.items()], title)


@contextmanager
def progress(console: Console, enabled: bool, description: str, total: int | None) -> Iterator[Any]:
    """A progress bar on a terminal; a silent stand-in when piped or --quiet.

    Yields a callable ``advance(n)``.
    """
    if not enabled:
        yield lambda n=1: None
        return
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
