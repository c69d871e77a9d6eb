"""Reading a recording's bytes within documented limits: decompression that notices a cut, bounded lines.

Hostile or broken files must cost memory bounded by the limits below, never by the file's size, and must
fail with the file's name and the byte offset, never with a raw library error. The limits are documented in
``docs/ingest.md`` ("Limits"); :class:`Limits` carries them so tests (and callers) can lower them.

* :class:`DecompressedStream` reads a file as stored, gzip (``zlib``, every member) or zstd (Arrow's codec)
  decompressed on the fly. A stream cut short (a truncated ``.gz`` or ``.zst``), corrupt compressed data or
  more than ``max_decompressed_bytes`` of output raise :class:`SourceError` naming the file and how far it got.
* :func:`iter_line_blocks` yields whole lines a block at a time; a line longer than ``max_line_bytes`` is
  skipped without being held (its start is kept for the reject) and reported with its line number.
* :func:`read_document` reads a whole-document format (one JSON document) up to ``max_document_bytes``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pyarrow as pa

from airpicture.model.errors import SourceError

READ_BLOCK_BYTES = 1 << 23
"""Bytes of decompressed input read at a time by the text readers (8 MiB)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one recording may ask for. Past a limit: a record-level reject or a clear file error."""

    max_line_bytes: int = 1 << 16
    """Longest line of a text format (64 KiB). A longer line is one ``too_long`` reject; the rest is read."""
    max_columns: int = 256
    """Most columns a CSV header may name (OpenSky has 17). More: the file is refused before any is read."""
    max_field_bytes: int = 4096
    """Longest CSV field (SBS, OpenSky). A row with a longer field is a ``bad_row`` reject."""
    max_document_bytes: int = 1 << 28
    """Largest whole-document file, decompressed (256 MiB): readsb ``aircraft.json`` and trace files, the
    ``columns`` layout of traffic exports, compressed Parquet (which must be unpacked in memory)."""
    max_decompressed_bytes: int = 1 << 36
    """Most bytes one compressed file may decompress to (64 GiB): a decompression bomb fails the file."""


DEFAULT_LIMITS = Limits()


@dataclass(slots=True)
class DecompressedStream:
    """A file's bytes as stored or decompressed; ``read(n)`` like a binary file. See the module docstring."""

    path: Path
    compression: str
    """``none``, ``gzip`` or ``zstd`` (``_common.Compression`` values)."""
    limits: Limits = DEFAULT_LIMITS
    produced: int = 0
    """Decompressed bytes handed out so far."""
    _raw: Any = field(default=None, init=False)
    _zlib: Any = field(default=None, init=False)
    _pending: bytes = field(default=b"", init=False)
    _carry: bytes = field(default=b"", init=False)
    """Compressed bytes read but not yet fed to the decompressor (the start of the next member)."""
    _ended: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        try:
            if self.compression == "zstd":
                self._raw = pa.input_stream(str(self.path), compression="zstd")
            else:
                self._raw = self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot read: {exc.strerror or exc}", where=str(self.path)) from exc
        if self.compression == "gzip":
            self._zlib = zlib.decompressobj(wbits=31)

    def __enter__(self) -> DecompressedStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left for ``size < 0``); ``b""`` at the end."""
        if size < 0:
            parts = []
            while chunk := self.read(READ_BLOCK_BYTES):
                parts.append(chunk)
            return b"".join(parts)
        data = self._read(size)
        self.produced += len(data)
        if self.compression != "none" and self.produced > self.limits.max_decompressed_bytes:
            raise SourceError(
                f"decompresses to more than {self.limits.max_decompressed_bytes:,} bytes (a decompression bomb?)",
                where=str(self.path),
                expected="a recording within the limit (docs/ingest.md, Limits)",
            )
        return data

    def _read(self, size: int) -> bytes:
        try:
            if self.compression == "gzip":
                return self._gunzip(size)
            data: bytes = self._raw.read(size)
            return data
        except SourceError:
            raise
        except (OSError, EOFError, ValueError, zlib.error, pa.ArrowException) as exc:
            raise SourceError(
                f"cannot decompress ({self.compression}) after {self.produced:,} bytes: {exc}",
                where=str(self.path),
                expected="a whole, uncorrupted compressed file",
            ) from exc

    def _gunzip(self, size: int) -> bytes:
        """Up to ``size`` bytes of every gzip member in turn; zero padding after a member is allowed."""
        out = bytearray(self._pending[:size])
        self._pending = self._pending[size:]
        while len(out) < size and not self._ended:
            if self._zlib is None:  # between members
                compressed, self._carry = self._carry or self._raw.read(1 << 16), b""
                if not compressed:
                    self._ended = True
                    break
                self._carry = compressed.lstrip(b"\x00")
                if self._carry:
                    self._zlib = zlib.decompressobj(wbits=31)
                continue
            compressed, self._carry = self._carry or self._zlib.unconsumed_tail or self._raw.read(1 << 16), b""
            if not compressed:
                raise EOFError("the gzip stream is cut short (truncated file)")
            out += self._zlib.decompress(compressed, size - len(out))
            if self._zlib.eof:
                self._carry, self._zlib = self._zlib.unused_data, None
        return bytes(out)


@dataclass(frozen=True, slots=True)
class LineBlock:
    """Whole lines of a text file. ``first_line`` is the 1-based number of the block's first line."""

    data: bytes
    first_line: int
    is_last: bool
    too_long: tuple[tuple[int, bytes], ...] = ()
    """``(line number, first bytes)`` of lines over ``max_line_bytes`` that were dropped from ``data``; each
    left an empty line in ``data`` in its place, so line numbers of the rest stay right."""


