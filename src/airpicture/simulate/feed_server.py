"""A loopback replay server speaking Beast, raw hex lines or SBS: for tests, rehearsals and the bench.

It serves a recording's own bytes, record by record (a Beast record, or a line), paced by the recording's
clock (``speed`` times real time; 0 = as fast as the socket takes them), to every client that connects, and
can inject the faults a real feed has (:class:`Faults`). It runs in a thread of its own with blocking
sockets, so it is independent of the event loop of the reader under test, and it counts what it did
(:class:`ServerStats`): a write that cannot complete within ``stall_s`` is a *stall* (a reader that stopped
reading), which the slow-consumer test shows never happens. Records and their times come from the file
reader ``airpicture ingest`` uses (offsets of each frame), so pacing follows what ingest would read.

Simulated by construction: it replays recordings and, with faults, deliberately damages them.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import pyarrow as pa

from airpicture.sources.adsb import FORMATS, AdsbFormat, ReadOptions, detect_format, open_input

PROTOCOLS = {AdsbFormat.BEAST: "beast", AdsbFormat.RAW_HEX: "raw", AdsbFormat.SBS: "sbs"}
HEARTBEAT = {"beast": b"\x1a\x31" + b"\x00" * 9, "raw": b"*0000;\n", "sbs": b"\r\n"}


@dataclass(frozen=True, slots=True)
class Faults:
    """What to do wrong. Every fault is off by default; ``seed`` makes the random ones reproducible."""

    split_writes: bool = False
    """Write the bytes in random pieces of 1-64 bytes (records cut across reads)."""
    abort_after_frames: int | None = None
    """Close the connection abruptly after this many records (in the middle of the next one)."""
    accept_then_close: bool = False
    """Accept each connection and close it at once, sending nothing."""
    silence: bool = False
    """Accept each connection and send nothing, keeping it open (a half-open or stuck receiver)."""
    garbage: bool = False
    """Insert runs of bytes that are no record between records (0x1A-dense for Beast: ``1A 1A``, ``1A 00``
    and ``1A FF`` pairs, none of which starts a record; junk lines for raw and SBS)."""
    dense_1a: bool = False
    """Beast: rewrite each record's signal byte to 0x1A (sent escaped as ``1A 1A``)."""
    heartbeats_only: int | None = None
    """Send this many heartbeats (Beast ``1A 31`` and nine zero bytes, raw ``*0000;``), then keep silent."""
    repeat: int = 1
    """Send the recording this many times over each connection."""
    seed: int = 0


@dataclass(slots=True)
class ServerStats:
    connections: int = 0
    records_sent: int = 0
    bytes_sent: int = 0
    garbage_bytes_sent: int = 0
    stalls: int = 0
    """Writes that could not complete within ``stall_s`` (the client was not reading)."""
    finished: int = 0
    """Connections over which everything was sent."""
    errors: list[str] = field(default_factory=list)


def recording_records(path: Path, options: ReadOptions | None = None) -> tuple[str, list[bytes], list[int | None]]:
    """The protocol of ``path`` and its records (bytes) with their times (µs; None: no row of its own).

    Beast: one record from each frame's ``0x1A`` to the next frame's (bytes between go with the record before);
    raw and SBS: one line each. Times are those the file reader gives each row."""
    source, head = open_input(path)
    spec = detect_format(source, head)
    if spec.format not in PROTOCOLS:
        raise ValueError(f"{path}: a {spec.format.value} recording; the server speaks beast, raw and sbs")
    protocol = PROTOCOLS[spec.format]
    with source.open() as stream:
        data = stream.read()
    offsets: list[int | None] = []
    times: list[int | None] = []
    for chunk in FORMATS[spec.format].read(source, options or ReadOptions()):
        table = chunk.frames if chunk.frames is not None else chunk.positions
        if table is not None and table.num_rows:
            offsets.extend(table.column("source_offset").to_pylist())
            times.extend(table.column("ts").cast(pa.int64()).to_pylist())
    stamp = {int(o): t for o, t in zip(offsets, times, strict=True) if o is not None}
    if protocol == "beast":
        starts = sorted(stamp)
        if not starts:
            return protocol, [data], [None]
        bounds = [0, *starts[1:], len(data)]
        records = [data[bounds[k] : bounds[k + 1]] for k in range(len(starts))]
        return protocol, records, [stamp[s] for s in starts]
    lines = data.splitlines(keepends=True)
    return protocol, lines, [stamp.get(n + 1) for n in range(len(lines))]


def _dense(record: bytes) -> bytes:
    """A Beast record with its signal byte set to 0x1A (escaped)."""
    body = bytearray()
    k = 2
    while k < len(record):
        byte = record[k]
        k += 2 if byte == 0x1A and k + 1 < len(record) and record[k + 1] == 0x1A else 1
        body.append(byte)
    if len(body) < 7:
        return record
    body[6] = 0x1A
    return record[:2] + bytes(body).replace(b"\x1a", b"\x1a\x1a")


