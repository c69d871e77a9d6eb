"""The live driver (``airpicture live``): feeds in, positions stored as ingest stores them, events out as
detection finds them. It wires; every step is a stage function batch uses too:

* feeds: ``sources.live.run_feed`` per feed (sockets, aircraft.json, replays), batches into one queue;
* storage: per stream, ``pipeline.ingest_chunk.chunk_positions`` (ingest's own chunk step) and the
  crash-safe flush of ``pipeline/live_store.py`` every ``live.flush_interval_s``;
* detection: every ``live.detect_interval_s``, ``pipeline.detect.run_detection`` (batch detection) over the
  UTC days that received positions, and ``detect.incremental.diff_events`` to tell what changed;
* claims and assessment: ``pipeline.run.run_all`` (what ``airpicture run`` does) at ``live.assess_at`` local
  times and when asked (SIGUSR1; ``refresh`` event), claims after each pass when ``live.refresh_claims``.

The driver holds the workspace's writer lock for as long as it runs. Other commands that write (``run``,
``ingest``, ``detect``) get ``WorkspaceBusy`` meanwhile; readers (``events list``, the dashboard,
``live status``) read the snapshot, which the driver publishes again after each detection pass.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from airpicture.detect.incremental import Change, EventChange, LiveStatus, diff_events
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.settings import Settings
from airpicture.pipeline import live_store
from airpicture.pipeline.live_stream import LiveStream, replay_stream
from airpicture.pipeline.receivers import ReceiverKeys, ReceiverOrigin
from airpicture.sources.live import FeedBatch, FeedCounters, FeedKind, FeedSpec, FeedStats, parse_feed_url
from airpicture.store import Workspace

log = logging.getLogger(__name__)

ARCHIVE_DIR = "live/archive"
"""Where the raw bytes of every connection are kept, one folder per receiver pseudonym (under the workspace)."""


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event as the live driver emits it (one JSON line with ``--json``)."""

    change: Change
    status: LiveStatus
    key: str
    event_id: str
    type: str
    start: datetime | None
    end: datetime | None
    icao24: str | None
    role: str | None
    region: str
    detector: str
    emitted_at: datetime
    received_at: datetime | None
    """Receipt time of the oldest batch whose positions this pass was the first to see (latency)."""
    attributes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def iso(t: datetime | None) -> str | None:
            return t.astimezone(UTC).isoformat().replace("+00:00", "Z") if t is not None else None

        return {
            "change": self.change.value,
            "status": self.status.value,
            "provisional": self.status is LiveStatus.PROVISIONAL,
            "event_id": self.event_id,
            "key": self.key,
            "type": self.type,
            "start": iso(self.start),
            "end": iso(self.end),
            "icao24": self.icao24,
            "role": self.role,
            "region": self.region,
            "detector": self.detector,
            "emitted_at": iso(self.emitted_at),
            "attributes": self.attributes,
        }


@dataclass(frozen=True, slots=True)
class LiveStatusView:
    """What the status display shows: every feed's counters and the latest events."""

    counters: tuple[FeedCounters, ...]
    latest: tuple[LiveEvent, ...]
    positions: int


@dataclass
class LiveSummary:
    """What a live run did."""

    batches: int = 0
    positions: int = 0
    passes: int = 0
    events: int = 0
    closed: int = 0
    provisional: int = 0
    restarted_streams: int = 0
    undone_flushes: int = 0
    refreshes: int = 0
    counters: tuple[FeedCounters, ...] = ()


def feed_specs(settings: Settings, extra: Sequence[str]) -> list[FeedSpec]:
    """The feeds of ``[live] feeds`` and ``--feed``; ``UsageError`` when there is none or one is bad."""
    texts = [*settings.live.feeds, *extra]
    if not texts:
        raise UsageError("no feed to watch", where="airpicture live", expected="--feed URL or [[live.feeds]]")
    return [parse_feed_url(t) for t in texts]


