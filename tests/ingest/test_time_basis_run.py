"""Issue 12, item 1, as a user meets it: a simulated Beast recording copied with plain ``cp`` (a new modification
time) into a fresh workspace inbox, then ``airpicture run``. Its times are approximate, and the run, the
workspace, every derived record, the report and the confidence say so; a ``.start`` sidecar next to it gives
the result of a recording whose start is known."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from airpicture.model.schemas import PositionFlag
from airpicture.pipeline.claims import list_claims
from airpicture.pipeline.simulate import run_simulation
from airpicture.store import Workspace
from tests.conftest import CliRunner

RECORDING = "simulated-minsk-east-20220711.beast"
COPIED_AT = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
"""When the user copied it (fixed: tests never read the wall clock): the night lands on 1 December 2026."""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "sim"
    run_simulation("belarus-july-night", out, last_nights=1)
    assert (out / RECORDING).is_file() and (out / f"{RECORDING}.start").is_file()
    return out


def _inbox_copy(simulated: Path, root: Path, *, sidecar: bool) -> Path:
    inbox = root / "inbox" / "adsb" / "feeder-a"  # a receiver name not in the file name (names are redacted)
    inbox.mkdir(parents=True)
    target = inbox / RECORDING
    shutil.copy(simulated / RECORDING, target)  # plain cp: the modification time is the copy's
    os.utime(target, (COPIED_AT.timestamp(), COPIED_AT.timestamp()))
    if sidecar:
        shutil.copy(simulated / f"{RECORDING}.start", inbox)
    return inbox


def _run(cli: CliRunner, root: Path, *extra: str) -> str:
    result = cli("--workspace", str(root), "run", *extra, env={"AIRPICTURE_REGION": "belarus"}, timeout=900)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def _outcome(root: Path) -> tuple[object, ...]:
    """What a run concluded: the latest current judgment (day, top, band, confidence) and the events per type."""
    with duckdb.connect(str(root / "airpicture.duckdb"), read_only=True) as con:
        judgment = con.execute(
            "SELECT day, top, band, confidence FROM judgments WHERE current AND band <> '' ORDER BY day DESC LIMIT 1"
        ).fetchone()
        events = con.execute("SELECT type, count(*) FROM events GROUP BY 1 ORDER BY 1").fetchall()
    return judgment, events


def test_a_plain_copy_is_approximate_everywhere_and_a_sidecar_gives_the_known_start_result(
    cli: CliRunner, simulated: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    assert cli("--workspace", str(root), "workspace", "init").returncode == 0
    inbox = _inbox_copy(simulated, root, sidecar=False)
    out = _run(cli, root)

    # the run shows the basis and warns once for the file
    assert "time basis of the new receiver files: 1 file_mtime" in out
    warnings = [line for line in out.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and RECORDING in warnings[0] and "times are approximate" in warnings[0]
    assert "named like it plus .start" in warnings[0] and "2026-12-01T23:00:00Z" in warnings[0]
    assert sum(1 for line in out.splitlines() if RECORDING in line) == 1  # said once, not per record or event
    day_line = next(line for line in out.splitlines() if line.startswith("day "))
    assert day_line.startswith("day 2026-12-01:") and day_line.endswith("Confidence: low.")
    assert any(line.startswith("resting on approximate times: ") for line in out.splitlines())

    # workspace info shows it
    info = json.loads(cli("--workspace", str(root), "workspace", "info", "--json").stdout)
    assert info["time_basis"] == {"file_mtime": 1}
    (listed,) = info["approximate_times"]
    assert listed["time_basis"] == "file_mtime" and listed["time_anchor_from"] == "mtime"
    assert listed["path"].endswith(RECORDING)

    # the flag propagates: positions, tracks, events, claims, the judgment
    workspace = Workspace.open(root)
    bit = int(PositionFlag.TIME_APPROXIMATE)
    with workspace.connect(read_only=True) as con:
        rows, flagged = con.execute(
            f"SELECT count(*), count(*) FILTER ((flags & {bit}) <> 0) FROM positions"
        ).fetchone()
        tracks = con.execute("SELECT count(*), count(*) FILTER (time_approximate) FROM tracks").fetchone()
        events = con.execute("SELECT type, flags FROM events").fetchall()
        body = json.loads(con.execute("SELECT body FROM judgments WHERE current AND day = '2026-12-01'").fetchone()[0])
    assert rows > 10_000 and flagged == rows
    assert tracks[0] > 0 and tracks[1] == tracks[0]
    assert any(t == "airspace_entry" for t, _ in events)
    assert events and all("time_approximate" in json.loads(f) for _, f in events)
    claims = list_claims(workspace, "belarus")
    assert claims and all(c.time_approximate for c in claims)
    assert body["confidence"] == "low" and body["time_approximate_items"]
    assert "approximate times" in body["confidence_basis"]

    # the report says which facts rest on approximate times
    report = (root / "reports" / "airpicture-belarus-2026-12-01.md").read_text()
    (said,) = [line for line in report.splitlines() if "Times are approximate for" in line]
    assert "modification date" in said and "no more than low confidence" in said
    assert "high confidence" not in report.lower() and "moderate confidence" not in report.lower()

    # a sidecar next to it: the next run takes it in again on its start, exactly as if the start had been known
    shutil.copy(simulated / f"{RECORDING}.start", inbox)
    again = json.loads(_run(cli, root, "--json"))
    assert again["time_bases"] == {"receiver_clock_anchored": 1} and again["warnings"] == []
    assert again["day"] == "2022-07-11" and again["approximate_items"] == []
    with workspace.connect(read_only=True) as con:
        assert con.execute(f"SELECT count(*) FILTER ((flags & {bit}) <> 0) FROM positions").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM events WHERE day >= '2026-01-01'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM events WHERE flags LIKE '%time_approximate%'").fetchone() == (0,)
        # the day of the copy is judged again: nothing is left there to assess
        stale = con.execute("SELECT body FROM judgments WHERE current AND day = '2026-12-01'").fetchone()
    assert stale is not None and json.loads(stale[0])["assessed"] is False
    assert not any(c.time_approximate for c in list_claims(workspace, "belarus"))
    with workspace.connect(read_only=True) as con:
        taken = [r[0] for r in con.execute("SELECT path FROM inbox_files ORDER BY path").fetchall()]
    assert len(taken) == 2 and taken[1] == taken[0] + ".start" and not any("feeder-a" in t for t in taken)

    known = tmp_path / "known"
    assert cli("--workspace", str(known), "workspace", "init").returncode == 0
    _inbox_copy(simulated, known, sidecar=True)
    first = json.loads(_run(cli, known, "--json"))
    assert first["time_bases"] == {"receiver_clock_anchored": 1} and first["warnings"] == []
    assert (first["day"], first["judgment"], first["confidence"]) == (
        again["day"],
        again["judgment"],
        again["confidence"],
    )
    assert _outcome(known) == _outcome(root)
