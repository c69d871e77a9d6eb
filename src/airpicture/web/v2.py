"""A read-only ``/v2`` router in the adsb.lol / ADS-B Exchange v2 shape, so existing tools (military-flight
trackers, scripts written for ``api.adsb.lol``) can point at a group's own server.

The subset: ``/v2/mil`` (``dbFlags`` military), ``/v2/hex/{hex}``, ``/v2/callsign/{callsign}`` and
``/v2/point/{lat}/{lon}/{radius}`` (nautical miles, at most 250). Answers are
``{"ac": [...], "msg": "No error", "now": ms, "total": n, "ctime": ms, "ptime": ms}``; each aircraft has
``hex``, ``type`` (``adsb_icao``), ``flight`` (callsign padded to 8), ``r``, ``t``, ``alt_baro`` (feet or
``"ground"``), ``gs``, ``track``, ``squawk``, ``lat``, ``lon``, ``seen``, ``seen_pos`` (seconds before
``now``), ``messages`` and ``dbFlags`` (1 military, 2 interesting: on the watch-list). Fields with no value
are left out, as readsb does. The picture is ``pipeline.aircraft.current_aircraft`` at the newest position.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from airpicture.model.settings import Settings
from airpicture.store import Workspace

MAX_RADIUS_NM = 250.0


def aircraft_v2(row: dict[str, Any], now_s: float) -> dict[str, Any]:
    flags = (1 if row.get("military") else 0) | (2 if row.get("of_interest") else 0)
    out: dict[str, Any] = {"hex": row["icao24"], "type": "adsb_icao"}
    if row.get("callsign"):
        out["flight"] = f"{row['callsign']:<8}"
    for key, name in (("registration", "r"), ("aircraft_type", "t")):
        if row.get(key):
            out[name] = row[key]
    if row.get("alt_ft") is not None:
        out["alt_baro"] = round(row["alt_ft"])
    for key, name in (("gs_kt", "gs"), ("track_deg", "track")):
        if row.get(key) is not None:
            out[name] = round(float(row[key]), 1)
    if row.get("squawk"):
        out["squawk"] = row["squawk"]
    if row.get("lat_deg") is not None:
        out["lat"], out["lon"] = round(row["lat_deg"], 6), round(row["lon_deg"], 6)
        out["seen_pos"] = round(now_s - row["position_at"].timestamp(), 1)
    out["messages"] = row.get("messages", 0)
    out["seen"] = round(now_s - row["last_seen"].timestamp(), 1)
    out["dbFlags"] = flags
    return out


def router(workspace: Workspace, settings: Settings, dependency: Any, reference: Any = None) -> APIRouter:
    from airpicture.pipeline.aircraft import AircraftFilter, current_aircraft

    api = APIRouter(prefix="/v2", tags=["v2 compatibility"], dependencies=[dependency])

    def answer(filters: AircraftFilter) -> JSONResponse:
        started = time.perf_counter()
        at, table = current_aircraft(workspace, settings, filters, reference)
        now_s = at.timestamp() if at is not None else time.time()
        ac = [aircraft_v2(r, now_s) for r in table.to_pylist()]
        took_ms = round((time.perf_counter() - started) * 1000)
        now_ms = round(now_s * 1000)
        return JSONResponse({"ac": ac, "msg": "No error", "now": now_ms, "total": len(ac), "ctime": now_ms,
                             "ptime": took_ms})  # fmt: skip

    @api.get("/mil")
    def mil() -> JSONResponse:
        """Military aircraft (``dbFlags & 1``)."""
        return answer(AircraftFilter(military=True))

    @api.get("/hex/{icao24}")
    def by_hex(icao24: Annotated[str, Path(pattern="^[0-9a-fA-F]{6}$")]) -> JSONResponse:
        return answer(AircraftFilter(icao24=(icao24.lower(),)))

    @api.get("/callsign/{callsign}")
    def by_callsign(callsign: Annotated[str, Path(min_length=1, max_length=8)]) -> JSONResponse:
        return answer(AircraftFilter(callsign=callsign))

    @api.get("/point/{lat}/{lon}/{radius}")
    def by_point(
        lat: Annotated[float, Path(ge=-90, le=90)],
        lon: Annotated[float, Path(ge=-180, le=180)],
        radius: Annotated[float, Path(gt=0, le=MAX_RADIUS_NM)],
    ) -> JSONResponse:
        """Aircraft within ``radius`` nautical miles of a point."""
        return answer(AircraftFilter(near=(lat, lon, radius)))

    return api
