"""Where each key of a TOML document is written: ``path → line`` so errors can name the line.

``tomllib`` returns plain data without positions. This scanner walks the same text once and records the
1-based line of every table header, key and array element, addressed like the parsed data:
``("aircraft", 0, "route", 2, "gs_kt")``. It assumes the text already parsed with ``tomllib``.
"""

from __future__ import annotations

import bisect

Path = tuple[str | int, ...]


class TomlLines:
    """Line numbers of the keys and array elements of one TOML text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]
        self.lines: dict[Path, int] = {}
        self._aot: dict[Path, int] = {}
        self._scan()

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its longest recorded prefix; ``None`` when nothing matches."""
        for k in range(len(path), 0, -1):
            line = self.lines.get(path[:k])
            if line is not None:
                return line
        return None

    # -- scanner -------------------------------------------------------------------------------------
    def _line(self, pos: int) -> int:
        return bisect.bisect_left(self._newlines, pos) + 1

    def _skip(self, pos: int, newlines: bool = True) -> int:
        text = self._text
        while pos < len(text):
            c = text[pos]
            if c in " \t\r" or (newlines and c == "\n"):
                pos += 1
            elif c == "#":
                while pos < len(text) and text[pos] != "\n":
                    pos += 1
            else:
                break
        return pos

    def _scan(self) -> None:
        text = self._text
        pos = self._skip(0)
        current: Path = ()
        while pos < len(text):
            if text[pos] == "[":
                array = text.startswith("[[", pos)
                start = pos + (2 if array else 1)
                end = text.index("]", start)
                parts, _ = self._key(text[start:end], 0)
                current = self._resolve(parts, array)
                self.lines.setdefault(current, self._line(pos))
                pos = end + (2 if array else 1)
            else:
                parts, pos = self._key(text, pos)
                path = current + tuple(parts)
                self.lines.setdefault(path, self._line(pos))
                pos = self._skip(text.index("=", pos) + 1, newlines=False)
                pos = self._value(pos, path)
            pos = self._skip(pos)

    def _resolve(self, parts: list[str], array: bool) -> Path:
        prefix: Path = ()
        for k, part in enumerate(parts):
            prefix = (*prefix, part)
            if k == len(parts) - 1 and array:
                index = self._aot.get(prefix, 0)
                self._aot[prefix] = index + 1
                return (*prefix, index)
            if prefix in self._aot:
                prefix = (*prefix, self._aot[prefix] - 1)
        return prefix

    def _key(self, text: str, pos: int) -> tuple[list[str], int]:
        parts: list[str] = []
        while True:
            pos = self._skip_spaces(text, pos)
            if pos < len(text) and text[pos] in "\"'":
                quote = text[pos]
                end = text.index(quote, pos + 1)
                parts.append(text[pos + 1 : end])
                pos = end + 1
            else:
                start = pos
                while pos < len(text) and (text[pos].isalnum() or text[pos] in "_-"):
                    pos += 1
                parts.append(text[start:pos])
            pos = self._skip_spaces(text, pos)
            if pos < len(text) and text[pos] == ".":
                pos += 1
                continue
            return parts, pos

    @staticmethod
    def _skip_spaces(text: str, pos: int) -> int:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        return pos

    def _value(self, pos: int, path: Path) -> int:
        text = self._text
        c = text[pos] if pos < len(text) else ""
        if c == "{":
            pos += 1
            while True:
                pos = self._skip(pos)
                if text[pos] == "}":
                    return pos + 1
                parts, pos = self._key(text, pos)
                sub = path + tuple(parts)
                self.lines.setdefault(sub, self._line(pos))
                pos = self._skip(text.index("=", pos) + 1)
                pos = self._skip(self._value(pos, sub))
                if text[pos] == ",":
                    pos += 1
        if c == "[":
            pos += 1
            index = 0
            while True:
                pos = self._skip(pos)
                if text[pos] == "]":
                    return pos + 1
                sub = (*path, index)
                self.lines.setdefault(sub, self._line(pos))
                pos = self._skip(self._value(pos, sub))
                index += 1
                if text[pos] == ",":
                    pos += 1
        if c in "\"'":
            triple = text.startswith(c * 3, pos)
            quote = c * 3 if triple else c
            pos += len(quote)
            while not text.startswith(quote, pos):
                pos += 2 if (c == '"' and text[pos] == "\\") else 1
            return pos + len(quote)
        while pos < len(text) and text[pos] not in ",]}\n#":
            pos += 1
        return pos
