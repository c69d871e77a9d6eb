"""Reporter codenames, their keyed hashes, and the global rate limit.

A codename is 100 random bits in base32, grouped (``K7QF3-MZP2A-…``). The server keeps only
``BLAKE2b(key=server secret, person="token")`` of it, to check it and count reports per day; the sealed
row carries a second keyed hash (``person="pseudonym"``) so the analyst can follow one reporter's track
record without ever seeing the codename. The secret is 32 random bytes in the data folder (mode 0600).

Rate limits count per token (a day counter in the database) and globally (a per-minute counter in
memory); never per IP address — the server never knows one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SECRET_BYTES = 32
_LETTERS = "abcdefghijklmnop"


def new_token() -> str:
    """A fresh codename: 20 base32 characters in 4 groups of 5."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode("ascii").rstrip("=")[:20]
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def normalise_token(token: str) -> bytes:
    """Case and separators do not matter when a reporter types their codename back."""
    return "".join(ch for ch in token.upper() if ch.isalnum()).encode("ascii", "ignore")


class TokenKeys:
    """The server's keyed hashes of codenames."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) != SECRET_BYTES:
            raise ValueError("the token secret must be 32 bytes")
        self._secret = secret

    @classmethod
    def load_or_create(cls, path: Path) -> TokenKeys:
        """Read the secret file, or create it (0600) with fresh random bytes."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(SECRET_BYTES))
        return cls(path.read_bytes())

    def _hash(self, token: str, person: bytes) -> bytes:
        return hashlib.blake2b(normalise_token(token), key=self._secret, person=person, digest_size=32).digest()

    def token_hash(self, token: str) -> bytes:
        """What the database keeps to recognise a codename."""
        return self._hash(token, b"token")

    def pseudonym(self, token: str) -> str:
        """What the sealed row carries as the reporter: stable per codename, unlinkable to it without the key.

        128 bits written with the letters a–p only: hex digits form runs the import's contact filter takes for
        phone numbers (and then drops the pseudonym, losing reporter continuity)."""
        digest = self._hash(token, b"pseudonym")[:16]
        return "".join(_LETTERS[b >> 4] + _LETTERS[b & 15] for b in digest)


@dataclass(slots=True)
class GlobalLimit:
    """At most ``per_minute`` events per clock minute for the whole server (in memory only)."""

    per_minute: int
    _minute: str = ""
    _used: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, now: datetime) -> bool:
        minute = now.strftime("%Y%m%d%H%M")
        with self._lock:
            if minute != self._minute:
                self._minute, self._used = minute, 0
            if self._used >= self.per_minute:
                return False
            self._used += 1
            return True


__all__ = ["GlobalLimit", "TokenKeys", "new_token", "normalise_token"]
