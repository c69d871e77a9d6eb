"""Watch-list presence: an aircraft of interest heard in the region, with or without a position.

Many military aircraft answer interrogations (Mode S altitude and identity replies) but never broadcast a
position; a receiver still hears them. One event per aircraft of interest and silence-separated segment:
first and last heard, messages, positioned fixes, whether any fix lay inside the watched country, squawks.
Segments with no position at all carry the ``mode_s_only`` flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from airpicture.detect.framework import DetectionContext, DetectorOutput
from airpicture.detect.identity import subject_for
from airpicture.detect.proximity import is_of_interest
from airpicture.detect.tables import SUSPECT_FLAGS, micros_to_datetime
from airpicture.model.events import Event, Evidence, EvidenceKind


@dataclass(frozen=True, slots=True)
class WatchlistPresenceDetector:
    """Aircraft of interest heard, per silence-separated segment."""

    name: ClassVar[str] = "watchlist_presence"
    version: ClassVar[int] = 1
    columns: ClassVar[frozenset[str]] = frozenset(
        {"icao24", "ts", "lat_deg", "lon_deg", "flags", "callsign", "squawk", "source_file", "source_offset"}
    )

    max_gap_s: float = 900.0

    def detect(self, positions: pa.Table, ctx: DetectionContext) -> DetectorOutput:
        if positions.num_rows == 0 or ctx.reference is None:
            return DetectorOutput()
        encoded: Any = pc.dictionary_encode(positions["icao24"]).combine_chunks()
        addresses: list[str] = encoded.dictionary.to_pylist()
        interest = is_of_interest(addresses, ctx.reference)
        if not interest.any():
            return DetectorOutput()
        code = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        rows = np.flatnonzero(interest[code])
        table = positions.take(rows)
        ts = pc.cast(table["ts"], pa.int64()).to_numpy()
        lat = np.asarray(pc.cast(table["lat_deg"], pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        lon = np.asarray(pc.cast(table["lon_deg"], pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        flags = pc.cast(table["flags"], pa.int64()).to_numpy()
        squawk = np.asarray(table["squawk"].to_numpy(zero_copy_only=False), dtype=object)
        callsign = np.asarray(table["callsign"].to_numpy(zero_copy_only=False), dtype=object)
        source_file = np.asarray(table["source_file"].to_numpy(zero_copy_only=False), dtype=object)
        source_offset = table["source_offset"].to_numpy()
        code = code[rows]
        positioned = np.isfinite(lat) & np.isfinite(lon) & ((flags & int(SUSPECT_FLAGS)) == 0)
        inside = np.zeros(len(rows), dtype=bool)
        if ctx.geometry is not None and positioned.any():
            inside[positioned] = (
                ctx.geometry.countries_at(lat[positioned], lon[positioned]) == ctx.region.watched_country
            )
        new = np.r_[True, (code[1:] != code[:-1]) | (np.diff(ts) > self.max_gap_s * 1e6)]
        starts = np.flatnonzero(new)
        ends = np.r_[starts[1:], len(rows)] - 1
        events = []
        for s, e in zip(starts, ends, strict=True):
            span = slice(s, e + 1)
            fixes = int(positioned[span].sum())
            geometry = None
            if fixes:
                pts = np.flatnonzero(positioned[span]) + s
                lo, la = lon[pts], lat[pts]
                box = [float(lo.min()), float(la.min()), float(lo.max()), float(la.max())]
                geometry = json.dumps({"type": "Point", "coordinates": [float(lo[-1]), float(la[-1])]})
            else:
                box = None
            names = [c for c in callsign[span] if c]
            squawks = sorted({str(q) for q in squawk[span] if q})
            events.append(
                Event(
                    type="watchlist_presence",
                    start=micros_to_datetime(int(ts[s])),
                    end=micros_to_datetime(int(ts[e])),
                    detector=self.name,
                    detector_version=self.version,
                    geometry=geometry,
                    subjects=(subject_for(addresses[int(code[s])], str(names[-1]) if names else None, ctx.reference),),
                    attributes={
                        "messages": int(e - s + 1),
                        "positions": fixes,
                        "in_watched_country": bool(inside[span].any()),
                        "squawks": squawks,
                        "bbox": box,
                    },
                    flags=() if fixes else ("mode_s_only",),
                    evidence=(
                        Evidence(EvidenceKind.POSITION, str(source_file[s]), int(source_offset[s])),
                        Evidence(EvidenceKind.POSITION, str(source_file[e]), int(source_offset[e])),
                    ),
                )
            )
        return DetectorOutput(tuple(events))
