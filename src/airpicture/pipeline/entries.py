"""Entered appearances (articles, posts, statements) from JSON: see docs/formats/appearances.md.

Errors name the document, the JSON path and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from airpicture.claims.build import ClaimProposal, Entry
from airpicture.model.claims import Appearance, Modality, Source, SourceKind
from airpicture.model.errors import SourceError
from airpicture.model.events import Evidence, EvidenceKind

_RESERVED = ("report:", "event:", "notam:", "track:", "ref:")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise SourceError("missing or not text", where=where, expected="ISO 8601 date-time with offset")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(
            "not a date-time", where=where, found=value, expected="ISO 8601, e.g. 2022-07-11T21:14Z"
        ) from None
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed).astimezone(UTC)


def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise SourceError("missing or not text", where=f"{where}.{key}", expected="a string")
    return value


def parse_entry(body: Any, entry_id: str, where: str = "appearances") -> Entry:
    """Turn an entered document into an ``Entry``; raises ``SourceError`` naming the bad field."""
    if not isinstance(body, dict):
        raise SourceError("not a JSON object", where=where, expected='{"claim": …, "sources": […], "appearances": […]}')
    claim = body.get("claim", {})
    if not isinstance(claim, dict):
        raise SourceError("not an object", where=f"{where}: claim")
    lat = lon = None
    place_name = None
    if "lat" in claim or "lon" in claim:
        lat, lon = claim.get("lat"), claim.get("lon")
        if (
            not isinstance(lat, int | float)
            or not isinstance(lon, int | float)
            or not (-90 <= lat <= 90 and -180 <= lon <= 180)
        ):
            raise SourceError("bad coordinates", where=f"{where}: claim.lat/lon", expected="decimal degrees")
    elif claim.get("place"):
        from airpicture.pipeline.places import gazetteer

        place = gazetteer().resolve(str(claim["place"]), prefer_countries=("BY", "UA"))
        if place is None:
            raise SourceError(
                "unknown place name",
                where=f"{where}: claim.place",
                found=str(claim["place"]),
                expected="a settlement or airfield in the gazetteer, or lat/lon",
            )
        lat, lon, place_name = place.lat_deg, place.lon_deg, place.name
    proposal = ClaimProposal(
        entry_id=entry_id,
        claim_id=claim.get("claim_id") or None,
        event_type=str(claim.get("event_type", "")),
        subject=str(claim.get("subject", "")),
        start=_time(claim["start"], f"{where}: claim.start") if "start" in claim else None,
        end=_time(claim["end"], f"{where}: claim.end") if "end" in claim else None,
        lat_deg=None if lat is None else float(lat),
        lon_deg=None if lon is None else float(lon),
        place_name=place_name,
    )
    if not proposal.claim_id and not (proposal.event_type and proposal.start):
        raise SourceError("the claim needs claim_id, or event_type and start", where=f"{where}: claim")
    sources: dict[str, Source] = {}
    for i, item in enumerate(body.get("sources", [])):
        at = f"{where}: sources[{i}]"
        if not isinstance(item, dict):
            raise SourceError("not an object", where=at)
        sid = _text(item, "id", at, required=True)
        try:
            kind = SourceKind(item.get("kind", "other"))
        except ValueError:
            raise SourceError(
                "unknown source kind",
                where=f"{at}.kind",
                found=str(item.get("kind")),
                expected=", ".join(k.value for k in SourceKind),
            ) from None
        sources[sid] = Source(sid, kind, _text(item, "name", at) or sid)
    appearances: list[Appearance] = []
    raw = body.get("appearances")
    if not isinstance(raw, list) or not raw:
        raise SourceError("no appearances", where=f"{where}: appearances", expected="a non-empty array")
    for i, item in enumerate(raw):
        at = f"{where}: appearances[{i}]"
        if not isinstance(item, dict):
            raise SourceError("not an object", where=at)
        aid = _text(item, "id", at, required=True)
        if aid.startswith(_RESERVED):
            raise SourceError("reserved id prefix", where=f"{at}.id", found=aid, expected="an id of your own")
        source_id = _text(item, "source", at, required=True)
        if source_id not in sources:
            raise SourceError("unknown source", where=f"{at}.source", found=source_id, expected="an id from sources")
        try:
            modality = Modality(item.get("modality", "asserted"))
        except ValueError:
            raise SourceError(
                "unknown modality",
                where=f"{at}.modality",
                found=str(item.get("modality")),
                expected=", ".join(m.value for m in Modality),
            ) from None
        cites = item.get("cites", [])
        if not isinstance(cites, list) or not all(isinstance(c, str) for c in cites):
            raise SourceError("not a list of ids", where=f"{at}.cites")
        document = item.get("document_sha256") or None
        if document is not None and not _HEX64.match(str(document)):
            raise SourceError("not a SHA-256", where=f"{at}.document_sha256", expected="64 lowercase hex digits")
        media = item.get("media_sha256", [])
        phashes = item.get("media_phash", [])
        if not all(isinstance(m, str) and _HEX64.match(m) for m in media):
            raise SourceError(
                "not SHA-256 digests", where=f"{at}.media_sha256", expected="64 lowercase hex digits each"
            )
        if not all(isinstance(p, str) and _HEX16.match(p) for p in phashes):
            raise SourceError("not perceptual hashes", where=f"{at}.media_phash", expected="16 hex digits each")
        appearances.append(
            Appearance(
                appearance_id=aid,
                source_id=source_id,
                published_at=_time(item.get("published_at"), f"{at}.published_at"),
                modality=modality,
                quote=_text(item, "quote", at),
                attribution=_text(item, "attribution", at),
                url=_text(item, "url", at),
                cites=tuple(cites),
                document=document,
                artifact_sha256=tuple(media),
                artifact_phash=tuple(phashes),
                primary=bool(item.get("primary", False)),
                evidence=(Evidence(EvidenceKind.DOCUMENT, document or aid, 0, _text(item, "url", at)),),
            )
        )
    return Entry(proposal, tuple(sources.values()), tuple(appearances))
