"""Who may read what: the parts the settings declare public, and analyst API keys with a scope.

A key comes in the ``X-API-Key`` header or as ``Authorization: Bearer <key>`` (never in the URL, where it
would land in proxy logs). Without a key only the parts in ``web.public`` answer; a missing or wrong key
elsewhere is 401, a key whose scope is too low 403. Nothing about the caller is logged.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request

from airpicture.store import Workspace
from airpicture.store.api_keys import allows, scope_of

PARTS = (
    "aircraft",
    "tracks",
    "events",
    "claims",
    "judgments",
    "reports",
    "restrictions",
    "gnss",
    "receivers",
    "stream",
    "dashboard",
)


def presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


def requirement(
    workspace: Workspace, public: frozenset[str], part: str, scope: str = "read"
) -> Callable[[Request], None]:
    """A FastAPI dependency: the request may see ``part`` at ``scope``."""

    def check(request: Request) -> None:
        if scope == "read" and part in public:
            return
        key = presented_key(request)
        if key is None:
            raise HTTPException(401, "an API key is needed (X-API-Key header)", headers={"WWW-Authenticate": "Bearer"})
        with workspace.connect(read_only=True) as con:
            found = scope_of(con, key)
        if found is None:
            raise HTTPException(401, "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        if not allows(found, scope):
            raise HTTPException(403, f"this key's scope ({found}) does not allow {scope}")

    return check