@dataclass
class _Run:
    workspace: Workspace
    settings: Settings
    clock: Clock
    specs: list[FeedSpec]
    on_event: Callable[[LiveEvent], None]
    on_status: Callable[[LiveStatusView], None] | None
    summary: LiveSummary = field(default_factory=LiveSummary)
    streams: dict[str, LiveStream] = field(default_factory=dict)
    stats: dict[str, FeedStats] = field(default_factory=dict)
    pseudonyms: dict[str, str | None] = field(default_factory=dict)
    touched: set[date] = field(default_factory=set)
    """UTC days that received positions since the last detection pass."""
    touched_all: set[date] = field(default_factory=set)
    """Every day that received positions during this run (the final pass covers them all)."""
    oldest_unseen: datetime | None = None
    latest: list[LiveEvent] = field(default_factory=list)
    refresh_asked: asyncio.Event = field(default_factory=asyncio.Event)
    prepared: tuple[Any, Any] | None = None
    """Reference data and region geometry, built once (detection passes reuse them)."""
    ended_feeds: set[str] = field(default_factory=set)
    """Feeds whose reader has ended (a replay at the end of its recording) and whose streams are stored."""

    # -- streams -------------------------------------------------------------------------------------

    def _stream(self, batch: FeedBatch, spec: FeedSpec) -> LiveStream:
        stream = self.streams.get(batch.stream_id)
        if stream is not None:
            return stream
        if spec.kind is FeedKind.REPLAY:
            stream = replay_stream(batch.stream_id, spec.label, batch.receiver, spec.replay_path)
        else:
            fmt = {FeedKind.BEAST: "beast", FeedKind.RAW: "raw", FeedKind.SBS: "sbs"}.get(spec.kind, "readsb-aircraft")
            stream = LiveStream(batch.stream_id, spec.label, batch.receiver, fmt, f"live:{spec.label}")
        with self.workspace.connect(read_only=True) as con:
            cursor = live_store.stream_cursor(con, batch.stream_id)
        if cursor is not None:
            stream.skip, stream.parts, stream.ended_before = cursor
            self.summary.restarted_streams += 1
        self.streams[batch.stream_id] = stream
        return stream

    def take(self, batch: FeedBatch, spec: FeedSpec) -> None:
        self.summary.batches += 1
        self._stream(batch, spec).take(batch)

    def flush(self, *, ended: Sequence[str] = ()) -> None:
        """Every stream's buffer stored (``ended``: the ids of streams that will give nothing more)."""
        for stream in self.streams.values():
            oldest = stream.first_received
            table = stream.flush(self.workspace, self.clock, ended=stream.stream_id in ended)
            if table is None or not table.num_rows:
                continue
            self.summary.positions += table.num_rows
            import pyarrow as pa
            import pyarrow.compute as pc

            days = pc.unique(pc.cast(table["ts"], pa.date32())).to_pylist()
            self.touched.update(d for d in days if d is not None)
            self.touched_all.update(d for d in days if d is not None)
            if oldest is not None and (self.oldest_unseen is None or oldest < self.oldest_unseen):
                self.oldest_unseen = oldest

    def end_feeds(self, labels: set[str]) -> None:
        """The feeds ``labels`` have ended: once their queued batches are taken, their streams end and flush."""
        self.ended_feeds |= labels
        ended = [s.stream_id for s in self.streams.values() if s.feed in labels]
        for stream in self.streams.values():
            if stream.stream_id in ended:
                stream.end()
        self.flush(ended=ended)

    # -- detection -----------------------------------------------------------------------------------

    def horizon(self) -> datetime | None:
        latest = [s.latest_us for s in self.streams.values() if s.latest_us is not None]
        return datetime.fromtimestamp(max(latest) / 1e6, UTC) if latest else None

    def detect(self, *, final: bool) -> list[LiveEvent]:
        """One detection pass (batch detection over the touched days) and the events it changed."""
        from airpicture.pipeline.detect import run_detection
        from airpicture.store.events import EVENT_COLUMNS, row_to_event

        days = sorted(self.touched_all if final else self.touched)
        if not days:
            return []
        span = [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
        if self.prepared is None:
            from airpicture.pipeline.detect import prepare_detection

            self.prepared = prepare_detection(self.settings)
        run_detection(self.workspace, self.settings, self.clock, days=span, prepared=self.prepared)
        self.summary.passes += 1
        region = self.settings.region
        start = datetime.combine(span[0], time(), tzinfo=UTC)
        end = datetime.combine(span[-1], time(), tzinfo=UTC) + timedelta(days=1)
        with self.workspace.connect(read_only=True) as con:
            rows = con.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE region = ? AND start_ts >= ? AND start_ts < ?",
                [region, start, end],
            ).fetchall()
            known = live_store.known_events(con, region)
            in_window = live_store.event_keys_between(con, region, start, end)
        current = [row_to_event(r) for r in rows]
        settle = timedelta(minutes=self.settings.live.settle_min)
        changes = diff_events(known, current, self.horizon(), settle, final=final, scope=in_window)
        emitted_at = self.clock.now()
        received_at, self.oldest_unseen = self.oldest_unseen, None
        with self.workspace.connect() as con:
            from airpicture.store.transaction import transaction

            gone = {c.key: live_store.stored_event(con, region, c.key) for c in changes if c.event is None}
            out = [self._live_event(c, region, emitted_at, received_at, gone.get(c.key, {})) for c in changes]
            with transaction(con):
                for c in changes:
                    live_store.store_event_status(con, region, c.key, c.event, c.status.value, emitted_at)
            if out:
                live_store.set_service(con, {"last_event": json.dumps(out[-1].to_json())})
        self.touched.clear()
        self.summary.events += len(out)
        for event in out:
            self.on_event(event)
        self.latest = (self.latest + out)[-10:]
        self._publish()
        return out

    def _live_event(
        self, c: EventChange, region: str, at: datetime, received: datetime | None, stored: dict[str, Any]
    ) -> LiveEvent:
        e = c.event
        if e is None:  # retracted: as it was last emitted
            return LiveEvent(
                change=c.change,
                status=c.status,
                key=c.key,
                event_id=str(stored.get("event_id", "")),
                type=str(stored.get("type", "")),
                start=_parse(stored.get("start")),
                end=_parse(stored.get("end")),
                icao24=stored.get("icao24"),
                role=stored.get("role"),
                region=region,
                detector=str(stored.get("detector", "")),
                emitted_at=at,
                received_at=received,
            )
        first = e.subjects[0] if e.subjects else None
        return LiveEvent(
            change=c.change,
            status=c.status,
            key=c.key,
            event_id=e.event_id,
            type=e.type,
            start=e.start,
            end=e.end,
            icao24=first.icao24 if first else None,
            role=first.role if first else None,
            region=region,
            detector=e.detector,
            emitted_at=at,
            received_at=received,
            attributes={k: v for k, v in e.attributes.items() if isinstance(v, str | int | float | bool)},
        )

    def _publish(self) -> None:
        """Publish the snapshot again, so readers in other processes see the events of this pass."""
        from airpicture.store import locking

        with self.workspace.connect() as con:
            con.execute("CHECKPOINT")
        locking.publish_snapshot(self.workspace.root, self.workspace.db_path)

    # -- status --------------------------------------------------------------------------------------

    def counters(self) -> tuple[FeedCounters, ...]:
        return tuple(s.snapshot() for s in self.stats.values())

    def store_status(self, state: str) -> None:
        counters = self.counters()
        with self.workspace.connect() as con:
            live_store.store_counters(con, list(counters), self.clock.now())
            live_store.set_service(con, {"state": state})
        if self.on_status is not None:
            self.on_status(LiveStatusView(counters, tuple(self.latest), self.summary.positions))


