"""A small typed error hierarchy that carries what a user needs to fix the problem.

Every error renders as one line: ``where: what was found (expected …)``. ``exit_code`` is what the CLI
returns: 2 for bad input the user can correct (usage, configuration, unknown names, malformed files),
1 for failures of the run itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(eq=False)
class AirpictureError(Exception):
    """Base of every error airpicture raises on purpose.

    ``where`` names the file, key, record or argument (with offset or line when known), ``found`` what
    was there, ``expected`` what would have been accepted.
    """

    message: str
    where: str | None = None
    found: str | None = None
    expected: str | None = None

    exit_code = 1

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.found is not None:
            text += f" (found {self.found!r}"
            text += f", expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


@dataclass(eq=False)
class UsageError(AirpictureError):
    """The command line asked for something that cannot be done as asked."""

    exit_code = 2


@dataclass(eq=False)
class NothingToAssessError(AirpictureError):
    """No night of the region has anything to assess (no receiver data and no claims in its frame)."""

    exit_code = 3


@dataclass(eq=False)
class ConfigError(UsageError):
    """A settings file, environment override or region file is unreadable or holds a bad value."""


@dataclass(eq=False)
class ReferenceDataError(UsageError):
    """An unknown country, airfield, region or aircraft, or a malformed reference file."""


@dataclass(eq=False)
class WorkspaceError(UsageError):
    """The workspace cannot be opened as asked (missing, or written by a newer airpicture)."""


@dataclass(eq=False)
class WorkspaceBusy(WorkspaceError):
    """Another process holds the workspace's writer lock (a run or another writing command is in progress).
    Exit code 75 (``EX_TEMPFAIL``: try again later)."""

    exit_code = 75


@dataclass(eq=False)
class SourceError(AirpictureError):
    """Input bytes that are no known format or cannot be read. ``where`` carries file and offset."""

    exit_code = 2


@dataclass(eq=False)
class DecodeError(AirpictureError):
    """A record that was read but cannot be decoded (bad CRC, impossible field)."""


@dataclass(eq=False)
class NotamParseError(AirpictureError):
    """A NOTAM, or one of its items, that cannot be parsed. ``where`` carries NOTAM id, item and offset."""
