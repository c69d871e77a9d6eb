"""Live receiver feeds: sockets, polled aircraft.json and paced replays, into the file readers' chunks.

The interface the live driver (pipeline) calls:

* :func:`parse_feed_url` → :class:`FeedSpec` (``spec.py``: URLs, options, the ``=RECEIVER`` suffix);
* :func:`run_feed` (``reader.py``): reads one feed until ``stop``, handing :class:`FeedBatch` es (the same
  :class:`~airpicture.sources.adsb.Chunk` the file readers yield, plus stream id, receiver pseudonym and
  receipt time) to a queue or callable; never blocked by it (oldest dropped, counted);
* :class:`FeedStats` / :class:`FeedCounters` (``batch.py``): per-feed counters and their frozen snapshot;
* :func:`merge_window` / :class:`FrameMerger` (``merge.py``): frames heard by several receivers merged.

Nothing here runs at import time; docs/live.md ("Feeds", "Drops and reconnects", "Replaying a night").
"""

from __future__ import annotations

from airpicture.sources.live.batch import FeedBatch, FeedCounters, FeedStats
from airpicture.sources.live.merge import FrameMerger, merge_window
from airpicture.sources.live.reader import Backoff, Sink, run_feed, stream_id_for
from airpicture.sources.live.spec import OPTIONS, FeedKind, FeedSpec, parse_feed_url

__all__ = [
    "OPTIONS",
    "Backoff",
    "FeedBatch",
    "FeedCounters",
    "FeedKind",
    "FeedSpec",
    "FeedStats",
    "FrameMerger",
    "Sink",
    "merge_window",
    "parse_feed_url",
    "run_feed",
    "stream_id_for",
]