def _garbage(protocol: str, rng: random.Random) -> bytes:
    if protocol == "beast":
        pieces = [rng.choice((b"\x1a\x1a", b"\x1a\x00", b"\x1a\xff", bytes([rng.randrange(0x1B, 0x100)])))]
        pieces += [
            rng.choice((b"\x1a\x1a", b"\x1a\x00", b"\x1a\xff", b"\x00", b"\x42")) for _ in range(rng.randrange(1, 12))
        ]
        return b"".join(pieces) + b"\x00"
    return rng.choice((b"garbage line\n", b"\x00\x01\x02\n", b"#\n", b"MSG,junk\n"))


class FeedServer:
    """Serves one recording on ``127.0.0.1:<port>`` until closed. Use as a context manager."""

    def __init__(
        self,
        recording: Path,
        *,
        speed: float = 0.0,
        faults: Faults = Faults(),
        read_options: ReadOptions | None = None,
        stall_s: float = 10.0,
    ) -> None:
        self.protocol, self.records, self.times = recording_records(recording, read_options)
        self.speed = speed
        self.faults = faults
        self.stall_s = stall_s
        self.stats = ServerStats()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self.finished = threading.Event()
        """Set each time a connection has had everything sent."""

    @property
    def url(self) -> str:
        return f"{self.protocol}://127.0.0.1:{self.port}"

    def __enter__(self) -> FeedServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        thread = threading.Thread(target=self._accept, name=f"feed-server-{self.port}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def close(self) -> None:
        self._closing.set()
        for client in list(self._clients):
            _close(client)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.stats.connections += 1
                number = self.stats.connections
            if self.faults.accept_then_close:
                _close(client)
                continue
            self._clients.append(client)
            thread = threading.Thread(target=self._serve, args=(client, number), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, client: socket.socket, number: int) -> None:
        faults = self.faults
        rng = random.Random(faults.seed * 1000 + number)
        try:
            client.settimeout(self.stall_s)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
            if faults.silence:
                self._closing.wait()
                return
            if faults.heartbeats_only is not None:
                for _ in range(faults.heartbeats_only):
                    self._send(client, HEARTBEAT[self.protocol], rng)
                self._closing.wait()
                return
            if self.speed == 0 and faults == Faults(repeat=faults.repeat, seed=faults.seed):
                self._send_whole(client)  # no fault, no pacing: big writes (the bench)
                return
            sent = 0
            began = time.monotonic()
            for _ in range(faults.repeat):
                first_us = next((t for t in self.times if t is not None), None)
                for record, at_us in zip(self.records, self.times, strict=True):
                    if self._closing.is_set():
                        return
                    if faults.abort_after_frames is not None and sent >= faults.abort_after_frames:
                        self._send(client, record[: max(1, len(record) // 2)], rng)
                        client.shutdown(socket.SHUT_RDWR)
                        return
                    if self.speed > 0 and at_us is not None and first_us is not None:
                        delay = (at_us - first_us) / 1e6 / self.speed - (time.monotonic() - began)
                        if delay > 0:
                            time.sleep(delay)
                    if faults.garbage:
                        junk = _garbage(self.protocol, rng)
                        self._send(client, junk, rng)
                        with self._lock:
                            self.stats.garbage_bytes_sent += len(junk)
                    self._send(client, _dense(record) if faults.dense_1a and self.protocol == "beast" else record, rng)
                    sent += 1
                    with self._lock:
                        self.stats.records_sent += 1
                began = time.monotonic()
            with self._lock:
                self.stats.finished += 1
            self.finished.set()
            self._closing.wait()
        except TimeoutError:
            with self._lock:
                self.stats.stalls += 1
        except OSError as exc:
            with self._lock:
                self.stats.errors.append(type(exc).__name__)
        finally:
            _close(client)

    def _send_whole(self, client: socket.socket) -> None:
        data = b"".join(self.records)
        for _ in range(self.faults.repeat):
            for at in range(0, len(data), 1 << 16):
                client.sendall(data[at : at + (1 << 16)])
            with self._lock:
                self.stats.bytes_sent += len(data)
                self.stats.records_sent += len(self.records)
        with self._lock:
            self.stats.finished += 1
        self.finished.set()
        self._closing.wait()

    def _send(self, client: socket.socket, data: bytes, rng: random.Random) -> None:
        if not self.faults.split_writes:
            client.sendall(data)
        else:
            at = 0
            while at < len(data):
                step = rng.randrange(1, 65)
                client.sendall(data[at : at + step])
                at += step
        with self._lock:
            self.stats.bytes_sent += len(data)


def _close(client: socket.socket) -> None:
    with contextlib.suppress(OSError):
        client.close()


__all__ = ["HEARTBEAT", "PROTOCOLS", "Faults", "FeedServer", "ServerStats", "recording_records"]
