"""One receiver split across files is one root (issue 8; spec assessment.md §3: "not the same sensor/receiver").

The simulator writes one Beast file per receiver and night (minsk-east, vilnius, chernihiv), each starting
with a readsb receiver-id record. Each file is cut into three parts, as hourly dumps would be, and the
parts go through the real pipeline (ingest, tracks, detectors, claims) in two workspaces:

- *named*: minsk-east's parts (receiver id removed) filed under ``inbox/adsb/minsk-east/``; vilnius's parts
  keep their receiver-id record and lie loose in the inbox; chernihiv's parts (receiver id removed) are
  ingested with ``--receiver chernihiv`` — every way a receiver can be named;
- *unnamed*: every part loose in the inbox with no receiver id — each file is its own receiver.

In *named*, every detector claim has one root per real receiver; in *unnamed* some claims count one
receiver several times (the inflation the issue is about: with this seed the A-50's border-proximity claim
has 3 roots from 2 receivers and the Mazyr GNSS-interference claim 6 from 3), which shows the check can fail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from airpicture.model.claims import Appearance, Claim, ClaimStatus
from airpicture.model.clock import FixedClock
from airpicture.model.settings import load_settings
from airpicture.pipeline.claims import list_claims
from airpicture.pipeline.ingest import IngestOptions, ingest_paths
from airpicture.pipeline.run import run_all
from airpicture.pipeline.simulate import run_simulation
from airpicture.store import Workspace
from airpicture.store import claims as claim_store
from tests.ingest.receivers_support import split_beast

CLOCK = FixedClock(datetime(2022, 7, 12, 9, 0, tzinfo=UTC))
PARTS = 3


@dataclass(frozen=True, slots=True)
class Built:
    claims: tuple[Claim, ...]
    appearances: Mapping[str, Appearance]
    receiver_of_file: Mapping[str, str]
    """file id → the real receiver's name (from the simulator's manifest)."""
    stored_receivers: Mapping[str, str | None]
    """file id → ingested_files.receiver."""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(base: Path, sim: Path, named: bool) -> Built:
    manifest = json.loads((sim / "simulated-manifest.json").read_text(encoding="utf-8"))
    root = base / ("named" if named else "unnamed")
    workspace = Workspace.init(root / "ws")
    inbox = root / "ws" / "inbox" / "adsb"
    outside = root / "dumps"
    settings = load_settings(
        None, {}, {"workspace": root / "ws", "reports.reporter_key_file": root / "keys" / "reporter.key"}
    )
    receiver_of_file: dict[str, str] = {}
    by_option: list[Path] = []
    for entry in manifest["beast_files"]:
        name, stem = entry["receiver"], Path(entry["file"]).stem
        keep_id = named and name == "vilnius"
        if not named:
            folder = inbox
        elif name == "minsk-east":
            folder = inbox / name
        elif name == "chernihiv":
            folder = outside
        else:
            folder = inbox
        parts = [folder / f"{stem}-part{i}.beast" for i in range(PARTS)]
        split_beast(sim / entry["file"], parts, receiver_id=bytes.fromhex(entry["receiver_id"]) if keep_id else None)
        receiver_of_file.update({_sha(p): name for p in parts})
        if folder == outside:
            by_option += parts
    if by_option:
        ingest_paths(workspace, by_option, settings, CLOCK, options=IngestOptions(receiver="chernihiv"))
    (root / "ws" / "inbox" / "notams").mkdir(parents=True)
    (root / "ws" / "inbox" / "notams" / "simulated-notams.txt").write_bytes((sim / "simulated-notams.txt").read_bytes())
    summary = run_all(workspace, settings, CLOCK)
    assert not summary.failed_files and summary.events > 0
    with workspace.connect(read_only=True) as con:
        appearances = claim_store.load_appearances(con, settings.region)
        stored = {r[0]: r[1] for r in con.execute("SELECT file_id, receiver FROM ingested_files").fetchall()}
    return Built(tuple(list_claims(workspace, settings.region)), appearances, receiver_of_file, stored)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("receivers") / "sim"
    run_simulation("belarus-july-night", out, last_nights=1)
    return out


@pytest.fixture(scope="module")
def named(sim: Path) -> Built:
    return _build(sim.parent, sim, named=True)


@pytest.fixture(scope="module")
def unnamed(sim: Path) -> Built:
    return _build(sim.parent, sim, named=False)


def _receiver_roots(built: Built) -> list[tuple[Claim, list[set[str]]]]:
    """Detector claims resting on receiver roots only, with the real receivers behind each root."""
    out = []
    for claim in built.claims:
        roots = [built.appearances[r] for r in claim.roots]
        if not roots or not all("/receiver:" in a.appearance_id for a in roots):
            continue
        out.append((claim, [{built.receiver_of_file[e.source_file] for e in a.evidence} for a in roots]))
    return out


def test_every_file_of_a_named_receiver_carries_its_pseudonym(named: Built) -> None:
    by_receiver: dict[str, set[str | None]] = {}
    for file_id, receiver in named.receiver_of_file.items():
        by_receiver.setdefault(receiver, set()).add(named.stored_receivers[file_id])
    assert set(by_receiver) == {"minsk-east", "vilnius", "chernihiv"}
    keys = [next(iter(v)) for v in by_receiver.values()]
    assert all(len(v) == 1 for v in by_receiver.values()) and None not in keys and len(set(keys)) == 3


def test_a_named_receiver_is_one_root_however_many_files(named: Built) -> None:
    claims = _receiver_roots(named)
    assert len(claims) >= 10
    spanning = 0
    for claim, receivers in claims:
        assert all(len(r) == 1 for r in receivers), claim.claim_id  # a root is one receiver
        real = [next(iter(r)) for r in receivers]
        assert len(real) == len(set(real)) == claim.independent_roots, claim.claim_id  # one root per receiver
        files = [{e.source_file for e in named.appearances[r].evidence} for r in claim.roots]
        spanning += any(len(f) > 1 for f in files)
        if claim.independent_roots == 1:
            assert claim.status is not ClaimStatus.CONFIRMED
    assert spanning > 0  # the check bites: some roots hold records of several files of one receiver


def test_unnamed_files_inflate_the_roots_the_named_run_does_not(named: Built, unnamed: Built) -> None:
    inflated = {
        claim.claim_id: (claim.independent_roots, len({next(iter(r)) for r in receivers}))
        for claim, receivers in _receiver_roots(unnamed)
        if len({next(iter(r)) for r in receivers}) < claim.independent_roots
    }
    assert inflated  # without a receiver identity one receiver counts as several independent roots
    by_id = {c.claim_id: c for c in named.claims}
    for claim_id, (unnamed_roots, real) in inflated.items():
        assert by_id[claim_id].independent_roots == real < unnamed_roots, claim_id
