"""Run a scenario: fly every flight, transmit, receive, and write the outputs (docs/scenarios.md).

Outputs in the output folder (every name contains ``simulated``)::

    simulated-<receiver>-<YYYYMMDD>.beast   Beast binary, one per receiver and night (12 MHz counter)
    simulated-manifest.json                 per Beast file: receiver, clock epoch, first/last frame UTC
    simulated-opensky-states.csv.gz         OpenSky-style state vectors (10 s), what the network saw
    simulated-notams.txt                    ICAO NOTAMs
    simulated-reports.csv                   observer reports
    simulated-truth-tracks.parquet          scripted 1 Hz positions of every flight
    truth.json                              ground-truth events (docs/formats/truth.md)

The scenario is checked before anything is simulated; the files are written to a temporary folder next to
the output folder, one night at a time (so memory holds one night, not all of them), and moved in at the
end, so a failed run writes nothing into the output folder.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from airpicture.reference import ReferenceData
from airpicture.simulate import documents, frames, observe, radio, traffic, truth
from airpicture.simulate.kinematics import Trajectory, fly
from airpicture.simulate.parse import night_window
from airpicture.simulate.scenario import Flight, Scenario
from airpicture.sources.adsb.clock import datetime_us
from airpicture.sources.adsb.sidecar import sidecar_path

TICKS_PER_S = 12_000_000
TRUTH_SCHEMA = "airpicture.truth/1"
STATE_INTERVAL_S = 10


@dataclass(slots=True)
class SimulationResult:
    """What a run produced: files written, frames per receiver, flights and truth events by type."""

    out_dir: Path
    files: list[Path] = field(default_factory=list)
    flights: int = 0
    frames_by_receiver: dict[str, int] = field(default_factory=dict)
    events_by_type: dict[str, int] = field(default_factory=dict)
    nights: list[date] = field(default_factory=list)


@dataclass(slots=True)
class _Night:
    night: date
    window: tuple[float, float]
    flights: list[tuple[Flight, Trajectory, int]] = field(default_factory=list)


def _receiver_id(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()[:8]


def simulate(
    scenario: Scenario,
    out_dir: Path,
    reference: ReferenceData,
    *,
    seed: int | None = None,
    last_nights: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` (its last ``last_nights`` nights when given) into ``out_dir``."""
    seed = scenario.seed if seed is None else seed
    nights = list(scenario.nights[-last_nights:] if last_nights else scenario.nights)
    region = reference.region(scenario.region)
    say = progress or (lambda _m: None)
    windows: list[tuple[float, float]] = []
    events: list[dict[str, Any]] = []
    movements: dict[date, int] = {}
    result = SimulationResult(out_dir=out_dir, nights=nights)
    manifest: list[dict[str, Any]] = []
    states: list[dict[str, npt.NDArray[Any]]] = []
    jam_hits = {j.name: set() for j in scenario.jamming}  # type: dict[str, set[int]]
    jam_span: dict[str, tuple[float, float]] = {}  # first and last jammed transmission per jamming area
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".simulate-", dir=out_dir.parent))
    written: list[str] = []
    truth_tracks: pq.ParquetWriter | None = None
    try:
        # One night at a time: its flights are flown, transmitted, received and written (Beast files, truth
        # tracks), then dropped, so memory holds one night, not the whole scenario. Every random stream is
        # seeded by (seed, night, flight), so the output does not depend on this order.
        for night in nights:
            window = night_window(scenario, night)
            run = _Night(night, (window[0].timestamp(), window[1].timestamp()))
            windows.append(run.window)
            plan: list[tuple[Flight, bool]] = [(f, True) for f in scenario.flights if f.night == night]
            for k, pattern in enumerate(scenario.sorties):
                plan.extend((f, False) for f in traffic.sorties(pattern, k, night, window, seed))
            if scenario.traffic is not None:
                plan.extend((f, False) for f in traffic.civil(scenario.traffic, night, window, seed))
            for stream, (flight, scripted) in enumerate(plan):
                traj = fly(flight, strict=scripted)
                run.flights.append((flight, traj, stream))
                flight_truth = truth.flight_events(flight, traj, region, reference)
                observe.mark(flight_truth, flight, traj, scenario.receivers)
                events.extend(flight_truth)
                if not flight.background and traj.marks.takeoff_s is not None:
                    movements[night] = movements.get(night, 0) + 1
            say(f"flew {len(plan)} flights of the night of {night}")
            tracks = _transmit_night(scenario, run, seed, tmp, written, manifest, states, jam_hits, jam_span, result)
            truth_tracks = _append_truth_tracks(truth_tracks, tmp / TRUTH_TRACKS, tracks)
            result.flights += len(run.flights)
            del run, tracks  # the night's trajectories and frames are written: let them go
        if truth_tracks is not None:
            truth_tracks.close()
            written.append(TRUTH_TRACKS)
        else:
            (tmp / TRUTH_TRACKS).write_bytes(_parquet([]))
            written.append(TRUTH_TRACKS)

        baseline = statistics.median(movements.get(n, 0) for n in nights) if nights else 0.0
        for night in scenario.surge_nights:
            if night in nights:
                events.append(truth.surge_event(scenario, night, night_window(scenario, night),
                                                movements.get(night, 0), baseline))  # fmt: skip

        t_lo, t_hi = windows[0][0], windows[-1][1]
        notams = [n for n in scenario.notams if n.end.timestamp() > t_lo and n.issued.timestamp() < t_hi]
        events.extend(truth.notam_event(n) for n in notams)
        reports = [r for r in scenario.reports if t_lo <= r.observed_at.timestamp() < t_hi]
        for j in scenario.jamming:
            if j.end.timestamp() > t_lo and j.start.timestamp() < t_hi:
                events.append(truth.jamming_event(j, len(jam_hits[j.name]), jam_span.get(j.name)))
        events.sort(key=lambda e: (e["start"], e["type"], e.get("icao24") or ""))
        for e in events:
            result.events_by_type[e["type"]] = result.events_by_type.get(e["type"], 0) + 1

        outputs: dict[str, bytes] = {}
        outputs["simulated-manifest.json"] = _json({"simulated": True, "scenario": scenario.name, "seed": seed,
                                                    "beast_files": manifest})  # fmt: skip
        outputs["simulated-opensky-states.csv.gz"] = _opensky(states)
        outputs["simulated-notams.txt"] = documents.notams_file(notams).encode()
        outputs["simulated-reports.csv"] = documents.reports_csv(reports, scenario.observers).encode()
        outputs["truth.json"] = _json({
            "schema": TRUTH_SCHEMA, "simulated": True, "scenario": scenario.name, "title": scenario.title,
            "region": scenario.region, "seed": seed, "nights": [n.isoformat() for n in nights],
            "windows": [[truth.iso(w[0]), truth.iso(w[1])] for w in windows],
            "military_movements": {n.isoformat(): movements.get(n, 0) for n in nights},
            "event_types": truth.EVENT_TYPES,
            "events": events,
            "reports": [{"id": r.id, "truth": r.truth.value, "refers_to": r.refers_to or None,
                         "observer": r.observer, "observed_at": truth.iso(r.observed_at)} for r in reports],
            "files": sorted([*outputs, *written]),
        })  # fmt: skip
        for name, data in outputs.items():
            (tmp / name).write_bytes(data)
            written.append(name)
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in written:
            os.replace(tmp / name, out_dir / name)
            result.files.append(out_dir / name)
    finally:
        if truth_tracks is not None:
            truth_tracks.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


