"""Running the intake: the outer ASGI guard, quiet logging and uvicorn on a unix socket.

:class:`Guard` wraps the application: it refuses bodies over the limit with 413 before the application sees
them (reading at most ``max_body_bytes`` + one chunk into memory) and turns any exception that escapes into
a bare 500 whose log line is the exception's type only — a message or traceback could hold submitted text.

:func:`quiet_logging` is applied whatever the log level: the access log is off, and uvicorn, starlette,
h11/httptools, multipart and Pillow never log below WARNING (uvicorn's debug and trace lines carry client
address tuples and headers). The intake's own loggers log counts and states only. :func:`serve` also turns
core dumps off (``RLIMIT_CORE`` 0): a dump would hold reports in memory before they are sealed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

_LIBRARY_LOGGERS = (
    "uvicorn", "uvicorn.error", "uvicorn.asgi", "starlette", "fastapi", "h11", "httptools", "multipart",
    "python_multipart", "python_multipart.multipart", "PIL", "asyncio", "httpx", "httpcore",
)  # fmt: skip


def quiet_logging() -> None:
    """Access log off; the web stack never below WARNING (see the module docstring)."""
    access = logging.getLogger("uvicorn.access")
    access.disabled = True
    access.propagate = False
    access.handlers.clear()
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


async def _send_error(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": text})


class Guard:
    """Body limit and last-resort error wall around an ASGI app."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body_bytes:
                await _send_error(send, 413, b'{"error":"request too large"}')
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        chunks.clear()
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, replay, tracking_send)
        except Exception as exc:  # the type only: a message or traceback could hold submitted text
            log.error("request failed: %s", type(exc).__name__)
            if not started:
                await _send_error(send, 500, b'{"error":"internal error"}')


def build(settings: Any, clock: Any, public_key: bytes) -> Guard:
    """The guarded application (what uvicorn serves and what tests drive in process)."""
    from airpicture.intake.app import create_app

    return Guard(create_app(settings, clock, public_key), settings.max_body_bytes)


def serve(settings: Any, clock: Any, public_key: bytes, *, host: str | None = None, port: int | None = None) -> None:
    """Serve until interrupted: on ``settings.socket_path`` (mode 0660), or on ``host:port`` when given
    (loopback, for tests and local bridges)."""
    import resource

    import uvicorn

    # No core dumps: a dump of this process would hold reports before they are sealed.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    quiet_logging()
    app = build(settings, clock, public_key)
    options: dict[str, Any] = {
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        "date_header": False,
        "log_level": "warning",
        "lifespan": "off",
        "timeout_graceful_shutdown": 2,
    }
    if host is not None:
        config = uvicorn.Config(app, host=host, port=port or 0, **options)
    else:
        socket_path = Path(settings.socket_path)
        socket_path.parent.mkdir(parents=True, exist_ok=True)
        socket_path.unlink(missing_ok=True)
        config = uvicorn.Config(app, uds=str(socket_path), **options)
    server = uvicorn.Server(config)
    quiet_logging()  # again: uvicorn.Config configures its loggers' levels
    log.warning("intake listening on %s", f"{host}:{port}" if host is not None else "its unix socket")
    server.run()


__all__ = ["Guard", "build", "quiet_logging", "serve"]
