"""NOTAMs stored by the NOTAM stage enter claims on their own, as published primary sources (spec §2, §3)."""

from __future__ import annotations

from pathlib import Path

from airpicture.model.settings import load_settings
from airpicture.pipeline.claims import list_claims, refresh, region_frame_of, stage_notams
from airpicture.pipeline.notam import ingest_notams
from airpicture.store import Workspace
from airpicture.testing import FixedClock

DATA = Path(__file__).resolve().parents[1] / "data" / "notams"


UK_REGION = """
title = "United Kingdom"
watched_country = "GB"
neighbours = ["IE"]
timezone = "Europe/London"
night_start = "21:00"
night_end = "06:00"
airfields = ["EGLL"]
"""


def test_restrictive_notams_become_claims_citing_the_notam(tmp_path: Path) -> None:
    # UK NOTAMs: claims of a region whose frame holds them (a region's claims are built from what is in its frame)
    regions = tmp_path / "regions"
    regions.mkdir()
    (regions / "uk.toml").write_text(UK_REGION, encoding="utf-8")
    workspace = Workspace.init(tmp_path / "ws")
    settings = load_settings(None, {}, {"workspace": workspace.root, "region": "uk", "region_dirs": (regions,)})
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

    refresh(workspace, settings, clock, regions=["uk", "belarus"])
    claims = [c for c in list_claims(workspace, settings.region) if c.event_type == "airspace restriction"]
    south, west, north, east = region_frame_of(settings, "uk")
    with workspace.connect(read_only=True) as con:
        placed = {n.notam_id: (n.lat_deg, n.lon_deg) for n in stage_notams(con)}
    outside = {
        k for k, (lat, lon) in placed.items() if lat is not None and not (south <= lat < north and west <= lon < east)
    }
    assert 0 < len(outside) < 10  # a few UK-issued NOTAMs are over other waters: not this region's
    assert {c.subject for c in claims} == restrictive - outside
    # NOTAMs placed over the UK are not Belarus's: its claims hold none of them
    assert {c.subject for c in list_claims(workspace, "belarus")} & restrictive == set()
    assert not {c.subject for c in claims} & other
    sample = claims[0]
    assert sample.roots and all(root.startswith("notam") or "notam" in root for root in sample.roots)