TRUTH_TRACKS = "simulated-truth-tracks.parquet"


def _transmit_night(
    scenario: Scenario,
    run: _Night,
    seed: int,
    tmp: Path,
    written: list[str],
    manifest: list[dict[str, Any]],
    states: list[dict[str, npt.NDArray[Any]]],
    jam_hits: dict[str, set[int]],
    jam_span: dict[str, tuple[float, float]],
    result: SimulationResult,
) -> list[dict[str, npt.NDArray[Any]]]:
    """Transmit and receive one night's flights; write its Beast files into ``tmp``; return its truth tracks."""
    tracks: list[dict[str, npt.NDArray[Any]]] = []
    per_rx: list[list[tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], npt.NDArray[np.uint8],
                            npt.NDArray[np.bool_]]]] = [[] for _ in scenario.receivers]  # fmt: skip
    for flight, traj, stream in run.flights:
        rng = np.random.default_rng([seed, run.night.toordinal(), 100_000 + stream])
        tx = radio.transmissions(flight, traj, scenario.rates, scenario.jamming, rng)
        for j in scenario.jamming:
            hit = radio.jammed(tx.lat, tx.lon, tx.t_s, (j,))
            if hit.any():
                jam_hits[j.name].add(flight.identity.address)
                first, last = float(tx.t_s[hit].min()), float(tx.t_s[hit].max())
                seen = jam_span.get(j.name)
                jam_span[j.name] = (min(first, seen[0]), max(last, seen[1])) if seen else (first, last)
        for r, receiver in enumerate(scenario.receivers):
            rx_rng = np.random.default_rng([seed, run.night.toordinal(), 900_000 + r, stream])
            idx, t_rx, signal = radio.receive(receiver, tx, rx_rng)
            if idx.size:
                per_rx[r].append((t_rx, tx.frames[idx], signal, tx.long[idx]))
        del tx
        states.append(_states(flight, traj, scenario))
        tracks.append(_track(flight, traj))
    for r, receiver in enumerate(scenario.receivers):
        name = f"simulated-{receiver.name}-{run.night:%Y%m%d}.beast"
        data, first, last, n, counters = _beast(receiver.name, per_rx[r], run.window[0])
        per_rx[r] = []
        (tmp / name).write_bytes(data)
        # the UTC time of the first frame, so the recording's times are anchored, not its mtime's; a night with
        # no frame for this receiver (a recording of its id record only) is anchored on the counter epoch
        start_name = sidecar_path(Path(name)).name
        if n:
            os.utime(tmp / name, ns=(round(last * 1e9), round(last * 1e9)))
            (tmp / start_name).write_bytes(_start_text(counters, last))
        else:
            (tmp / start_name).write_bytes(_epoch_start_text(run.window[0]))
        written.append(start_name)
        written.append(name)
        result.frames_by_receiver[receiver.name] = result.frames_by_receiver.get(receiver.name, 0) + n
        manifest.append({
            "file": name, "receiver": receiver.name, "receiver_id": _receiver_id(receiver.name).hex(),
            "lat": receiver.lat, "lon": receiver.lon, "night": run.night.isoformat(), "clock": "12mhz",
            "counter_epoch_utc": truth.iso(run.window[0]), "frames": n,
            "first_frame_utc": truth.iso(first) if n else None, "last_frame_utc": truth.iso(last) if n else None,
        })  # fmt: skip
    return tracks


