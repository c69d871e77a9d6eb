"""The shared vocabulary: errors, clock, settings, regions, Arrow schemas. Imports nothing of ours."""

from airpicture.model.clock import Clock, FixedClock, SystemClock
from airpicture.model.errors import (
    AirpictureError,
    ConfigError,
    DecodeError,
    NotamParseError,
    ReferenceDataError,
    SourceError,
    UsageError,
    WorkspaceError,
)

__all__ = [
    "AirpictureError",
    "Clock",
    "ConfigError",
    "DecodeError",
    "FixedClock",
    "NotamParseError",
    "ReferenceDataError",
    "SourceError",
    "SystemClock",
    "UsageError",
    "WorkspaceError",
]
