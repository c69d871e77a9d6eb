"""What a report is on the wire (JSON API and form) and inside its sealed box.

:class:`ReportIn` is the API's body (documented in OpenAPI). :func:`sealed_payload` turns a checked report
into the bytes that are sealed: a row in the columns ``airpicture reports import`` reads (so the analyst side
calls the existing import, unchanged) plus the cleaned photos. The reporter's token never enters the box:
the row carries a keyed pseudonym of it (:func:`~airpicture.intake.tokens.TokenKeys.pseudonym`), stable per
reporter, which the workspace hashes again with its own key.

Coordinates are rounded to the precision the reporter chose (a reporter who says "within 5 km" does not
hand over the metres of their window): below 1 km 4 decimals, below 10 km 2, below 50 km 1, else whole
degrees.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from airpicture.model.reports import HowKnown, ReportCategory

MAX_TEXT_CHARS = 10_000
MAX_PHOTOS = 4
PAYLOAD_VERSION = 1
PRECISION_CHOICES_KM = (0.1, 1.0, 5.0, 25.0, 100.0)
TIME_PRECISION_CHOICES_MIN = (5, 15, 60, 180, 720)


class ReportIn(BaseModel):
    """One observer report. Give ``place_name`` or ``lat_deg``/``lon_deg`` (or both)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Annotated[str, Field(min_length=8, max_length=64, description="Your codename (POST /api/v1/tokens).")]
    category: Annotated[ReportCategory, Field(description="What was seen.")]
    observed_at: Annotated[
        datetime, Field(description="When, ISO 8601 with a UTC offset, e.g. 2022-07-11T23:40+03:00.")
    ]
    time_precision_min: Annotated[int, Field(ge=0, le=10080, description="± minutes you are sure of the time.")] = 15
    place_name: Annotated[str | None, Field(max_length=200, description="A town, village or landmark.")] = None
    lat_deg: Annotated[float | None, Field(ge=-90, le=90, allow_inf_nan=False)] = None
    lon_deg: Annotated[float | None, Field(ge=-180, le=180, allow_inf_nan=False)] = None
    place_precision_km: Annotated[
        float, Field(ge=0.1, le=500, allow_inf_nan=False, description="± km you are sure of the place.")
    ] = 1.0
    how_known: Annotated[HowKnown, Field(description="How you know.")] = HowKnown.DIRECT
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS, description="What you saw, in your words.")] = ""
    photos: Annotated[
        list[Annotated[str, Field(max_length=12_000_000)]],
        Field(max_length=MAX_PHOTOS, description="JPEG, PNG or WebP photos, base64; metadata is removed."),
    ] = []

    @field_validator("observed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("observed_at needs a UTC offset")
        if not 1990 <= value.year <= 2200:
            raise ValueError("observed_at out of range")
        return value.astimezone(UTC).replace(second=0, microsecond=0)

    @model_validator(mode="after")
    def _place(self) -> ReportIn:
        if (self.lat_deg is None) != (self.lon_deg is None):
            raise ValueError("give both lat_deg and lon_deg, or neither")
        if self.lat_deg is None and not (self.place_name or "").strip():
            raise ValueError("give place_name or lat_deg/lon_deg")
        return self


class Accepted(BaseModel):
    """The report is sealed and stored; nothing of it is sent back."""

    status: str = "sealed"


class TokenIssued(BaseModel):
    """A new codename. It is shown once and cannot be recovered: write it down."""

    token: str


def coarsen(value: float, precision_km: float) -> float:
    """Round a coordinate to what the chosen precision means (see the module docstring)."""
    decimals = 4 if precision_km < 1 else 2 if precision_km < 10 else 1 if precision_km < 50 else 0
    return round(value, decimals)


def report_row(report: ReportIn, pseudonym: str, photo_names: list[str]) -> dict[str, str]:
    """The row as ``airpicture reports import`` reads it (all values text)."""
    row = {
        "time": report.observed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "time_precision": str(report.time_precision_min),
        "category": report.category.value,
        "accuracy_km": f"{report.place_precision_km:g}",
        "how_known": report.how_known.value,
        "text": report.text.strip(),
        "reporter_token": pseudonym,
        "media": ";".join(photo_names),
    }
    if report.place_name and report.place_name.strip():
        row["place"] = report.place_name.strip()
    if report.lat_deg is not None and report.lon_deg is not None:
        row["lat"] = f"{coarsen(report.lat_deg, report.place_precision_km):g}"
        row["lon"] = f"{coarsen(report.lon_deg, report.place_precision_km):g}"
    return row


def sealed_payload(row: dict[str, str], photos: dict[str, bytes]) -> bytes:
    """The plaintext that is sealed: JSON of the row and the cleaned photos (base64)."""
    body: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "row": row,
        "photos": {name: base64.b64encode(data).decode("ascii") for name, data in photos.items()},
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")


def read_payload(plaintext: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """The row and photos of an opened box; ``ValueError`` when it is not a payload of this version."""
    body = json.loads(plaintext.decode("utf-8"))
    if not isinstance(body, dict) or body.get("v") != PAYLOAD_VERSION:
        raise ValueError("not an intake payload of version 1")
    row = {str(k): str(v) for k, v in dict(body["row"]).items()}
    photos = {str(k): base64.b64decode(v, validate=True) for k, v in dict(body["photos"]).items()}
    return row, photos


__all__ = ["Accepted", "ReportIn", "TokenIssued", "coarsen", "read_payload", "report_row", "sealed_payload"]