def _append_truth_tracks(
    writer: pq.ParquetWriter | None, path: Path, tracks: list[dict[str, npt.NDArray[Any]]]
) -> pq.ParquetWriter | None:
    """Append one night's truth tracks to the Parquet file (opened on the first night with rows)."""
    if not tracks:
        return writer
    table = _truth_table(tracks)
    if writer is None:
        writer = pq.ParquetWriter(path, table.schema, compression="zstd")
    writer.write_table(table.cast(writer.schema))  # type: ignore[arg-type]  # stubs: ParquetSchema; it is pa.Schema
    return writer


def _beast(
    name: str, parts: list[tuple[Any, Any, Any, Any]], epoch: float
) -> tuple[bytes, float, float, int, tuple[int, int]]:
    """The Beast bytes, first and last frame times, frame count, and the first and last non-zero counters."""
    header = frames.beast_receiver_id(_receiver_id(name))
    if not parts:
        return header, 0.0, 0.0, 0, (0, 0)
    t = np.concatenate([p[0] for p in parts])
    order = np.argsort(t, kind="stable")
    t = t[order]
    counter = np.round((t - epoch) * TICKS_PER_S).astype(np.uint64)
    body = frames.beast_records(
        counter,
        np.concatenate([p[2] for p in parts])[order],
        np.concatenate([p[1] for p in parts])[order],
        np.concatenate([p[3] for p in parts])[order],
    )
    # the file's last frame time, exactly as a reader anchoring the counter on the mtime computes it
    last = epoch + float(counter[-1]) / TICKS_PER_S
    nonzero = counter[counter != 0]
    ends = (int(nonzero[0]), int(nonzero[-1])) if nonzero.size else (0, 0)
    return header + body.tobytes(), float(t[0]), last, int(t.size), ends


def _epoch_start_text(epoch: float) -> bytes:
    """A ``.start`` sidecar for a recording without frames: the counter epoch (the night's window start)."""
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=round(epoch * 1e6))
    return (start.isoformat().replace("+00:00", "Z") + "\n").encode()


