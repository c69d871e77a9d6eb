"""CPR resolution and motion validation over whole columns of position messages, with per-address state.

Resolution order for each airborne/surface position message (rows sorted by address, time):

1. **global**: the most recent opposite-parity frame of the same address and kind within ``pair_window_s``,
   else the next one in the same batch within that window (surface pairs need a reference for the
   quadrant: the receiver, else the aircraft's last airborne fix);
2. **local**: against the last resolved fix of the same address (airborne or surface) within ``local_ref_window_s``,
   repeated until no new fix appears (a local fix can anchor the next one);
3. **receiver**: surface frames against the receiver (result must be within 45 NM); airborne frames only
   when the caller guarantees ``receiver_range_km`` ≤ 333 km (half an airborne zone, 180 NM).

Validation compares each fix with the last *accepted* fix of the address (within ``fix_ttl_s``): more than
``max_jump_km`` away → POSITION_JUMP; faster than ``max_speed_kmh`` (+ ``MARGIN_KM`` for timestamp jitter
and CPR resolution) → IMPOSSIBLE_SPEED. Flagged fixes keep their coordinates but never become a reference,
except that a run of ``REANCHOR_FIXES`` mutually consistent fixes re-anchors the track (see ``_validate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from airpicture.decode.modes import cpr
from airpicture.decode.modes._group import gather, last_before, last_event, next_after, sort_order
from airpicture.decode.modes._state import DecoderState
from airpicture.geo import haversine_km

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
BoolArr = npt.NDArray[np.bool_]

MARGIN_KM = 1.0
SURFACE_RANGE_KM = 83.34  # 45 NM: surface CPR reference tolerance (DO-260B §A.1.7.6)
AIRBORNE_LOCAL_RANGE_KM = 333.36  # 180 NM: airborne CPR reference tolerance (DO-260B §A.1.7.5)
_MAX_ITER = 64
REANCHOR_FIXES = 8


@dataclass(frozen=True, slots=True)
class PositionParams:
    pair_window_s: float
    local_ref_window_s: float
    fix_ttl_s: float
    max_speed_kmh: float
    max_jump_km: float
    receiver_lat_deg: float | None
    receiver_lon_deg: float | None
    receiver_range_km: float | None


@dataclass(frozen=True, slots=True)
class Resolved:
    lat: F64
    lon: F64
    ambiguous: BoolArr
    speed_bad: BoolArr
    jump_bad: BoolArr


def resolve(
    icao: I64,
    ts: I64,
    surface: BoolArr,
    odd: BoolArr,
    cpr_lat: I64,
    cpr_lon: I64,
    state: DecoderState,
    p: PositionParams,
) -> Resolved:
    """Resolve and validate M position messages; updates ``state`` (cpr, fix, accepted)."""
    m = icao.size
    kind_key = icao * 2 + surface.astype(np.int64)
    rx_lat = np.nan if p.receiver_lat_deg is None else p.receiver_lat_deg
    rx_lon = np.nan if p.receiver_lon_deg is None else p.receiver_lon_deg

    # --- 1. global pairs: previous-batch frames are prepended as state rows. -------------------------
    st = state.get("cpr")
    n_s = st["key"].size
    g = np.concatenate((st["key"] >> 1, kind_key))
    t = np.concatenate((st["ts"], ts))
    is_odd = np.concatenate((st["key"] & 1 == 1, odd))
    lat_raw = np.concatenate((st["lat"], cpr_lat))
    lon_raw = np.concatenate((st["lon"], cpr_lon))
    order = sort_order(g, t)
    gs_, ts_, odd_ = g[order], t[order], is_odd[order]
    last_even = last_before(gs_, ~odd_, inclusive=True)
    last_odd = last_before(gs_, odd_, inclusive=True)
    window_us = int(p.pair_window_s * 1e6)
    before = np.where(odd_, last_even, last_odd)
    before = np.where((before >= 0) & (ts_ - ts_[np.maximum(before, 0)] <= window_us), before, -1)
    # No earlier partner: look ahead within this batch (state rows are all earlier than nothing here).
    after = np.where(odd_, next_after(gs_, ~odd_), next_after(gs_, odd_))
    after = np.where((after >= 0) & (ts_[np.maximum(after, 0)] - ts_ <= window_us), after, -1)
    partner_sorted = np.where(before >= 0, before, after)
    partner = np.full(g.size, -1, dtype=np.int64)
    partner[order] = np.where(partner_sorted >= 0, order[np.maximum(partner_sorted, 0)], -1)
    partner = partner[n_s:]
    has_pair = partner >= 0
    pi = np.maximum(partner, 0)
    lat_e = np.where(odd, lat_raw[pi], cpr_lat)
    lon_e = np.where(odd, lon_raw[pi], cpr_lon)
    lat_o = np.where(odd, cpr_lat, lat_raw[pi])
    lon_o = np.where(odd, cpr_lon, lon_raw[pi])

    lat = np.full(m, np.nan)
    lon = np.full(m, np.nan)
    air_pair = has_pair & ~surface
    if air_pair.any():
        idx = np.flatnonzero(air_pair)
        la, lo = cpr.global_decode(
            lat_e[idx], lon_e[idx], lat_o[idx], lon_o[idx], odd[idx],
            np.zeros(idx.size, dtype=bool), np.full(idx.size, np.nan), np.full(idx.size, np.nan),
        )  # fmt: skip
        lat[idx], lon[idx] = la, lo
    surf_pair = has_pair & surface
    if surf_pair.any():
        idx = np.flatnonzero(surf_pair)
        ref_lat = np.full(idx.size, rx_lat)
        ref_lon = np.full(idx.size, rx_lon)
        if p.receiver_lat_deg is None:
            # Quadrant reference: the aircraft's last airborne fix (any age: quadrants are 90° apart).
            fx = state.get("fix")
            air_ok = np.flatnonzero(~surface & np.isfinite(lat))
            ev_key = np.concatenate((fx["key"][fx["key"] & 1 == 0] >> 1, icao[air_ok]))
            ev_ts = np.concatenate((fx["ts"][fx["key"] & 1 == 0], ts[air_ok]))
            ev_lat = np.concatenate((fx["lat"][fx["key"] & 1 == 0], lat[air_ok]))
            ev_lon = np.concatenate((fx["lon"][fx["key"] & 1 == 0], lon[air_ok]))
            hit = last_event(ev_key, ev_ts, icao[idx], ts[idx])
            ref_lat = gather(ev_lat, hit, np.nan)
            ref_lon = gather(ev_lon, hit, np.nan)
        la, lo = cpr.global_decode(
            lat_e[idx], lon_e[idx], lat_o[idx], lon_o[idx], odd[idx], np.ones(idx.size, dtype=bool), ref_lat, ref_lon
        )
        lat[idx], lon[idx] = la, lo
    pair_failed = has_pair & ~np.isfinite(lat)
    state.merge(
        "cpr",
        {"key": kind_key * 2 + odd, "ts": ts, "lat": cpr_lat, "lon": cpr_lon},
        now_us=int(ts.max()) if m else 0,
        ttl_s=p.pair_window_s,
    )

    # --- 2./3. local decoding chains, then the receiver. -----------------------------------------------
    fx = state.get("fix")
    n_f = fx["key"].size
    # Chains run per address across airborne and surface fixes (a landing aircraft anchors its taxi).
    g2 = np.concatenate((fx["key"] >> 1, icao))
    t2 = np.concatenate((fx["ts"], ts))
    order2 = sort_order(g2, t2)
    g2s, t2s = g2[order2], t2[order2]
    row_of = order2 - n_f  # batch row per sorted position (< 0 for state rows)
    lat_all = np.concatenate((fx["lat"], lat))[order2]
    lon_all = np.concatenate((fx["lon"], lon))[order2]
    batch_sorted = row_of >= 0
    surf_s = np.where(batch_sorted, surface[np.maximum(row_of, 0)], False)
    odd_s = np.where(batch_sorted, odd[np.maximum(row_of, 0)], False)
    clat_s = np.where(batch_sorted, cpr_lat[np.maximum(row_of, 0)], 0)
    clon_s = np.where(batch_sorted, cpr_lon[np.maximum(row_of, 0)], 0)
    window_us = int(p.local_ref_window_s * 1e6)
    receiver_tried = False
    for _ in range(_MAX_ITER):
        resolved = np.isfinite(lat_all)
        ref = last_before(g2s, resolved, inclusive=False)
        todo = batch_sorted & ~resolved & (ref >= 0)
        todo &= (t2s - t2s[np.maximum(ref, 0)]) <= window_us
        if todo.any():
            idx = np.flatnonzero(todo)
            la, lo = cpr.local_decode(
                clat_s[idx], clon_s[idx], odd_s[idx], surf_s[idx], lat_all[ref[idx]], lon_all[ref[idx]]
            )
            lat_all[idx], lon_all[idx] = la, lo
            if np.isfinite(la).any():
                continue
        if receiver_tried or p.receiver_lat_deg is None:
            break
        receiver_tried = True
        use_air = p.receiver_range_km is not None and p.receiver_range_km <= AIRBORNE_LOCAL_RANGE_KM
        todo = batch_sorted & ~np.isfinite(lat_all) & (surf_s | use_air)
        if not todo.any():
            break
        idx = np.flatnonzero(todo)
        ref_lat = np.full(idx.size, rx_lat)
        ref_lon = np.full(idx.size, rx_lon)
        la, lo = cpr.local_decode(clat_s[idx], clon_s[idx], odd_s[idx], surf_s[idx], ref_lat, ref_lon)
        limit = np.where(surf_s[idx], SURFACE_RANGE_KM, p.receiver_range_km or 0.0)
        far = haversine_km(la, lo, ref_lat, ref_lon) > limit
        lat_all[idx] = np.where(far, np.nan, la)
        lon_all[idx] = np.where(far, np.nan, lo)
    lat = np.empty(m)
    lon = np.empty(m)
    lat[row_of[batch_sorted]] = lat_all[batch_sorted]
    lon[row_of[batch_sorted]] = lon_all[batch_sorted]
    ok = np.isfinite(lat)
    state.merge(
        "fix",
        {"key": kind_key[ok], "ts": ts[ok], "lat": lat[ok], "lon": lon[ok]},
        now_us=int(ts.max()) if m else 0,
        ttl_s=max(p.local_ref_window_s, p.fix_ttl_s),
    )

    speed_bad, jump_bad = _validate(icao[ok], ts[ok], lat[ok], lon[ok], state, p)
    sb = np.zeros(m, dtype=bool)
    jb = np.zeros(m, dtype=bool)
    sb[ok], jb[ok] = speed_bad, jump_bad
    return Resolved(lat=lat, lon=lon, ambiguous=pair_failed & ~ok, speed_bad=sb, jump_bad=jb)


def _validate(
    icao: I64, ts: I64, lat: F64, lon: F64, state: DecoderState, p: PositionParams
) -> tuple[BoolArr, BoolArr]:
    """Motion flags of K resolved fixes against the last accepted fix of the same address.

    Consecutive fixes that are mutually consistent form a *segment* (computed for all rows at once). A
    segment whose first fix is consistent with the last accepted fix is accepted whole. One that is not is
    a jump: its fixes are flagged against that last accepted fix — unless it holds ``REANCHOR_FIXES`` or
    more fixes, in which case only its first fix is flagged and the rest become the new accepted track (a
    receiver network gap, or a phantom first fix, must not flag an aircraft for the rest of the day).
    Only segment boundaries are visited one by one; they are rare.
    """
    acc = state.get("accepted")
    n_s = acc["key"].size
    g = np.concatenate((acc["key"], icao))
    t = np.concatenate((acc["ts"], ts))
    order = sort_order(g, t)
    gs_, ts_ = g[order], t[order]
    la = np.concatenate((acc["lat"], lat))[order]
    lo = np.concatenate((acc["lon"], lon))[order]
    is_batch = order >= n_s
    n = order.size
    ttl_us = int(p.fix_ttl_s * 1e6)

    def bad_vs(ref: I64) -> tuple[BoolArr, BoolArr]:
        has = (ref >= 0) & ((ts_ - ts_[np.maximum(ref, 0)]) <= ttl_us)
        r = np.maximum(ref, 0)
        dist = haversine_km(la, lo, la[r], lo[r])
        dt_h = (ts_ - ts_[r]) / 3.6e9
        return has & (dist > p.max_speed_kmh * dt_h + MARGIN_KM), has & (dist > p.max_jump_km)

    prev = np.arange(n, dtype=np.int64) - 1
    prev = np.where((prev >= 0) & (gs_[np.maximum(prev, 0)] == gs_), prev, -1)
    speed_p, jump_p = bad_vs(prev)
    seg_start = (prev < 0) | speed_p | jump_p | ((ts_ - ts_[np.maximum(prev, 0)]) > ttl_us) | ~is_batch
    starts = np.flatnonzero(seg_start)
    ends = np.append(starts[1:], n) if starts.size else starts
    ref = np.full(n, -1, dtype=np.int64)  # last accepted fix each row is judged against (-1: none)
    last_acc: dict[int, int] = {}
    for s0, s1 in zip(starts.tolist(), ends.tolist(), strict=True):
        key = int(gs_[s0])
        r = last_acc.get(key, -1)
        if r >= 0 and ts_[s0] - ts_[r] > ttl_us:
            r = -1
        if not is_batch[s0] or r < 0:
            last_acc[key] = s1 - 1
            continue
        ref[s0:s1] = r
        d = float(haversine_km(la[s0 : s0 + 1], lo[s0 : s0 + 1], la[r : r + 1], lo[r : r + 1])[0])
        dt_h = (ts_[s0] - ts_[r]) / 3.6e9
        if d <= p.max_jump_km and d <= p.max_speed_kmh * dt_h + MARGIN_KM:
            ref[s0:s1] = -1
            last_acc[key] = s1 - 1
        elif s1 - s0 >= REANCHOR_FIXES:
            ref[s0 + 1 : s1] = -1
            last_acc[key] = s1 - 1
    speed, jump = bad_vs(ref)
    speed &= is_batch
    jump &= is_batch
    accepted = ~(speed | jump)
    out_speed = np.zeros(icao.size, dtype=bool)
    out_jump = np.zeros(icao.size, dtype=bool)
    out_speed[order[is_batch] - n_s] = speed[is_batch]
    out_jump[order[is_batch] - n_s] = jump[is_batch]
    keep = accepted & is_batch
    state.merge(
        "accepted",
        {"key": gs_[keep], "ts": ts_[keep], "lat": la[keep], "lon": lo[keep]},
        now_us=int(ts.max()) if ts.size else 0,
        ttl_s=p.fix_ttl_s,
    )
    return out_speed, out_jump
