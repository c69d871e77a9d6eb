"""``airpicture evaluate``: compare the workspace's events (and decoded positions) with a scenario's truth.

Events: for each event type the truth knows (its ``event_types``), a detected event of the same type
matches a truth event when they concern the same aircraft (when both name one) and their start times differ by at most
``tolerance_s`` (intervals: or they overlap). Matching is greedy by time difference, one-to-one.
Both sides count only events starting inside the truth's simulated windows; a detection matching a truth
event no receiver could observe still counts as right. Recall counts only truth events marked
``observable`` (docs/formats/truth.md). Detected types without a truth counterpart are listed, not
scored. A truth event with ``affected_start``/``affected_end`` (jamming: when aircraft were in the area) is timed
from those. Position error uses the event's point (GeoJSON ``Point`` or the ``centre_lat_deg``/``centre_lon_deg``
attributes) against the truth event's ``lat``/``lon``.

Positions: every decoded position row of a simulated address is compared with the scripted position
interpolated at its timestamp (``simulated-truth-tracks.parquet`` next to ``truth.json``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from airpicture.geo import haversine_km
from airpicture.model.errors import ConfigError
from airpicture.store import Workspace

DEFAULT_TOLERANCE_S = 600.0


@dataclass(frozen=True, slots=True)
class TypeScore:
    """Scores of one event type. Errors are medians over matched pairs (None without matches)."""

    type: str
    truth: int
    detected: int
    matched: int
    observable: int
    """Truth events some receiver could observe (``observable`` in truth.json; all when the field is absent)."""
    precision: float | None
    recall: float | None
    median_time_error_s: float | None
    median_position_error_km: float | None


@dataclass(frozen=True, slots=True)
class PositionScore:
    rows: int
    median_error_m: float | None
    p99_error_m: float | None
    max_error_m: float | None
    within_5m: float | None


@dataclass(slots=True)
class Evaluation:
    scenario: str
    types: list[TypeScore] = field(default_factory=list)
    unscored: dict[str, int] = field(default_factory=dict)
    """Detected event types the truth has no counterpart for (e.g. ``track_start_inside``), with counts."""
    positions: PositionScore | None = None


def _time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def load_truth(path: Path) -> dict[str, Any]:
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError("cannot read the truth file", where=str(path), found=str(exc)) from None
    if not isinstance(truth, dict) or truth.get("schema") != "airpicture.truth/1":
        raise ConfigError("not an airpicture truth file", where=str(path), expected="schema airpicture.truth/1")
    return truth


def _point(geometry: str | None, attributes: dict[str, Any]) -> tuple[float, float] | None:
    if "centre_lat_deg" in attributes:
        return float(attributes["centre_lat_deg"]), float(attributes["centre_lon_deg"])
    if geometry:
        geo = json.loads(geometry)
        if geo.get("type") == "Point":
            lon, lat = geo["coordinates"][:2]
            return float(lat), float(lon)
    return None


def evaluate(workspace: Workspace, truth_path: Path, *, tolerance_s: float = DEFAULT_TOLERANCE_S) -> Evaluation:
    truth = load_truth(truth_path)
    windows = [(_time(a), _time(b)) for a, b in truth["windows"]]
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT type, epoch(start_ts), epoch(end_ts), icao24, geometry, attributes FROM events"
        ).fetchall()
    detected: dict[str, list[tuple[float, float, str | None, tuple[float, float] | None]]] = {}
    for kind, start, end, icao24, geometry, attributes in rows:
        if any(a <= start < b for a, b in windows):
            attrs = json.loads(attributes)
            # a chain of grazing crossings (airspace hysteresis) stands for every crossing it merged
            merged_crossings = attrs.get("merged", [])
            for merged, at in merged_crossings if kind == "border_excursion" else merged_crossings[1:]:
                t = datetime.fromisoformat(at).timestamp()
                detected.setdefault(merged, []).append((t, t, icao24, None))
            detected.setdefault(kind, []).append((start, end, icao24, _point(geometry, attrs)))
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in truth["events"]:
        if any(a <= _time(event["start"]) < b for a, b in windows):
            by_type.setdefault(event["type"], []).append(event)
    result = Evaluation(scenario=truth.get("scenario", ""))
    scored = set(truth.get("event_types") or by_type)
    for kind in sorted(scored):
        result.types.append(_score(kind, by_type.get(kind, []), detected.get(kind, []), tolerance_s))
    result.unscored = {k: len(v) for k, v in sorted(detected.items()) if k not in scored}
    tracks = truth_path.parent / "simulated-truth-tracks.parquet"
    if tracks.exists() and workspace.has_partitions("positions"):
        result.positions = _positions(workspace, tracks)
    return result


def _score(kind: str, truth: list[dict[str, Any]], found: list[Any], tolerance_s: float) -> TypeScore:
    pairs = []
    for i, t in enumerate(truth):
        # where the truth knows when its event became observable (jamming: the first aircraft in the area),
        # time errors are measured from then — a detector cannot see interference nobody flies through
        ts, te = _time(t.get("affected_start") or t["start"]), _time(t.get("affected_end") or t["end"])
        for j, (ds, de, icao, _) in enumerate(found):
            if t.get("icao24") and icao and t["icao24"] != icao:
                continue
            gap = abs(ds - ts)
            if gap <= tolerance_s or (te > ts and ds < te and de > ts):
                pairs.append((gap, i, j))
    pairs.sort()
    used_t: set[int] = set()
    used_d: set[int] = set()
    time_err, pos_err = [], []
    for gap, i, j in pairs:
        if i in used_t or j in used_d:
            continue
        used_t.add(i)
        used_d.add(j)
        time_err.append(gap)
        point, t = found[j][3], truth[i]
        if point is not None and "lat" in t:
            pos_err.append(float(haversine_km(point[0], point[1], t["lat"], t["lon"])))
    # A detection of an unobservable truth event is still right (precision); recall counts observable ones.
    observable = {i for i, t in enumerate(truth) if t.get("observable", True)}
    return TypeScore(
        type=kind,
        truth=len(truth),
        detected=len(found),
        matched=len(used_t),
        observable=len(observable),
        precision=len(used_t) / len(found) if found else None,
        recall=len(used_t & observable) / len(observable) if observable else None,
        median_time_error_s=float(np.median(time_err)) if time_err else None,
        median_position_error_km=float(np.median(pos_err)) if pos_err else None,
    )


def _positions(workspace: Workspace, tracks_path: Path) -> PositionScore:
    tracks = pq.read_table(tracks_path, columns=["ts", "icao24", "reported_lat_deg", "reported_lon_deg"])
    t_us = tracks["ts"].cast(pa.int64()).to_numpy()
    icao = tracks["icao24"].to_numpy(zero_copy_only=False).astype(str)
    lat = tracks["reported_lat_deg"].to_numpy()
    lon = tracks["reported_lon_deg"].to_numpy()
    with workspace.connect(read_only=True) as con:
        decoded = con.execute(
            "SELECT icao24, epoch_us(ts), lat_deg, lon_deg FROM positions WHERE lat_deg IS NOT NULL"
        ).fetchnumpy()
    errors = []
    d_icao = np.asarray(decoded["icao24"]).astype(str)
    for address in np.unique(icao):
        sel = icao == address
        rows = d_icao == address
        if not rows.any():
            continue
        ts, tlat, tlon = t_us[sel], lat[sel], lon[sel]
        dts = np.asarray(decoded["epoch_us(ts)"])[rows].astype(np.float64)
        inside = (dts >= ts[0]) & (dts <= ts[-1])
        # two flights of one address in different nights: interpolate only inside a scripted second
        k = np.clip(np.searchsorted(ts, dts), 1, len(ts) - 1)
        inside &= (ts[k] - ts[k - 1]) <= 1_000_000
        elat = np.interp(dts[inside], ts, tlat)
        elon = np.interp(dts[inside], ts, tlon)
        dlat = np.asarray(decoded["lat_deg"])[rows][inside]
        dlon = np.asarray(decoded["lon_deg"])[rows][inside]
        errors.append(haversine_km(elat, elon, dlat, dlon) * 1000.0)
    err = np.concatenate(errors) if errors else np.zeros(0)
    if not err.size:
        return PositionScore(0, None, None, None, None)
    return PositionScore(int(err.size), float(np.median(err)), float(np.percentile(err, 99)), float(err.max()),
                         float((err <= 5.0).mean()))  # fmt: skip
