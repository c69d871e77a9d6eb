"""Analyst API keys of the web API: random, stored hashed, with a scope (``read`` < ``write`` < ``admin``).

A key is ``ap_`` + 32 random URL-safe characters (``secrets.token_urlsafe(24)``); only its SHA-256 is kept
(``api_keys.key_sha256``), with the first 8 characters after the prefix as its id for listing and revoking.
A plain hash is enough: the key has 192 random bits, so it cannot be guessed from its hash. Times are kept
to the hour (nothing about when an analyst works).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import duckdb

from airpicture.model.errors import UsageError

SCOPES = ("read", "write", "admin")
"""In rising order: a key of one scope may do everything the scopes before it may."""
PREFIX = "ap_"
ID_CHARS = 8


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    label: str
    scope: str
    created_at: datetime | None
    revoked_at: datetime | None


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def add_key(con: duckdb.DuckDBPyConnection, label: str, scope: str, now: datetime) -> tuple[str, ApiKey]:
    """A new key: ``(the key, shown once; its record)``."""
    if scope not in SCOPES:
        raise UsageError("unknown scope", where="--scope", found=scope, expected=" | ".join(SCOPES))
    if not label.strip():
        raise UsageError("empty label", where="LABEL", expected="what the key is for, e.g. 'newsroom laptop'")
    key = PREFIX + secrets.token_urlsafe(24)
    record = ApiKey(key[len(PREFIX) : len(PREFIX) + ID_CHARS], label.strip(), scope, _hour(now), None)
    con.execute(
        "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
        [record.key_id, key_hash(key), record.label, record.scope, record.created_at],
    )
    return key, record


def list_keys(con: duckdb.DuckDBPyConnection) -> list[ApiKey]:
    rows = con.execute("SELECT key_id, label, scope, created_at, revoked_at FROM api_keys ORDER BY created_at, key_id")
    return [ApiKey(*row) for row in rows.fetchall()]


def revoke_key(con: duckdb.DuckDBPyConnection, key_id: str, now: datetime) -> ApiKey:
    found = [k for k in list_keys(con) if k.key_id == key_id]
    if not found:
        raise UsageError(
            "no such key", where="KEY_ID", found=key_id, expected="an id from 'airpicture serve keys list'"
        )
    con.execute("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE key_id = ?", [_hour(now), key_id])
    return next(k for k in list_keys(con) if k.key_id == key_id)


def scope_of(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """The scope of a working key; None for an unknown or revoked one (compared in constant time)."""
    wanted = key_hash(key)
    row = con.execute(
        "SELECT key_sha256, scope FROM api_keys WHERE key_sha256 = ? AND revoked_at IS NULL", [wanted]
    ).fetchone()
    if row is None or not hmac.compare_digest(row[0], wanted):
        return None
    return str(row[1])


def allows(scope: str | None, needed: str) -> bool:
    return scope is not None and SCOPES.index(scope) >= SCOPES.index(needed)