def iter_line_blocks(
    stream: Any, limits: Limits = DEFAULT_LIMITS, block: int = READ_BLOCK_BYTES
) -> Iterator[LineBlock]:
    """Whole lines of ``stream``, about ``block`` bytes at a time, none longer than ``limits.max_line_bytes``.

    Every yielded block but the last ends with ``\\n``; the last may end without one. A dropped over-long
    line leaves an empty line in its place. Memory stays about ``block + max_line_bytes`` whatever the file.
    The framing is :class:`LineFramer`'s, which the live socket readers feed as bytes arrive.
    """
    framer = LineFramer(limits)
    while True:
        data = stream.read(block)
        if not data:
            last = framer.finish()
            if last is not None:
                yield last
            return
        lines = framer.feed(data)
        if lines is not None:
            yield lines


@dataclass(slots=True)
class LineFramer:
    """Incremental line framing: feed it bytes as they come, get whole lines (:class:`LineBlock`) back.

    One code path for files (:func:`iter_line_blocks`) and sockets (``sources/live``). Holds at most one
    partial line (``max_line_bytes``); an over-long line is skipped as it streams past.
    """

    limits: Limits = DEFAULT_LIMITS
    _rest: bytes = b""
    _line: int = 1
    _skipping: tuple[int, bytes] | None = None
    """``(line number, first bytes)`` of an over-long line whose bytes are being skipped."""
    _dropped: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def next_line(self) -> int:
        """The 1-based number of the next line to be completed."""
        return self._line

    def feed(self, data: bytes) -> LineBlock | None:
        """The whole lines completed by ``data`` (None when it completes none and drops none)."""
        if self._skipping is not None:
            end = data.find(b"\n")
            if end < 0:
                return None
            self._dropped.append(self._skipping)
            self._skipping = None
            data = data[end:]  # its newline ends the empty stand-in line
        buf = self._rest + data
        cut = buf.rfind(b"\n") + 1
        body, self._rest = buf[:cut], buf[cut:]
        body, over = _drop_long_lines(body, self._line, self.limits.max_line_bytes)
        self._dropped.extend(over)
        n_lines = body.count(b"\n")
        if len(self._rest) > self.limits.max_line_bytes:
            self._skipping, self._rest = (self._line + n_lines, self._rest[:200]), b""
        out = None
        if body or self._dropped:
            out = LineBlock(body, self._line, False, tuple(self._dropped))
            self._dropped = []
        self._line += n_lines
        return out

    def finish(self) -> LineBlock | None:
        """The last block at the end of the stream: the partial last line (if any) and pending drops."""
        if self._skipping is not None:
            self._dropped.append(self._skipping)
            self._skipping = None
        out = None
        if self._rest or self._dropped:
            out = LineBlock(self._rest, self._line, True, tuple(self._dropped))
        self._rest, self._dropped = b"", []
        return out


def _drop_long_lines(body: bytes, first_line: int, limit: int) -> tuple[bytes, list[tuple[int, bytes]]]:
    """``body`` (whole lines) with every line longer than ``limit`` emptied, and those lines' numbers."""
    if len(body) <= limit:
        return body, []
    ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
    starts = np.concatenate([[0], ends[:-1] + 1])
    long = np.flatnonzero(ends - starts > limit)
    if not len(long):
        return body, []
    pieces: list[bytes] = []
    dropped: list[tuple[int, bytes]] = []
    at = 0
    for k in long.tolist():
        start, end = int(starts[k]), int(ends[k])
        pieces.append(body[at:start])
        dropped.append((first_line + k, body[start : start + 200]))
        at = end
    pieces.append(body[at:])
    return b"".join(pieces), dropped


def read_document(stream: DecompressedStream, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The whole (decompressed) file, refused past ``limits.max_document_bytes`` without reading further."""
    data = stream.read(limits.max_document_bytes + 1)
    if len(data) > limits.max_document_bytes:
        raise SourceError(
            f"larger than {limits.max_document_bytes:,} bytes, the limit for a format read whole",
            where=str(stream.path),
            expected="a smaller file (split it), or a streamed format (docs/ingest.md, Limits)",
        )
    return data