def _start_text(counters: tuple[int, int], last: float) -> bytes:
    """A ``.start`` sidecar (sources/adsb/sidecar.py): the first frame's UTC time to the microsecond, chosen so the
    reader gives every frame exactly the time it gave when the file was anchored on its modification time (the
    mtime this module sets, read back as ``os.stat`` and the reader read it): recordings keep their times."""
    ns = round(last * 1e9)  # what _transmit_night gives os.utime
    mtime = datetime.fromtimestamp(ns // 10**9 + (ns % 10**9) * 1e-9, UTC)  # what os.stat gives the reader
    base = datetime_us(mtime) - counters[1] // 12
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=base + counters[0] // 12)
    return (start.isoformat().replace("+00:00", "Z") + "\n").encode()


def _states(flight: Flight, traj: Trajectory, scenario: Scenario) -> dict[str, npt.NDArray[Any]]:
    t = traj.t_s[::STATE_INTERVAL_S].astype(np.float64)
    s = traj.at(t)
    mode = radio.mode_at(flight, t)
    seen = np.zeros(t.size, dtype=bool)
    for receiver in scenario.receivers:
        seen |= radio.visible(receiver, s["lat"], s["lon"], s["alt_ft"])[0]
    keep = seen & (mode == 0) & ~s["on_ground"]
    lat, lon = radio.reported_positions(flight, traj, t[keep], s["lat"][keep], s["lon"][keep])
    return {
        "time": t[keep].astype(np.int64), "icao24": np.full(int(keep.sum()), flight.identity.icao24),
        "lat": lat, "lon": lon, "velocity": s["gs_kt"][keep] * 0.514444, "heading": s["track_deg"][keep],
        "vertrate": s["vrate_fpm"][keep] * 0.00508, "callsign": np.full(int(keep.sum()), flight.identity.callsign),
        "squawk": np.full(int(keep.sum()), flight.identity.squawk), "baroaltitude": s["alt_ft"][keep] * 0.3048,
    }  # fmt: skip


def _opensky(states: list[dict[str, npt.NDArray[Any]]]) -> bytes:
    text = io.StringIO()
    text.write(documents.OPENSKY_COLUMNS + "\n")
    cols = {k: np.concatenate([s[k] for s in states]) if states else np.zeros(0) for k in
            ("time", "icao24", "lat", "lon", "velocity", "heading", "vertrate", "callsign", "squawk",
             "baroaltitude")}  # fmt: skip
    order = np.lexsort((cols["icao24"], cols["time"])) if cols["time"].size else np.zeros(0, dtype=np.int64)
    for i in order:
        t = int(cols["time"][i])
        alt = float(cols["baroaltitude"][i])
        text.write(
            f"{t},{cols['icao24'][i]},{cols['lat'][i]:.5f},{cols['lon'][i]:.5f},{cols['velocity'][i]:.2f},"
            f"{cols['heading'][i]:.2f},{cols['vertrate'][i]:.2f},{cols['callsign'][i]},false,false,false,"
            f"{cols['squawk'][i]},{alt:.1f},{alt + 120.0:.1f},{t}.0,{t}.0\n"
        )
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=6) as gz:
        gz.write(text.getvalue().encode())
    return buffer.getvalue()


def _track(flight: Flight, traj: Trajectory) -> dict[str, npt.NDArray[Any]]:
    n = traj.t_s.size
    t = traj.t_s.astype(np.float64)
    lat, lon = radio.reported_positions(flight, traj, t, traj.lat, traj.lon)
    return {
        "ts": traj.t_s * 1_000_000, "icao24": np.full(n, flight.identity.icao24), "lat_deg": traj.lat,
        "lon_deg": traj.lon, "alt_ft": traj.alt_ft, "gs_kt": traj.gs_kt, "track_deg": traj.track_deg,
        "vrate_fpm": traj.vrate_fpm, "on_ground": traj.on_ground, "reported_lat_deg": lat, "reported_lon_deg": lon,
        "flight": np.full(n, flight.label),
    }  # fmt: skip


def _truth_table(tracks: list[dict[str, npt.NDArray[Any]]]) -> pa.Table:
    columns = {k: np.concatenate([t[k] for t in tracks]) for k in tracks[0]} if tracks else {}
    arrays = {k: pa.array(v) for k, v in columns.items()}
    if "ts" in arrays:
        arrays["ts"] = arrays["ts"].cast(pa.timestamp("us", tz="UTC"))
    return pa.table(arrays, metadata={"airpicture.table": "simulated_truth_tracks", "simulated": "true"})


def _parquet(tracks: list[dict[str, npt.NDArray[Any]]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(_truth_table(tracks), sink, compression="zstd")
    return sink.getvalue()


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()
