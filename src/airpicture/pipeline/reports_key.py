"""The reporter key: the secret behind every reporter and receiver pseudonym (docs/source-protection.md).

Whoever holds the key and the workspace can test a suspect's token, user name or receiver name against the
stored pseudonyms. So the key never lives in the workspace, and the secure setups are one command each:

- **a key file on removable media** (``airpicture reports key create /media/usb/reporter.key``): 32 random
  bytes, mode 0600, created only outside the workspace; a warning when it lands on the workspace's own
  file system (a seizure of the machine would take both);
- **a passphrase** (``airpicture reports key passphrase``): the key is derived with scrypt (N = 2¹⁷, r = 8,
  p = 1, 128 MiB, ≈ 0.3 s per guess) from a passphrase typed at each run or given in
  ``AIRPICTURE_REPORTER_PASSPHRASE`` (read by the CLI, handed over with :func:`provide_passphrase`; library
  code never reads the environment); the workspace keeps only the salt, the parameters and a 16-bit check
  value (to catch a mistyped passphrase; it leaves 65 536 candidates per passphrase guess). Nothing on disk
  then holds the key.

Imports refuse to start when the key file is inside the workspace (also through a symlink).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from airpicture.model.errors import ConfigError

KEY_BYTES = 32
KDF_FILE = "reporter-key.kdf.json"
"""In the workspace root when the key comes from a passphrase: salt, scrypt parameters, check value."""
PASSPHRASE_ENV = "AIRPICTURE_REPORTER_PASSPHRASE"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
MIN_PASSPHRASE_CHARS = 12
_GIVEN: dict[Path, str] = {}
"""Passphrases handed over by the CLI for this process, by workspace root (memory only)."""


def provide_passphrase(workspace_root: Path, passphrase: str) -> None:
    """Make ``passphrase`` the one :func:`load_reporter_key` uses for this workspace in this process (the
    CLI calls this once; ingest and report stages then derive the key without being handed it)."""
    _GIVEN[workspace_root.resolve()] = passphrase


@dataclass(frozen=True, slots=True)
class KeyPlacement:
    """Where the key comes from and how exposed it is (for ``reports key check`` and warnings)."""

    source: str  # "file" | "passphrase"
    path: Path | None
    same_device: bool

    def warnings(self) -> list[str]:
        if self.source == "file" and self.same_device:
            return [
                "the reporter key file is on the same file system as the workspace: whoever seizes the machine "
                "can test suspects' tokens and receiver names against the stored pseudonyms. Keep it on "
                "removable media ('airpicture reports key create /media/…') or use a passphrase "
                "('airpicture reports key passphrase')"
            ]
        return []


def _inside(path: Path, root: Path) -> bool:
    path, root = path.resolve(), root.resolve()
    return path == root or root in path.parents


def _refuse_inside(key_file: Path, workspace_root: Path) -> None:
    if _inside(key_file, workspace_root):
        raise ConfigError(
            "the reporter key must live outside the workspace",
            where="reports.reporter_key_file",
            found="a path inside the workspace",
            expected="a path outside the workspace: removable media, or 'airpicture reports key passphrase'",
        )


def _same_device(path: Path, workspace_root: Path) -> bool:
    probe = path if path.exists() else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return probe.stat().st_dev == workspace_root.stat().st_dev
    except OSError:
        return False


def placement(key_file: Path, workspace_root: Path) -> KeyPlacement:
    """Where the key of this workspace comes from."""
    if (workspace_root / KDF_FILE).exists():
        return KeyPlacement("passphrase", None, False)
    return KeyPlacement("file", key_file, _same_device(key_file, workspace_root))


def create_key_file(key_file: Path, workspace_root: Path) -> KeyPlacement:
    """Write 32 random bytes to ``key_file`` (mode 0600, folder 0700); never overwrites, never inside the
    workspace."""
    _refuse_inside(key_file, workspace_root)
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
            out.flush()
            os.fsync(out.fileno())
    except FileExistsError:
        raise ConfigError("a key file is already there; not overwritten", where=str(key_file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot create the reporter key: {exc.strerror}", where=str(key_file)) from None
    return placement(key_file, workspace_root)


def _derive(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=256 * 1024 * 1024, dklen=32
    )


def _check_value(key: bytes) -> str:
    return hmac.new(key, b"airpicture key check", hashlib.sha256).hexdigest()[:4]


def set_passphrase(workspace_root: Path, passphrase: str) -> None:
    """Switch the workspace to a passphrase-derived key (writes :data:`KDF_FILE`; refuses to replace one).

    The pseudonyms made with a previous key will not match the new ones (continuity starts again)."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ConfigError("passphrase too short", expected=f"at least {MIN_PASSPHRASE_CHARS} characters")
    target = workspace_root / KDF_FILE
    if target.exists():
        raise ConfigError("this workspace already derives its key from a passphrase", where=KDF_FILE)
    salt = secrets.token_bytes(16)
    body = {"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex()}
    body["check"] = _check_value(_derive(passphrase, salt))
    target.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def _passphrase_key(workspace_root: Path, passphrase: str | None) -> bytes:
    given = passphrase if passphrase is not None else _GIVEN.get(workspace_root.resolve())
    if not given:
        raise ConfigError(
            "this workspace derives the reporter key from a passphrase, and none was given",
            expected=f"the passphrase in {PASSPHRASE_ENV} (the CLI asks for it when run in a terminal)",
        )
    try:
        body = json.loads((workspace_root / KDF_FILE).read_text(encoding="utf-8"))
        salt = bytes.fromhex(body["salt"])
        if (body["kdf"], body["n"], body["r"], body["p"]) != ("scrypt", SCRYPT_N, SCRYPT_R, SCRYPT_P):
            raise ValueError("parameters")
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError("damaged key-derivation file", where=KDF_FILE) from None
    key = _derive(given, salt)
    if not hmac.compare_digest(_check_value(key), str(body.get("check", ""))):
        raise ConfigError("wrong passphrase for the reporter key", where=KDF_FILE)
    return key


def load_reporter_key(key_file: Path, workspace_root: Path, passphrase: str | None = None) -> bytes:
    """The HMAC key: derived from the passphrase when the workspace holds :data:`KDF_FILE`, else read from
    ``key_file`` (created, 32 random bytes, mode 0600, when missing).

    Raises ``ConfigError`` when the file lies inside the workspace (a seized workspace must not carry it),
    cannot be read or created, or the passphrase is missing or wrong.
    """
    if (workspace_root / KDF_FILE).exists():
        return _passphrase_key(workspace_root, passphrase)
    _refuse_inside(key_file, workspace_root)
    path = key_file.resolve()
    if not path.exists():
        create_key_file(path, workspace_root)
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the reporter key: {exc.strerror}", where=str(key_file)) from None
    if len(key) < 16:
        raise ConfigError("reporter key too short", where=str(key_file), expected="at least 16 bytes")
    return key


__all__ = [
    "KDF_FILE",
    "PASSPHRASE_ENV",
    "KeyPlacement",
    "create_key_file",
    "load_reporter_key",
    "placement",
    "provide_passphrase",
    "set_passphrase",
]