def _parse(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def next_scheduled(settings: Settings, after: datetime, zone: Any) -> datetime | None:
    """The next ``live.assess_at`` local time after ``after`` (UTC), or None when none is set."""
    found: list[datetime] = []
    local = after.astimezone(zone)
    for text in settings.live.assess_at:
        try:
            hh, mm = (int(p) for p in text.split(":"))
            at = time(hh, mm)
        except ValueError:
            raise UsageError("bad live.assess_at time", found=text, expected="HH:MM") from None
        for offset in (0, 1):
            when = datetime.combine(local.date() + timedelta(days=offset), at, tzinfo=zone)
            if when > local:
                found.append(when.astimezone(UTC))
                break
    return min(found) if found else None


async def run_live(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    feeds: Sequence[str] = (),
    *,
    stop: asyncio.Event,
    on_event: Callable[[LiveEvent], None] = lambda e: None,
    on_status: Callable[[LiveStatusView], None] | None = None,
    exit_on_eof: bool = False,
    duration_s: float | None = None,
    refresh: asyncio.Event | None = None,
) -> LiveSummary:
    """Watch the feeds until ``stop`` (or ``duration_s``, or, with ``exit_on_eof``, until every feed ended);
    then drain, flush, run the last detection pass and return. Holds the writer lock throughout."""
    specs = feed_specs(settings, feeds)
    with workspace.writer("live"):
        run = _Run(workspace, settings, clock, specs, on_event, on_status)
        if refresh is not None:
            run.refresh_asked = refresh
        run.summary.undone_flushes = live_store.reconcile(workspace)
        with workspace.connect() as con:
            live_store.set_service(con, {"state": "running", "started_at": clock.now().isoformat(), "stopped_at": None})
        await _watch(run, stop, exit_on_eof, duration_s)
        with workspace.connect() as con:
            live_store.set_service(con, {"state": "stopped", "stopped_at": clock.now().isoformat()})
        run.summary.counters = run.counters()
        return run.summary


async def _watch(run: _Run, stop: asyncio.Event, exit_on_eof: bool, duration_s: float | None) -> None:
    from airpicture.sources.live import run_feed

    settings, clock = run.settings, run.clock
    keys = ReceiverKeys(settings.reports.reporter_key_file, run.workspace.root)
    queue: asyncio.Queue[tuple[FeedSpec, FeedBatch]] = asyncio.Queue(maxsize=64)
    feed_stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    for spec in run.specs:
        pseudonym = keys.receiver(spec.receiver, ReceiverOrigin.OPTION).pseudonym if spec.receiver else None
        stats = FeedStats(spec.label, pseudonym)
        run.stats[spec.label] = stats

        async def out(batch: FeedBatch, spec: FeedSpec = spec) -> None:
            await queue.put((spec, batch))

        options = _replay_options(settings, spec) if spec.kind is FeedKind.REPLAY else None
        tasks.append(
            asyncio.create_task(
                run_feed(
                    spec,
                    out,
                    clock=clock,
                    archive_dir=run.workspace.root / ARCHIVE_DIR,
                    stop=feed_stop,
                    receiver=pseudonym,
                    stats=stats,
                    read_options=options,
                )
            )
        )
    from airpicture.pipeline.detect import prepare_detection

    zone = None
    if settings.live.assess_at:  # the schedule needs the region's time zone (and detection passes reuse it)
        run.prepared = prepare_detection(settings)
        zone = run.prepared[0].region(settings.region).zone
    loop = asyncio.get_running_loop()
    started = loop.time()
    next_flush = started + settings.live.flush_interval_s
    next_detect = started + settings.live.detect_interval_s
    next_status = started
    scheduled = next_scheduled(settings, clock.now(), zone) if zone is not None else None
    eof = False
    while True:
        now = loop.time()
        if stop.is_set() or (duration_s is not None and now - started >= duration_s):
            break
        if exit_on_eof and all(t.done() for t in tasks) and queue.empty():
            eof = True
            break
        wait = max(0.0, min(next_flush, next_status, next_detect) - now)
        try:
            spec, batch = await asyncio.wait_for(queue.get(), timeout=min(wait, 0.2))
            run.take(batch, spec)
            continue
        except TimeoutError:
            pass
        now = loop.time()
        ended_feeds = {sp.label for sp, t in zip(run.specs, tasks, strict=True) if t.done()} - run.ended_feeds
        if ended_feeds and queue.empty():
            run.end_feeds(ended_feeds)  # a replay read to its end: its held-back chunk decoded and stored now
        if now >= next_flush:
            run.flush()
            next_flush = now + settings.live.flush_interval_s
        if now >= next_detect:
            run.detect(final=False)
            next_detect = now + settings.live.detect_interval_s
        if now >= next_status:
            run.store_status("running")
            next_status = now + settings.live.status_interval_s
        if run.refresh_asked.is_set() or (scheduled is not None and clock.now() >= scheduled):
            run.refresh_asked.clear()
            _refresh(run)
            scheduled = next_scheduled(settings, clock.now(), zone) if zone is not None else None
    # drain: stop the feeds, take every batch they still hand on, then the last flush and detection pass.
    # A replay whose feed ended before the stop was read to its end: its stream is recorded as ended.
    at_end = {spec.label for spec, task in zip(run.specs, tasks, strict=True) if task.done()}
    feed_stop.set()
    pending = asyncio.ensure_future(asyncio.gather(*tasks, return_exceptions=True))
    while not (pending.done() and queue.empty()):
        try:
            spec, batch = await asyncio.wait_for(queue.get(), timeout=0.05)
            run.take(batch, spec)
        except TimeoutError:
            pass
    finished = [s.stream_id for s in run.streams.values() if s.path.startswith("live:") or s.feed in at_end]
    for stream in run.streams.values():
        if stream.stream_id in finished:
            stream.end()
    run.flush(ended=finished)
    run.detect(final=eof)
    run.store_status("stopped")


def _replay_options(settings: Settings, spec: FeedSpec) -> Any:
    """The read options ``airpicture ingest`` uses for the replayed file (its ``.start`` sidecar, its clock)."""
    from airpicture.pipeline.time_basis import start_for
    from airpicture.sources.adsb import BeastClock, ReadOptions

    start = start_for(spec.replay_path, None)
    return ReadOptions(
        start=start.start,
        start_from=start.label,
        beast_clock=BeastClock(spec.text_option("clock", BeastClock.MHZ12.value)),
        max_reorder_s=settings.ingest.max_reorder_s,
    )


def _refresh(run: _Run) -> None:
    """Claims, assessment and report from what is stored now, through ``airpicture run``'s own function."""
    from airpicture.pipeline.run import run_all

    run.flush()
    try:
        run_all(run.workspace, run.settings, run.clock)
        run.summary.refreshes += 1
    except Exception:  # a failed refresh must not stop the watch; it is logged and tried at the next time
        log.warning("the scheduled refresh (claims, assessment, report) failed", exc_info=True)


def archive_dir(workspace_root: Path) -> Path:
    return workspace_root / ARCHIVE_DIR
