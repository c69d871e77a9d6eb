"""``http(s)://…/aircraft.json``: a readsb/tar1090 snapshot polled every ``interval_s`` (default 1 s).

Each poll is a conditional GET (``If-None-Match`` with the last ``ETag``, ``If-Modified-Since`` with the last
``Last-Modified``); a ``304 Not Modified`` costs no parsing. A new document is read by the file reader's own
code (``readsb.aircraft_chunk``); its ``stream_id`` is the SHA-256 of the body, so it is exactly what
``airpicture ingest`` of the same bytes saved as a file would record, and the body is archived under that
name (``<archive_dir>/<receiver>/aircraft-json/<sha256>.json.zst``). A snapshot repeats an aircraft's last
position until a new one comes: rows not newer than the latest already handed on for their address are left
out (counted in the batch's notes). The request sends no cookie and a fixed user agent.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa

from airpicture.model.clock import Clock
from airpicture.model.errors import SourceError
from airpicture.sources.adsb._common import Chunk
from airpicture.sources.adsb.readsb import aircraft_chunk
from airpicture.sources.live.archive import UNNAMED, _write_whole
from airpicture.sources.live.batch import FeedStats
from airpicture.sources.live.spec import FeedSpec

USER_AGENT = "airpicture-live"
MAX_BODY_BYTES = 64 << 20


async def poll_feed(
    spec: FeedSpec,
    emit: Callable[[str, Chunk | None, datetime], None],
    *,
    clock: Clock,
    archive_dir: Path,
    stop: asyncio.Event,
    stats: FeedStats,
    receiver: str | None,
) -> None:
    import httpx

    from airpicture.sources.live.reader import Backoff, _one_line, _pause, _record

    interval_s = spec.option("interval_s", 1.0)
    backoff = Backoff(spec.option("backoff_s", 0.5), spec.option("backoff_max_s", 30.0), random.Random())
    folder = archive_dir / (receiver or UNNAMED) / "aircraft-json"
    folder.mkdir(parents=True, exist_ok=True)
    headers: dict[str, str] = {"User-Agent": USER_AGENT}
    latest_us: dict[str, int] = {}
    timeout = httpx.Timeout(spec.option("timeout_s", 10.0))
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        while not stop.is_set():
            try:
                response = await client.get(spec.url, headers=headers)
            except httpx.HTTPError as exc:
                stats.connected = False
                stats.last_error = f"{type(exc).__name__}: {_one_line(exc)}"
                await _pause(_record(stats, backoff.next_delay()), stop)
                continue
            received_at = clock.now()
            stats.connected = True
            if response.status_code == 304:
                stats.not_modified += 1
            elif response.status_code != 200:
                stats.last_error = f"HTTP {response.status_code}"
                await _pause(_record(stats, backoff.next_delay()), stop)
                continue
            else:
                body = response.content
                stats.bytes += len(body)
                for name, sent in (("etag", "If-None-Match"), ("last-modified", "If-Modified-Since")):
                    if name in response.headers:
                        headers[sent] = response.headers[name]
                chunk, stream_id = _document(body, spec.label)
                if chunk is not None:
                    path = folder / f"{stream_id}.json.zst"
                    if not path.exists():
                        _write_whole(path, pa.compress(body, codec="zstd", asbytes=True))
                    chunk = _newer_only(chunk, latest_us)
                    backoff.reset()
                    emit(stream_id, chunk, received_at)
                else:
                    stats.rejects += 1
            await _pause(interval_s, stop)


def _document(body: bytes, label: str) -> tuple[Chunk | None, str]:
    stream_id = hashlib.sha256(body).hexdigest()
    if len(body) > MAX_BODY_BYTES:
        return None, stream_id
    try:
        return aircraft_chunk(orjson.loads(body), stream_id, f"{label} document {stream_id[:12]}"), stream_id
    except (orjson.JSONDecodeError, SourceError, ValueError, TypeError):
        return None, stream_id


def _newer_only(chunk: Chunk, latest_us: dict[str, int]) -> Chunk:
    table = chunk.positions
    if table is None or table.num_rows == 0:
        return chunk
    icao = table.column("icao24").to_pylist()
    ts = table.column("ts").cast(pa.int64()).to_numpy()
    keep = np.ones(len(icao), dtype=bool)
    for k, (address, at) in enumerate(zip(icao, ts.tolist(), strict=True)):
        key = str(address)
        if at <= latest_us.get(key, -1):
            keep[k] = False
        else:
            latest_us[key] = at
    if keep.all():
        return chunk
    repeated = int((~keep).sum())
    return replace(
        chunk,
        positions=table.filter(pa.array(keep)),
        notes=(*chunk.notes, f"{repeated:,} positions already handed on from an earlier snapshot: left out"),
    )
