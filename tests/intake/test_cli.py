"""``airpicture intake keygen`` and ``torrc`` through the real CLI: the private key file is 0600 and never
overwritten, the public key and fingerprint are what the server and reporters get."""

from __future__ import annotations

import stat
from pathlib import Path

from airpicture.intake.sealing import fingerprint, read_key_file
from tests.conftest import CliRunner


def test_keygen_writes_a_0600_private_key_and_never_overwrites_it(cli: CliRunner, tmp_path: Path) -> None:
    private = tmp_path / "analyst" / "intake.key"
    env = {"AIRPICTURE_INTAKE__PRIVATE_KEY_FILE": str(private)}
    done = cli("intake", "keygen", "--public-out", str(tmp_path / "intake.pub"), env=env)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    public = read_key_file(tmp_path / "intake.pub")
    assert f"fingerprint: {fingerprint(public)}" in done.stdout
    assert read_key_file(private) != public and private.read_text().strip() not in done.stdout + done.stderr
    again = cli("intake", "keygen", "--public-out", str(tmp_path / "other.pub"), env=env)
    assert again.returncode == 2 and "not overwritten" in again.stderr
    shown = cli("intake", "fingerprint", str(tmp_path / "intake.pub"))
    assert shown.stdout.strip() == fingerprint(public)


def test_torrc_command_writes_the_onion_service_config(cli: CliRunner, tmp_path: Path) -> None:
    socket_path = tmp_path / "run" / "intake.sock"
    done = cli(
        "intake", "torrc", "--out", str(tmp_path / "torrc"), env={"AIRPICTURE_INTAKE__SOCKET_PATH": str(socket_path)}
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "torrc").read_text()
    assert f"HiddenServicePort 80 unix:{socket_path}" in text and "SafeLogging 1" in text
