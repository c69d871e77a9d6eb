"""``airpicture serve``: the HTTP API (``/api/v1``), the ``/v2`` compatibility router and the dashboard.

Every endpoint calls the same query function in ``pipeline/`` as the CLI command that answers the same
question (``events list`` → ``pipeline.events.list_events`` …); nothing here queries the workspace itself
except through those. Times are ISO 8601 UTC. The app only reads the workspace (key management, scope
``admin``, is the one write).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from airpicture.model.clock import Clock
from airpicture.model.errors import AirpictureError, UsageError
from airpicture.model.settings import Settings
from airpicture.store import Workspace
from airpicture.web.auth import PARTS, requirement
from airpicture.web.stream import Hub, WorkspaceTail

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "worker-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""The dashboard's policy: everything from this server, no inline script or style; MapLibre's CSP build runs
its worker from our vendored file (``maplibregl.setWorkerUrl``), so workers need no ``blob:``."""
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
"""The daily report is one self-contained HTML file with its own inline styles and data images, no script."""
MAX_PAGE = 1000


def jsonable(value: Any) -> Any:
    """Datetimes and dates as ISO 8601 text, tuples as lists (the CLI's ``--json`` does the same)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN is no JSON
        return None
    return value


def _json(value: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable(value), status_code=status)


def parse_time(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"{name}: not an ISO 8601 time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(422, f"{name}: not a day YYYY-MM-DD: {text!r}") from None


def create_app(workspace: Workspace, settings: Settings, clock: Clock, hub: Hub | None = None) -> FastAPI:
    """The whole web app over an open workspace. ``hub`` is the stream's broadcast (a new one when None;
    ``airpicture live --serve`` passes its own and publishes to it)."""
    from airpicture.pipeline import aircraft as picture
    from airpicture.pipeline import claims as claims_q
    from airpicture.pipeline import events as events_q
    from airpicture.pipeline import gnss as gnss_q
    from airpicture.pipeline import notam as notam_q
    from airpicture.pipeline import notam_records, receivers, tracks
    from airpicture.pipeline import report as report_q
    from airpicture.pipeline.assess import find_judgment, list_judgments
    from airpicture.pipeline.explain import explain
    from airpicture.pipeline.export import ExportFilter
    from airpicture.web import v2

    hub = hub or Hub()
    if hub.tail_factory is None:
        hub.tail_factory = lambda: WorkspaceTail(workspace, settings)
    public = frozenset(settings.web.public)
    from airpicture.pipeline.reference import reference_data

    reference = reference_data(settings)  # the watch-list, loaded once (not per request)

    def need(part: str, scope: str = "read") -> Any:
        return Depends(requirement(workspace, public, part, scope))

    app = FastAPI(
        title="airpicture",
        description="A sourced picture of military air activity: aircraft, tracks, events with evidence, claims, "
        "judgments, reports. Times are ISO 8601 UTC.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = hub

    @app.exception_handler(AirpictureError)
    async def _airpicture_error(_: Request, exc: AirpictureError) -> JSONResponse:
        status = 404 if isinstance(exc, UsageError) and "no such" in str(exc) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    api = APIRouter(prefix="/api/v1")

    def _at(at: str | None) -> datetime | None:
        return parse_time(at, "at")

    @api.get("/aircraft", dependencies=[need("aircraft")], tags=["picture"])
    def aircraft(
        at: str | None = None,
        window_s: Annotated[float, Query(gt=0, le=86400)] = picture.DEFAULT_WINDOW_S,
        bbox: Annotated[str | None, Query(description="south,west,north,east in degrees")] = None,
        military: bool = False,
        watchlist: bool = False,
        category: str | None = None,
    ) -> JSONResponse:
        """The current picture: each aircraft heard in ``window_s`` before ``at`` (default: the newest position),
        its newest position, identity, role, watch-list category and when it was last seen."""
        box = None
        if bbox is not None:
            try:
                south, west, north, east = (float(v) for v in bbox.split(","))
            except ValueError:
                raise HTTPException(422, "bbox: expected south,west,north,east in degrees") from None
            box = (south, west, north, east)
        found_at, table = picture.current_aircraft(
            workspace,
            settings,
            picture.AircraftFilter(
                at=_at(at), window_s=window_s, bbox=box, military=military, watchlist=watchlist, category=category
            ),
            reference,
        )
        rows = table.to_pylist()
        return _json({"at": found_at, "total": len(rows), "aircraft": rows})

    @api.get("/tracks/{icao24}", dependencies=[need("tracks")], tags=["picture"])
    def track(icao24: str, since: str | None = None, points: bool = False) -> JSONResponse:
        """Every track of one aircraft (as ``tracks show --json``), those ending after ``since`` only; with
        ``points`` each track's fixes too (for the dashboard's trails)."""
        start = parse_time(since, "since")
        rows = [
            r for r in tracks.show_tracks(workspace, icao24).to_pylist() if start is None or r["last_seen"] >= start
        ]
        if points:
            for row in rows:
                fixes = picture.trail_points(workspace, icao24, max(row["first_seen"], start or row["first_seen"]),
                                             row["last_seen"])  # fmt: skip
                row["points"] = fixes.to_pylist()
        return _json(rows)

    @api.get("/events", dependencies=[need("events")], tags=["events"])
    def events(
        type: Annotated[list[str] | None, Query()] = None,
        day: str | None = None,
        icao24: Annotated[list[str] | None, Query()] = None,
        role: str | None = None,
        region: str | None = None,
        detector: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        cursor: str | None = None,
    ) -> JSONResponse:
        """Events in time order with the filters of ``events list``; ``next_cursor`` fetches the next page."""
        filters = events_q.EventFilter(
            types=tuple(type or ()), day=parse_date(day, "day"), icao24=tuple(icao24 or ()), role=role,
            region=region, detector=detector,
        )  # fmt: skip
        found = events_q.list_events(workspace, filters, limit + 1, after=cursor)
        page = found[:limit]
        next_cursor = page[-1][0] if len(found) > limit else None
        return _json({"events": [events_q.event_record(i, e) for i, e in page], "next_cursor": next_cursor})

    @api.get("/events/{event_id}", dependencies=[need("events")], tags=["events"])
    def event(event_id: str) -> JSONResponse:
        """One event in full with the raw records it cites (``events show --json``)."""
        found, region = events_q.find_event(workspace, event_id)
        return _json(events_q.event_record(found.event_id, found, region))

    @api.get("/claims", dependencies=[need("claims")], tags=["claims"])
    def claims(
        status: str | None = None, day: str | None = None, limit: Annotated[int | None, Query(ge=1)] = None
    ) -> JSONResponse:
        """Claims in time order (``claims list --json``)."""
        from airpicture.model.claims import ClaimStatus

        try:
            wanted = ClaimStatus(status) if status is not None else None
        except ValueError:
            raise HTTPException(422, f"status: one of {', '.join(s.value for s in ClaimStatus)}") from None
        found = claims_q.find_claims(workspace, settings.region, wanted, parse_date(day, "day"))
        return _json([claims_q.claim_record(c) for c in found[:limit]])

    @api.get("/claims/{claim_id}", dependencies=[need("claims")], tags=["claims"])
    def claim(claim_id: str) -> JSONResponse:
        return _json(claims_q.claim_record(claims_q.find_claim(workspace, settings.region, claim_id)))

    @api.get("/claims/{claim_id}/explain", dependencies=[need("claims")], tags=["claims"])
    def claim_explain(claim_id: str) -> JSONResponse:
        """The provenance tree down to raw records, as the lines ``claims explain`` prints."""
        return _json({"claim_id": claim_id, "lines": explain(workspace, claim_id, settings.region)})

    judgment_keys = ("judgment_id", "question_id", "day", "top", "band", "runner_up", "runner_up_band", "confidence",
                     "supersedes", "current")  # fmt: skip

    @api.get("/judgments", dependencies=[need("judgments")], tags=["judgments"])
    def judgments(all: bool = False) -> JSONResponse:
        """One row per question and day, newest last (``judgments list --json``)."""
        return _json([dict(zip(judgment_keys, r, strict=True)) for r in list_judgments(workspace, all)])

    @api.get("/judgments/latest", dependencies=[need("judgments")], tags=["judgments"])
    def judgment_latest() -> JSONResponse:
        """The newest current judgment in full (``judgments show --json`` of the last listed)."""
        from airpicture.model.judgments import judgment_to_dict

        rows = list_judgments(workspace, False)
        if not rows:
            raise HTTPException(404, "no judgment yet: run 'airpicture assess' or 'airpicture run'")
        return _json(judgment_to_dict(find_judgment(workspace, str(rows[-1][0]))))

    @api.get("/judgments/{judgment_id}", dependencies=[need("judgments")], tags=["judgments"])
    def judgment(judgment_id: str) -> JSONResponse:
        from airpicture.model.judgments import judgment_to_dict

        return _json(judgment_to_dict(find_judgment(workspace, judgment_id)))

    @api.get("/reports", dependencies=[need("reports")], tags=["reports"])
    def reports() -> JSONResponse:
        """Days with a stored daily report."""
        return _json({"days": report_q.stored_report_days(workspace, settings)})

    @api.get("/reports/{day}", dependencies=[need("reports")], tags=["reports"], response_model=None)
    def report(day: str, format: Annotated[str, Query(pattern="^(json|html)$")] = "json") -> Response:
        """The daily report as ``airpicture report`` wrote it: JSON, or the HTML page (``format=html``)."""
        chosen = parse_date(day, "day")
        assert chosen is not None
        path = report_q.stored_report(workspace, settings, chosen, format)
        if path is None:
            raise HTTPException(404, f"no {format} report for {chosen.isoformat()}: run 'airpicture report'")
        if format == "html":
            return HTMLResponse(path.read_text(encoding="utf-8"), headers={"Content-Security-Policy": REPORT_CSP})
        return Response(path.read_bytes(), media_type="application/json")

    @api.get("/restrictions", dependencies=[need("restrictions")], tags=["picture"])
    def restrictions(
        at: str | None = None, near: str | None = None, within_km: Annotated[float | None, Query(gt=0)] = None
    ) -> JSONResponse:
        """NOTAM restrictions active at ``at`` (default: the newest position time, else now) as GeoJSON, one
        feature per area, optionally near a border (``near=BY-UA``), as ``notam active --format geojson``."""
        when = _at(at) or picture.latest_time(workspace) or clock.now()
        found = notam_q.active_restrictions(workspace, settings, when, near, within_km)
        return _json({"type": "FeatureCollection", "at": when, "features": notam_records.restriction_features(found)})

    @api.get("/gnss", dependencies=[need("gnss")], tags=["picture"])
    def gnss(day: str | None = None) -> JSONResponse:
        """The GNSS-interference hex layer of one UTC day (all days without ``day``), as ``export gnss``."""
        table = gnss_q.gnss_layer(workspace, ExportFilter(day=parse_date(day, "day")))
        features = []
        for row in table.to_pylist():
            geometry = json.loads(row.pop("geometry"))
            features.append({"type": "Feature", "geometry": geometry, "properties": row})
        return _json({"type": "FeatureCollection", "features": features})

    @api.get("/receivers", dependencies=[need("receivers")], tags=["picture"])
    def receivers_health() -> JSONResponse:
        """Receiver health by pseudonym label: stored figures, with the live driver's (lag, drops,
        reconnects, frames/s) over them while it runs."""
        rows = receivers.receiver_health(workspace)
        live = hub.receivers()
        for row in rows:
            row.update(live.pop(str(row["receiver"]), {}))
        rows.extend({"receiver": label, **health} for label, health in sorted(live.items()))
        return _json(rows)

    @api.get("/stream", dependencies=[need("stream")], tags=["picture"], response_model=None)
    async def stream() -> StreamingResponse:
        """Server-Sent Events: ``positions`` (new positions batched per second), ``event``, ``status``
        (claim status changes)."""
        return StreamingResponse(hub.subscribe(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})  # fmt: skip

    @api.get("/keys", dependencies=[need("keys", "admin")], tags=["admin"])
    def keys() -> JSONResponse:
        """The API keys by id, label and scope (never the keys; ``serve keys list``). Scope admin."""
        from airpicture.store.api_keys import list_keys

        with workspace.connect(read_only=True) as con:
            return _json([{"key_id": k.key_id, "label": k.label, "scope": k.scope, "created_at": k.created_at,
                           "revoked_at": k.revoked_at} for k in list_keys(con)])  # fmt: skip

    @api.get("/meta", tags=["picture"])
    def meta() -> JSONResponse:
        """What the dashboard needs to start: region, the newest data time, report days, public parts."""
        newest = picture.latest_time(workspace)
        return _json({"region": settings.region, "latest": newest, "public": sorted(public), "parts": list(PARTS),
                      "day_start": (newest - timedelta(hours=12)) if newest else None})  # fmt: skip

    app.include_router(api)
    app.include_router(v2.router(workspace, settings, need("aircraft"), reference))
    _dashboard(app, need("dashboard"), reference)
    return app


def _dashboard(app: FastAPI, dependency: Any, reference: Any) -> None:
    """``/`` (the map: static/index.html, app.js, app.css and the vendored MapLibre) and ``/basemap.geojson``."""
    from airpicture.web.basemap import basemap_geojson

    basemap: list[bytes] = []  # built on the first request, then kept

    @app.get("/", include_in_schema=False, dependencies=[dependency])
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/basemap.geojson", include_in_schema=False, dependencies=[dependency])
    def basemap_file() -> Response:
        if not basemap:
            basemap.append(basemap_geojson(reference.borders))
        return Response(basemap[0], media_type="application/geo+json", headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
