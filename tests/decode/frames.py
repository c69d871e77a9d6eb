"""Tiny test-only readers for the bundled recordings (the real readers live in ``sources/``)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from airpicture.model.schemas import RAW_FRAMES_SCHEMA

DATA = Path(__file__).resolve().parents[1] / "data" / "adsb"
TUTORIAL = DATA / "tutorial.jsonl.gz"
BEAST = DATA / "sample_dump1090.bin"
TOULOUSE = (43.63, 1.37)
SCHIPHOL = (52.31, 4.76)
BEAST_EPOCH_S = 1_600_000_000.0  # the Beast sample has only receiver-relative 12 MHz ticks


def raw_table(ts_s: list[float], frames: list[bytes]) -> pa.Table:
    n = len(frames)
    ts_us = np.round(np.asarray(ts_s, dtype=np.float64) * 1e6).astype(np.int64)
    return pa.table(
        {
            "ts": pa.array(ts_us).cast(pa.timestamp("us", tz="UTC")),
            "frame": pa.array(frames, type=pa.binary()),
            "source_offset": pa.array(np.arange(n, dtype=np.int64)),
            "rssi_dbfs": pa.nulls(n, pa.float32()),
            "receiver": pa.nulls(n, pa.string()),
        },
        schema=RAW_FRAMES_SCHEMA,
    )


def tutorial_lines() -> list[tuple[float, str]]:
    with gzip.open(TUTORIAL, "rt") as fh:
        return [(rec["timestamp"], rec["frame"]) for rec in map(json.loads, fh)]


def beast_frames() -> list[tuple[float, str]]:
    """Minimal Beast parser: 0x1A, type, 6-byte 12 MHz timestamp, signal byte, payload; 0x1A doubled."""
    data = BEAST.read_bytes()
    sizes = {ord("1"): 2, ord("2"): 7, ord("3"): 14}
    out: list[tuple[float, str]] = []
    i = 0
    while i < len(data):
        assert data[i] == 0x1A, f"offset {i}: expected 0x1a"
        kind = data[i + 1]
        i += 2
        body = bytearray()
        while len(body) < 7 + sizes[kind]:
            b = data[i]
            i += 2 if b == 0x1A else 1  # escaped 0x1A 0x1A
            body.append(b)
        ticks = int.from_bytes(body[:6], "big")
        out.append((BEAST_EPOCH_S + ticks / 12e6, body[7:].hex()))
    return out
