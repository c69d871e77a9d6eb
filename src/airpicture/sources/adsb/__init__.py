"""ADS-B / Mode S readers: every common receiver and network format, streamed as Arrow batches.

``FORMATS`` is the registry: one :class:`AdsbFormat` per format with its sniffer (does the start of the
decompressed file look like me?), its reader, and whether it yields raw frames (for the decoder) or
decoded positions. :func:`detect_format` tries them in registry order; :func:`open_input` hashes and
inspects a file. Formats and their fields are documented in ``docs/formats/adsb-inputs.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from airpicture.model.errors import SourceError
from airpicture.sources.adsb import beast, hexlines, jsonl, netjson, opensky, readsb, sbs, traffic_json
from airpicture.sources.adsb._common import (
    REJECTS_SCHEMA,
    BeastClock,
    Chunk,
    InputFile,
    ReadOptions,
    RecordKind,
    RejectReason,
    hash_file,
    read_head,
    rejects_table,
    timestamp_ok,
)


class AdsbFormat(StrEnum):
    BEAST = "beast"
    RAW_HEX = "raw"
    JSONL = "jsonl"
    SBS = "sbs"
    READSB_AIRCRAFT = "readsb-aircraft"
    READSB_TRACE = "readsb-trace"
    READSB_NET_JSON = "readsb-net-json"
    OPENSKY_CSV = "opensky-csv"
    OPENSKY_PARQUET = "opensky-parquet"
    TRAFFIC_JSON = "traffic-json"


@dataclass(frozen=True, slots=True)
class FormatSpec:
    format: AdsbFormat
    kind: RecordKind
    description: str
    sniff: Callable[[bytes], bool]
    read: Callable[[InputFile, ReadOptions], Iterator[Chunk]]


FORMATS: dict[AdsbFormat, FormatSpec] = {
    spec.format: spec
    for spec in (
        FormatSpec(
            AdsbFormat.OPENSKY_PARQUET,
            RecordKind.POSITIONS,
            "OpenSky state vectors (Parquet)",
            opensky.sniff_parquet,
            opensky.read_parquet,
        ),
        FormatSpec(AdsbFormat.BEAST, RecordKind.FRAMES, "Beast binary (port 30005)", beast.sniff, beast.read),
        FormatSpec(
            AdsbFormat.JSONL,
            RecordKind.FRAMES,
            "JSON lines of timestamp + frame (jet1090/rs1090)",
            jsonl.sniff,
            jsonl.read,
        ),
        FormatSpec(
            AdsbFormat.READSB_NET_JSON,
            RecordKind.POSITIONS,
            "readsb --net-json-port lines (one aircraft object per line, port 30047)",
            netjson.sniff,
            netjson.read,
        ),
        FormatSpec(
            AdsbFormat.RAW_HEX,
            RecordKind.FRAMES,
            "raw hex lines *…; @…; %…; <…; (port 30002)",
            hexlines.sniff,
            hexlines.read,
        ),
        FormatSpec(AdsbFormat.SBS, RecordKind.POSITIONS, "SBS-1/BaseStation CSV (port 30003)", sbs.sniff, sbs.read),
        FormatSpec(
            AdsbFormat.READSB_TRACE,
            RecordKind.POSITIONS,
            "readsb/tar1090 globe_history trace",
            readsb.sniff_trace,
            readsb.read_trace,
        ),
        FormatSpec(
            AdsbFormat.READSB_AIRCRAFT,
            RecordKind.POSITIONS,
            "readsb/tar1090 aircraft.json",
            readsb.sniff_aircraft,
            readsb.read_aircraft,
        ),
        FormatSpec(
            AdsbFormat.OPENSKY_CSV,
            RecordKind.POSITIONS,
            "OpenSky state vectors (CSV)",
            opensky.sniff_csv,
            opensky.read_csv,
        ),
        FormatSpec(
            AdsbFormat.TRAFFIC_JSON,
            RecordKind.POSITIONS,
            "traffic library pandas JSON export",
            traffic_json.sniff,
            traffic_json.read,
        ),
    )
}


def parse_format(name: str) -> AdsbFormat:
    try:
        return AdsbFormat(name)
    except ValueError:
        raise SourceError(
            "unknown input format", found=name, expected=f"one of {', '.join(f.value for f in AdsbFormat)}"
        ) from None


def open_input(path: Path) -> tuple[InputFile, bytes]:
    """Hash and inspect ``path``: the :class:`InputFile` and the first 64 KiB of its decompressed bytes."""
    try:
        stat = path.stat()
        compression, head = read_head(path)
        file_id = hash_file(path)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", where=str(path)) from exc
    source = InputFile(
        path=path,
        file_id=file_id,
        size_bytes=stat.st_size,
        mtime=datetime.fromtimestamp(stat.st_mtime, UTC),
        compression=compression,
    )
    return source, head


def detect_format(source: InputFile, head: bytes) -> FormatSpec:
    """The first registered format whose sniffer accepts ``head``; ``SourceError`` listing all tried."""
    if not head.strip():
        raise SourceError("empty file", where=str(source.path), expected="ADS-B data")
    for spec in FORMATS.values():
        if spec.sniff(head):
            return spec
    tried = "; ".join(f"{f.value} ({spec.description})" for f, spec in FORMATS.items())
    raise SourceError("not a known ADS-B format", where=str(source.path), expected=f"one of: {tried}")


__all__ = [
    "FORMATS",
    "REJECTS_SCHEMA",
    "AdsbFormat",
    "BeastClock",
    "Chunk",
    "FormatSpec",
    "InputFile",
    "ReadOptions",
    "RecordKind",
    "RejectReason",
    "detect_format",
    "open_input",
    "parse_format",
    "rejects_table",
    "timestamp_ok",
]
