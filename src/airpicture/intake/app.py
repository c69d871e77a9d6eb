"""The intake's HTTP application: the form, the JSON API, the analyst's pull endpoints.

Nothing here reads the client address or any request header except ``Content-Type`` / ``Content-Length``
(a static test holds it), and no handler logs request data. Every error response is one fixed sentence
plus, for 422, the *names* of the fields to check — never a submitted value (FastAPI's default validation
error echoes the input; :func:`_validation_error` replaces it).

Pull protocol (analyst side: ``pipeline/intake_pull.py``): ``POST /api/v1/pull/challenge`` returns 32
random bytes sealed to the analyst key; opening them proves holding the private key, and the opened bytes
are the ``proof`` for ``/api/v1/pull/batch`` and ``/api/v1/pull/ack`` for two minutes. Acknowledged rows are
deleted (``secure_delete`` + ``VACUUM``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartParser

from airpicture.intake.db import IntakeDatabase, SealedRow, new_report_id
from airpicture.intake.forms import LANGUAGES, map_point, render_form, render_message, render_token
from airpicture.intake.media import PhotoRefused, clean_photo
from airpicture.intake.payload import Accepted, ReportIn, TokenIssued, report_row, sealed_payload
from airpicture.intake.sealing import Sealer
from airpicture.intake.tokens import GlobalLimit, TokenKeys, new_token
from airpicture.model.clock import Clock
from airpicture.model.settings import IntakeSettings

log = logging.getLogger(__name__)

MESSAGES = {
    400: "bad request",
    401: "unknown codename",
    403: "not allowed",
    404: "not found",
    405: "method not allowed",
    413: "request too large",
    415: "unsupported media type",
    422: "invalid report",
    429: "too many requests; try later",
    500: "internal error",
}
CHALLENGE_TTL = timedelta(minutes=2)
MAX_CHALLENGES = 16


class Refused(Exception):
    """A request refused with ``status`` and, for 422, the field names at fault."""

    def __init__(self, status: int, fields: tuple[str, ...] = ()) -> None:
        super().__init__(status)
        self.status = status
        self.fields = fields


class ChallengeOut(BaseModel):
    challenge: str = Field(description="32 random bytes sealed to the analyst key, base64.")


class PullIn(BaseModel):
    proof: Annotated[str, Field(max_length=64, description="The opened challenge, base64.")]
    limit: Annotated[int, Field(ge=1, le=1000)] = 200


class SealedOut(BaseModel):
    report_id: str
    received_day: str
    sealed: str = Field(description="The sealed box, base64.")


class BatchOut(BaseModel):
    reports: list[SealedOut]


class AckIn(BaseModel):
    proof: Annotated[str, Field(max_length=64)]
    report_ids: Annotated[list[Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]], Field(max_length=1000)]


class AckOut(BaseModel):
    deleted: int


@dataclass(slots=True)
class IntakeService:
    """Everything a request may touch: the database, the sealer, the token keys, limits, the clock."""

    settings: IntakeSettings
    database: IntakeDatabase
    sealer: Sealer
    keys: TokenKeys
    clock: Clock
    report_limit: GlobalLimit
    token_limit: GlobalLimit
    _challenges: dict[bytes, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def day(self) -> str:
        return self.clock.now().strftime("%Y-%m-%d")

    def issue_token(self) -> str:
        if not self.token_limit.take(self.clock.now()):
            raise Refused(429)
        token = new_token()
        self.database.add_token(self.keys.token_hash(token), self.day())
        return token

    def accept(self, report: ReportIn, photos: list[bytes]) -> None:
        """Check the codename and limits, clean the photos, seal, store. Raises :class:`Refused`."""
        token_hash = self.keys.token_hash(report.token)
        if not self.database.has_token(token_hash):
            raise Refused(401)
        if not self.report_limit.take(self.clock.now()):
            raise Refused(429)
        report_id = new_report_id()
        cleaned: dict[str, bytes] = {}
        for number, data in enumerate(photos):
            try:
                photo = clean_photo(
                    data, max_bytes=self.settings.max_photo_bytes, max_pixels=self.settings.max_photo_pixels
                )
            except PhotoRefused as exc:
                raise Refused(413 if exc.too_large else 422, ("photos",)) from None
            cleaned[f"{report_id}-{number}.{photo.extension}"] = photo.data
        row = report_row(report, self.keys.pseudonym(report.token), list(cleaned))
        sealed = SealedRow(report_id, self.day(), self.sealer.seal(sealed_payload(row, cleaned)))
        stored = self.database.count_and_store(token_hash, self.day(), self.settings.reports_per_token_per_day, sealed)
        if stored is None:
            raise Refused(401)
        if not stored:
            raise Refused(429)
        log.debug("report sealed")

    def challenge(self) -> bytes:
        nonce = secrets.token_bytes(32)
        now = self.clock.now()
        with self._lock:
            self._challenges = {k: v for k, v in self._challenges.items() if v > now}
            if len(self._challenges) >= MAX_CHALLENGES:
                raise Refused(429)
            self._challenges[hashlib.sha256(nonce).digest()] = now + CHALLENGE_TTL
        return self.sealer.seal(nonce)

    def check_proof(self, proof: str) -> None:
        try:
            nonce = base64.b64decode(proof, validate=True)
        except (binascii.Error, ValueError):
            raise Refused(403) from None
        with self._lock:
            expires = self._challenges.get(hashlib.sha256(nonce).digest())
        if expires is None or expires <= self.clock.now():
            raise Refused(403)


def _error_json(status: int, fields: tuple[str, ...] = ()) -> JSONResponse:
    body: dict[str, Any] = {"error": MESSAGES.get(status, "error")}
    if fields:
        body["fields"] = sorted(set(fields))
    return JSONResponse(body, status_code=status)


_KNOWN_FIELDS = frozenset(ReportIn.model_fields) | frozenset(PullIn.model_fields) | frozenset(AckIn.model_fields)


def _field_names(errors: Any) -> tuple[str, ...]:
    """The known field names a validation error points at; anything else (a submitted key) is not named."""
    names = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if isinstance(part, str) and part != "body"]
        names.append(loc[0] if loc and loc[0] in _KNOWN_FIELDS else "(body)")
    return tuple(names)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError | ValidationError) else []
    return _error_json(422, _field_names(errors))


async def _http_error(_request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    return _error_json(status)


async def _refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return _error_json(exc.status, exc.fields)


def _form_report(form: Any) -> tuple[dict[str, Any], list[bytes]]:
    """The form's fields as a ReportIn body (no value is ever echoed back)."""

    def one(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    body: dict[str, Any] = {"token": one("token"), "category": one("category")}
    if one("how_known"):
        body["how_known"] = one("how_known")
    date, time, offset = one("date"), one("time") or "12:00", one("utc_offset") or "+00:00"
    body["observed_at"] = f"{date}T{time}{offset}" if date else ""
    body["time_precision_min"] = one("time_precision_min") or (15 if one("time") else 720)
    if not one("time") and one("time_precision_min") in ("", "5", "15", "60", "180"):
        body["time_precision_min"] = 720  # a date alone: that day, midday ± 12 h
    for name in ("place_name", "text"):
        if one(name):
            body[name] = one(name)
    body["place_precision_km"] = one("place_precision_km") or "5"
    if one("map.x") and one("map.y"):
        try:
            body["lat_deg"], body["lon_deg"] = map_point(float(one("map.x")), float(one("map.y")))
        except ValueError:
            raise Refused(422, ("map",)) from None
    elif one("lat_deg") or one("lon_deg"):
        body["lat_deg"], body["lon_deg"] = one("lat_deg").replace(",", "."), one("lon_deg").replace(",", ".")
    photos = []
    for item in form.getlist("photos"):
        if not isinstance(item, str) and getattr(item, "filename", None):
            photos.append(item.file.read())
    return body, photos


def create_app(settings: IntakeSettings, clock: Clock, public_key: bytes) -> FastAPI:
    """The intake application over ``settings.data_dir`` (created when missing)."""
    # Keep multipart uploads in memory (never a spooled temp file on disk): the body is capped anyway.
    MultiPartParser.spool_max_size = settings.max_body_bytes + 1
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    service = IntakeService(
        settings=settings,
        database=IntakeDatabase(data_dir / "intake.sqlite3"),
        sealer=Sealer(public_key),
        keys=TokenKeys.load_or_create(data_dir / "token.secret"),
        clock=clock,
        report_limit=GlobalLimit(settings.reports_per_minute),
        token_limit=GlobalLimit(settings.tokens_per_minute),
    )
    app = FastAPI(
        title="airpicture observer intake",
        summary="Report what you saw. Reports are sealed to the analyst key on arrival.",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Refused, _refused)
    map_png = files("airpicture.intake").joinpath("data", "map.png").read_bytes()
    map_svg = files("airpicture.intake").joinpath("data", "map.svg").read_bytes()

    @app.post("/api/v1/tokens", status_code=201, responses={429: {}})
    def issue_token() -> TokenIssued:
        """A new codename, shown once."""
        return TokenIssued(token=service.issue_token())

    @app.post("/api/v1/reports", status_code=201, responses={401: {}, 413: {}, 422: {}, 429: {}})
    def submit_report(report: ReportIn) -> Accepted:
        """Send one report; it is sealed and stored, nothing of it is returned."""
        photos = []
        for encoded in report.photos:
            try:
                photos.append(base64.b64decode(encoded, validate=True))
            except (binascii.Error, ValueError):
                raise Refused(422, ("photos",)) from None
        service.accept(report, photos)
        return Accepted()

    @app.post("/api/v1/pull/challenge", responses={429: {}})
    def pull_challenge() -> ChallengeOut:
        """Analyst: a challenge only the private key opens."""
        return ChallengeOut(challenge=base64.b64encode(service.challenge()).decode("ascii"))

    @app.post("/api/v1/pull/batch", responses={403: {}})
    def pull_batch(body: PullIn) -> BatchOut:
        """Analyst: a batch of sealed reports (they stay until acknowledged)."""
        service.check_proof(body.proof)
        rows = service.database.batch(min(body.limit, settings.pull_batch_size))
        return BatchOut(
            reports=[
                SealedOut(
                    report_id=r.report_id, received_day=r.received_day, sealed=base64.b64encode(r.sealed).decode()
                )
                for r in rows
            ]
        )

    @app.post("/api/v1/pull/ack", responses={403: {}})
    def pull_ack(body: AckIn) -> AckOut:
        """Analyst: delete reports that were pulled and stored."""
        service.check_proof(body.proof)
        return AckOut(deleted=service.database.delete(body.report_ids))

    @app.get("/map.png", include_in_schema=False)
    def map_image() -> Response:  # PNG: Tor Browser's safer and safest levels do not render SVG
        return Response(map_png, media_type="image/png")

    @app.get("/map.svg", include_in_schema=False)
    def map_vector() -> Response:
        return Response(map_svg, media_type="image/svg+xml")

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(render_form("en"))

    @app.get("/{lang}", include_in_schema=False)
    def form(lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            raise Refused(404)
        return HTMLResponse(render_form(lang))

    @app.post("/{lang}/token", include_in_schema=False)
    def form_token(lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            raise Refused(404)
        try:
            return HTMLResponse(render_token(lang, service.issue_token()), status_code=201)
        except Refused as exc:
            return HTMLResponse(render_message(lang, f"err_{exc.status}"), status_code=exc.status)

    @app.post("/{lang}/report", include_in_schema=False)
    async def form_report(lang: str, request: Request) -> HTMLResponse:
        if lang not in LANGUAGES:
            raise Refused(404)
        try:
            async with request.form(max_files=8, max_fields=40, max_part_size=settings.max_body_bytes) as form:
                body, photos = _form_report(form)
            try:
                report = ReportIn.model_validate({**body, "photos": []})
            except ValidationError as exc:
                raise Refused(422, _field_names(exc.errors())) from None
            service.accept(report, photos)
        except Refused as exc:
            key = f"err_{exc.status}" if exc.status in (401, 413, 422, 429) else "err_422"
            return HTMLResponse(render_message(lang, key, exc.fields), status_code=exc.status)
        return HTMLResponse(render_message(lang, "thanks"), status_code=201)

    return app


__all__ = ["MESSAGES", "IntakeService", "create_app"]
