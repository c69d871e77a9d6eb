"""Which truth events a receiver could observe at all (docs/formats/truth.md, "observable").

Truth is what happened; a detector can only find what was heard. Per second of a flight this module
computes whether some receiver was up and had the aircraft within range and above its radio horizon
(``in_coverage``), and whether that receiver could hear an airborne ADS-B *position* then (``heard``:
in coverage, transponder in ``adsb`` mode, airborne — Mode-S-only replies carry no position). Each aircraft
event then gets ``observable`` (bool) and ``observability`` (the rule, for the evaluation table):

========================  ==================================================================================
``takeoff``               a position heard within ``WINDOW_S`` after lift-off
``landing``               a position heard within ``WINDOW_S`` before touchdown
``airspace_entry/exit``   positions heard within ``WINDOW_S`` before *and* after the crossing
``orbit``                 positions heard for ≥ half the orbit, in one stretch (gaps ≤ 60 s) ≥ 20 min
``going_dark``            positions heard within ``WINDOW_S`` before the switch-off, and the aircraft stays
                          in coverage for ``DARK_AFTER_S`` after it (else the silence is coverage, not a choice)
``border_proximity``,     any position heard inside the interval
``position_spoofing``
========================  ==================================================================================

Deterministic: no random draws (reception probability is ignored; it only thins what is heard).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from airpicture.simulate import radio
from airpicture.simulate.kinematics import Trajectory
from airpicture.simulate.scenario import Flight, Receiver, TransmitMode

WINDOW_S = 90.0
DARK_AFTER_S = 300.0
ORBIT_MIN_RUN_S = 20 * 60.0
ORBIT_MAX_GAP_S = 60.0


def coverage(flight: Flight, traj: Trajectory, receivers: tuple[Receiver, ...] | list[Receiver]) -> tuple[
    npt.NDArray[np.bool_], npt.NDArray[np.bool_]
]:  # fmt: skip
    """Per trajectory second: (in coverage of some receiver that is up, ADS-B position heard)."""
    t = traj.t_s.astype(np.float64)
    covered = np.zeros(t.size, dtype=bool)
    for receiver in receivers:
        ok = radio.visible(receiver, traj.lat, traj.lon, traj.alt_ft)[0]
        for a, b in receiver.gaps:
            ok &= (t < a.timestamp()) | (t >= b.timestamp())
        covered |= ok
    adsb = radio.mode_at(flight, t) == list(TransmitMode).index(TransmitMode.ADSB)
    return covered, covered & adsb & ~traj.on_ground


def _any(heard: npt.NDArray[np.bool_], t: npt.NDArray[np.float64], a: float, b: float) -> bool:
    return bool(heard[(t >= a) & (t <= b)].any())


def _longest_run_s(heard: npt.NDArray[np.bool_], t: npt.NDArray[np.float64]) -> float:
    times = t[heard]
    if times.size == 0:
        return 0.0
    breaks = np.flatnonzero(np.diff(times) > ORBIT_MAX_GAP_S)
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, times.size - 1]
    return float((times[ends] - times[starts]).max())


def mark(events: list[dict[str, Any]], flight: Flight, traj: Trajectory, receivers: Any) -> None:
    """Set ``observable`` and ``observability`` on each of one flight's truth events (in place)."""
    covered, heard = coverage(flight, traj, receivers)
    t = traj.t_s.astype(np.float64)
    for event in events:
        start = datetime.fromisoformat(event["start"].replace("Z", "+00:00")).timestamp()
        end = datetime.fromisoformat(event["end"].replace("Z", "+00:00")).timestamp()
        kind = event["type"]
        if kind == "takeoff":
            ok, rule = _any(heard, t, start, start + WINDOW_S), f"position heard within {WINDOW_S:g} s after"
        elif kind == "landing":
            ok, rule = _any(heard, t, start - WINDOW_S, start), f"position heard within {WINDOW_S:g} s before"
        elif kind in ("airspace_entry", "airspace_exit"):
            ok = _any(heard, t, start - WINDOW_S, start) and _any(heard, t, start, start + WINDOW_S)
            rule = f"positions heard within {WINDOW_S:g} s before and after"
        elif kind == "orbit":
            inside = (t >= start) & (t <= end)
            fraction = float(heard[inside].mean()) if inside.any() else 0.0
            ok = fraction >= 0.5 and _longest_run_s(heard & inside, t) >= ORBIT_MIN_RUN_S
            rule = f"heard {fraction:.0%} of the orbit"
        elif kind == "going_dark":
            after = (t >= start) & (t <= start + DARK_AFTER_S)
            stays = bool(covered[after].all()) if after.any() else False
            ok = _any(heard, t, start - WINDOW_S, start - 1.0) and stays
            rule = "heard before, in coverage after" if ok else "not heard before or out of coverage after"
        else:
            ok, rule = _any(heard, t, start, end), "position heard inside the interval"
        event["observable"] = bool(ok)
        event["observability"] = rule
