"""Typed access to parsed TOML with errors that name the file, line and key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from airpicture.model.errors import ConfigError
from airpicture.simulate._toml_lines import Path, TomlLines


@dataclass(frozen=True, slots=True)
class Node:
    """A table of the scenario with its path; every getter checks type and raises ``ConfigError``."""

    data: dict[str, Any]
    path: Path
    lines: TomlLines
    file: str

    def where(self, key: str | int | None = None) -> str:
        path = self.path if key is None else (*self.path, key)
        line = self.lines.line_of(path)
        dotted = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))
        return f"{self.file}:{line} {dotted}" if line else f"{self.file} {dotted}"

    def error(self, key: str | int | None, message: str, found: Any = None, expected: str | None = None) -> ConfigError:
        return ConfigError(
            message, where=self.where(key), found=None if found is None else str(found), expected=expected
        )

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, "unknown key", key, f"one of {', '.join(sorted(allowed))}")

    def has(self, key: str) -> bool:
        return key in self.data

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise self.error(None, f"missing key {key!r}")
            return None
        return self.data[key]

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if not isinstance(value, str):
            raise self.error(key, "expected text", value)
        return value

    def num(self, key: str, default: float | None = None, lo: float | None = None, hi: float | None = None) -> float:
        value = self._get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, "expected a number", value)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.error(key, "out of range", value, f"{lo} … {hi}")
        return float(value)

    def opt_float(self, key: str, lo: float | None = None, hi: float | None = None) -> float | None:
        return self.num(key, lo=lo, hi=hi) if key in self.data else None

    def whole(self, key: str, default: int | None = None, lo: int | None = None) -> int:
        value = self._get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, "expected a whole number", value)
        if lo is not None and value < lo:
            raise self.error(key, "out of range", value, f">= {lo}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, "expected true or false", value)
        return value

    def time(self, key: str, required: bool = True) -> datetime | None:
        value = self._get(key, required)
        if value is None:
            return None
        return self.as_time(key, value)

    def as_time(self, key: str | int, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.error(key, "not a time", value, "ISO 8601 UTC, e.g. 2022-07-11T19:40:00Z") from None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise self.error(key, "not a UTC time", value, "ISO 8601 with a zone, e.g. 2022-07-11T19:40:00Z")
        return value.astimezone(UTC)

    def date(self, key: str | int, value: Any) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(key, "not a date", value, "YYYY-MM-DD")

    def point(self, key: str) -> tuple[float, float]:
        value = self._get(key, True)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise self.error(key, "expected [lat, lon] in degrees", value)
        lat, lon = float(value[0]), float(value[1])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise self.error(key, "latitude or longitude out of range", value)
        return lat, lon

    def vector(self, key: str) -> tuple[float, float]:
        """A required pair of numbers with no range (e.g. an offset ``[east, north]`` in km)."""
        value = self._get(key, True)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise self.error(key, "expected two numbers, e.g. [east, north]", value)
        return float(value[0]), float(value[1])

    def pair(self, key: str, default: tuple[float, float]) -> tuple[float, float]:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value), float(value)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or value[0] > value[1]
        ):
            raise self.error(key, "expected a number or [low, high]", value)
        return float(value[0]), float(value[1])

    def table(self, key: str, required: bool = False) -> Node | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, "expected a table", value)
        return Node(value, (*self.path, key), self.lines, self.file)

    def tables(self, key: str) -> Iterator[Node]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, "expected an array of tables", value)
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.error(i, "expected a table", item)
            yield Node(item, (*self.path, key, i), self.lines, self.file)

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, "expected an array", value)
        return value
