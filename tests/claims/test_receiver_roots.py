"""Detector events are rooted in the receivers that heard them (spec assessment.md §3: roots sharing a
sensor/receiver merge), in the NOTAMs they rest on, or — for aggregates — in the records the lookup finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from airpicture.claims.assemble import build_claims
from airpicture.claims.build import ClaimInputs, ClaimRules, NoSensors, TrackHit
from airpicture.claims.graph import merge_keys
from airpicture.model.claims import ClaimStatus, Credibility
from airpicture.model.events import Event, Evidence, EvidenceKind, Subject

T0 = datetime(2022, 7, 11, 18, 28, tzinfo=UTC)
RX1, RX2 = "a" * 64, "b" * 64
A50 = (Subject(icao24="14c5a9", type_code="A50", role="AEW&C"),)


def event(kind: str, *evidence: Evidence, geometry: str = '{"type": "Point", "coordinates": [31.27, 54.36]}') -> Event:
    return Event(kind, T0, T0 + timedelta(minutes=5), kind, 1, geometry, A50, evidence=evidence)


def pos(file: str, offset: int) -> Evidence:
    return Evidence(EvidenceKind.POSITION, file, offset)


def claim_of(result, kind: str):  # type: ignore[no-untyped-def]
    return next(c for c in result.claims if c.event_type == kind)


def test_an_event_heard_by_two_receivers_is_confirmed() -> None:
    result = build_claims(ClaimInputs(events=[event("airspace_entry", pos(RX1, 10), pos(RX2, 20))]), ClaimRules())
    claim = claim_of(result, "airspace_entry")
    assert (claim.status, claim.credibility, claim.independent_roots) == (
        ClaimStatus.CONFIRMED,
        Credibility.CONFIRMED,
        2,
    )
    assert len(claim.primary_roots) == 2 and claim.echo_count == 0  # the detector's statement is a derivation


def test_one_receiver_is_one_root_however_many_records() -> None:
    result = build_claims(ClaimInputs(events=[event("airspace_entry", pos(RX1, 10), pos(RX1, 99))]), ClaimRules())
    claim = claim_of(result, "airspace_entry")
    assert (claim.status, claim.independent_roots) == (ClaimStatus.REPORTED, 1)


def test_events_heard_by_the_same_receivers_share_root_keys() -> None:
    result = build_claims(
        ClaimInputs(
            events=[event("airspace_entry", pos(RX1, 1), pos(RX2, 2)), event("orbit", pos(RX1, 5), pos(RX2, 6))]
        ),
        ClaimRules(),
    )
    keys = [
        sorted(k for r in claim_of(result, kind).roots for k in merge_keys(result.appearances[r], result.sources))
        for kind in ("airspace_entry", "orbit")
    ]
    assert keys[0] == keys[1] == [f"sensor:{RX1}", f"sensor:{RX2}"]


def test_restriction_event_is_rooted_in_its_notam() -> None:
    notam = Evidence(EvidenceKind.NOTAM, "A0812/22", 0)
    result = build_claims(ClaimInputs(events=[event("restriction_appeared", notam)]), ClaimRules())
    claim = claim_of(result, "restriction_appeared")
    (root,) = claim.roots
    assert result.appearances[root].notam_id == "A0812/22"
    assert result.sources[result.appearances[root].source_id].reliability.value == "A"  # spec §2: NOTAM is A


class DegradedRows:
    def tracks_near(self, *args):  # type: ignore[no-untyped-def]
        return []

    def coverage(self, *args):  # type: ignore[no-untyped-def]
        return 1.0

    def records_in(self, box, start, end, degraded_only):  # type: ignore[no-untyped-def]
        assert degraded_only and box[0] <= 51.9 <= box[1]
        return [TrackHit("510081", start, 0.0, f, 7, None) for f in (RX1, RX2)]

    def receiver_of(self, source_file: str) -> str:
        return source_file


CELLS = '{"type": "MultiPolygon", "coordinates": [[[[28.9, 51.8], [29.0, 51.8], [29.0, 51.95], [28.9, 51.8]]]]}'


def test_an_aggregate_cites_the_degraded_records_in_its_area() -> None:
    gnss = Event("gnss_interference", T0, T0 + timedelta(hours=2), "gnss_interference", 1, CELLS)
    result = build_claims(ClaimInputs(events=[gnss]), ClaimRules(), DegradedRows())
    claim = claim_of(result, "gnss_interference")
    assert claim.independent_roots == 2 and claim.status is ClaimStatus.CONFIRMED
    assert all(result.appearances[r].evidence[0].note == "degraded position in the area" for r in claim.roots)


def test_an_aggregate_without_records_says_what_it_rests_on() -> None:
    gnss = Event("gnss_interference", T0, T0 + timedelta(hours=2), "gnss_interference", 1, CELLS)
    result = build_claims(ClaimInputs(events=[gnss]), ClaimRules())
    claim = claim_of(result, "gnss_interference")
    (root,) = claim.roots
    appearance = result.appearances[root]
    assert claim.status is ClaimStatus.REPORTED and not appearance.primary
    assert appearance.attribution == "detector aggregate; no raw record found to cite"


RX3 = "c" * 64
ROOF, MAST = "1" * 64, "2" * 64


class Receivers(NoSensors):
    """Recordings RX1 and RX2 are two files of one receiver (ROOF); RX3 is another receiver's (MAST)."""

    def receiver_of(self, source_file: str) -> str:
        return {RX1: ROOF, RX2: ROOF, RX3: MAST}.get(source_file, source_file)


