"""NOTAMs stored by the NOTAM stage enter claims on their own, as published primary sources (spec §2, §3)."""

from __future__ import annotations

from pathlib import Path

from airpicture.model.settings import load_settings
from airpicture.pipeline.claims import list_claims, refresh
from airpicture.pipeline.notam import ingest_notams
from airpicture.store import Workspace
from airpicture.testing import FixedClock

DATA = Path(__file__).resolve().parents[1] / "data" / "notams"


def test_restrictive_notams_become_claims_citing_the_notam(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    settings = load_settings(None, {}, {"workspace": workspace.root})
    clock = FixedClock()
    ingest_notams(workspace, [DATA / "notams_uk_airspace_warnings_icao.txt"], clock, settings)
    with workspace.connect(read_only=True) as con:
        restrictive = {
            row[0]
            for row in con.execute(
                "SELECT notam_id FROM notams WHERE regexp_matches(coalesce(qcode, ''), '^Q(R|W|GA|GW)') "
                "AND coalesce(kind, 'N') <> 'C' AND valid_from IS NOT NULL AND valid_to IS NOT NULL"
            ).fetchall()
        }
        other = {row[0] for row in con.execute("SELECT notam_id FROM notams").fetchall()} - restrictive
    assert len(restrictive) > 50

    refresh(workspace, settings, clock)
    claims = [c for c in list_claims(workspace) if c.event_type == "airspace restriction"]
    assert {c.subject for c in claims} == restrictive
    assert not {c.subject for c in claims} & other
    sample = claims[0]
    assert sample.roots and all(root.startswith("notam") or "notam" in root for root in sample.roots)
