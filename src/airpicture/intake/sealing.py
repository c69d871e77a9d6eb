"""Sealing reports to the analyst: anonymous-sender public-key boxes (libsodium ``crypto_box_seal``).

The server holds only the analyst's *public* key: it can seal, never open. ``crypto_box_seal`` uses a fresh
ephemeral X25519 key per message (XSalsa20-Poly1305), so two sealed reports share nothing an observer can
link. Key files are hex text; the private key file is written with mode 0600 and lives only on the analyst
machine (``airpicture intake keygen``). The fingerprint is what a group publishes next to its onion address
so reporters and bridges can tell the real intake from a fake (docs/security/intake.md).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from airpicture.model.errors import ConfigError

KEY_HEX_CHARS = 64


def generate_keypair() -> tuple[bytes, bytes]:
    """A new (private, public) X25519 key pair, 32 bytes each."""
    private = PrivateKey.generate()
    return bytes(private), bytes(private.public_key)


def fingerprint(public_key: bytes) -> str:
    """What to publish: SHA-256 of the public key, 16 groups of 4 hex digits."""
    digest = hashlib.sha256(b"airpicture-intake-v1" + public_key).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def write_key_file(path: Path, key: bytes, *, private: bool) -> None:
    """Write a key as hex; a private key file is created 0600 and never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600 if private else 0o644)
    except FileExistsError:
        raise ConfigError("key file exists; not overwritten", where=str(path)) from None
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key.hex() + "\n")


def read_key_file(path: Path) -> bytes:
    """Read a hex key file (32 bytes)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        raise ConfigError("cannot read key file", where=str(path), expected="64 hex digits") from None
    if len(text) != KEY_HEX_CHARS:
        raise ConfigError("not a key file", where=str(path), expected="64 hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ConfigError("not a key file", where=str(path), expected="64 hex digits") from None


class Sealer:
    """Seals bytes to one public key. Holds no secret."""

    __slots__ = ("_box",)

    def __init__(self, public_key: bytes) -> None:
        self._box = SealedBox(PublicKey(public_key))

    def seal(self, plaintext: bytes) -> bytes:
        return bytes(self._box.encrypt(plaintext))


class Opener:
    """Opens sealed bytes with the private key: the analyst side only."""

    __slots__ = ("_box",)

    def __init__(self, private_key: bytes) -> None:
        self._box = SealedBox(PrivateKey(private_key))

    def open(self, sealed: bytes) -> bytes:
        """The plaintext; ``ValueError`` when the box is damaged or sealed to another key."""
        try:
            return bytes(self._box.decrypt(sealed))
        except CryptoError:
            raise ValueError("sealed box does not open with this key (damaged or sealed to another key)") from None


__all__ = ["Opener", "Sealer", "fingerprint", "generate_keypair", "read_key_file", "write_key_file"]