def test_two_files_of_one_receiver_are_one_root() -> None:
    result = build_claims(
        ClaimInputs(events=[event("airspace_entry", pos(RX1, 10), pos(RX2, 20))]), ClaimRules(), Receivers()
    )
    claim = claim_of(result, "airspace_entry")
    assert (claim.status, claim.independent_roots) == (ClaimStatus.REPORTED, 1)
    (root,) = claim.roots
    assert root.endswith(f"/receiver:{ROOF[:16]}")
    appearance = result.appearances[root]
    assert appearance.sensor == ROOF and {e.source_file for e in appearance.evidence} == {RX1, RX2}
    assert "(2 recordings)" in appearance.quote


def test_two_receivers_are_two_roots_whatever_the_files() -> None:
    result = build_claims(
        ClaimInputs(events=[event("airspace_entry", pos(RX1, 10), pos(RX2, 20), pos(RX3, 30))]),
        ClaimRules(),
        Receivers(),
    )
    claim = claim_of(result, "airspace_entry")
    assert (claim.status, claim.independent_roots) == (ClaimStatus.CONFIRMED, 2)
    assert sorted(result.appearances[r].sensor for r in claim.roots) == [ROOF, MAST]


def test_an_aggregate_counts_receivers_not_recordings() -> None:
    class Files(Receivers):
        def records_in(self, box, start, end, degraded_only):  # type: ignore[no-untyped-def]
            return [TrackHit("510081", start, 0.0, f, 7, None) for f in (RX1, RX2)]

    gnss = Event("gnss_interference", T0, T0 + timedelta(hours=2), "gnss_interference", 1, CELLS)
    claim = claim_of(build_claims(ClaimInputs(events=[gnss]), ClaimRules(), Files()), "gnss_interference")
    assert claim.independent_roots == 1 and claim.status is ClaimStatus.REPORTED


@given(st.lists(st.sampled_from([RX1, RX2, RX3, "d" * 64]), min_size=1, max_size=12))
def test_roots_are_the_distinct_receivers_of_the_evidence(files: list[str]) -> None:
    evidence = [pos(f, i) for i, f in enumerate(files)]
    result = build_claims(ClaimInputs(events=[event("airspace_entry", *evidence)]), ClaimRules(), Receivers())
    claim = claim_of(result, "airspace_entry")
    assert claim.independent_roots == len({Receivers().receiver_of(f) for f in files})
