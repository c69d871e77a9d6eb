"""Independence and status (spec assessment.md §3) on real claim inputs, and order invariance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from airpicture.claims.assemble import build_claims
from airpicture.claims.build import ClaimInputs, ClaimProposal, ClaimRules, Entry, NotamInput, TrackHit
from airpicture.model.claims import Appearance, ClaimStatus, Credibility, Modality, SensorCheck, Source, SourceKind
from airpicture.model.events import Event, Evidence, EvidenceKind, Subject
from airpicture.model.reports import Artifact, ObserverReport, ReportCategory

T0 = datetime(2022, 7, 11, 21, 0, tzinfo=UTC)
RULES = ClaimRules()


def report(
    rid: str,
    reporter: str | None,
    minutes: float = 0,
    lat: float = 52.04,
    lon: float = 29.22,
    category: ReportCategory = ReportCategory.HELICOPTER,
    media: tuple[str, ...] = (),
) -> ObserverReport:
    return ObserverReport(
        rid,
        T0 + timedelta(minutes=minutes),
        15,
        lat,
        lon,
        5,
        category,
        T0,
        "Mazyr",
        reporter_hash=reporter,
        media=media,
        source_row=1,
    )


def post_entry(claim_event: str = "helicopter", n_outlets: int = 10) -> Entry:
    group = Source("group", SourceKind.MONITORING_GROUP, "a monitoring group")
    outlets = [Source(f"outlet{i}", SourceKind.NEWS_OUTLET, f"outlet {i}") for i in range(n_outlets)]
    post = Appearance("post-1", "group", T0 + timedelta(hours=1), quote="helicopters over Mazyr")
    echoes = [
        Appearance(f"article-{i}", f"outlet{i}", T0 + timedelta(hours=2, minutes=i), cites=("post-1",))
        for i in range(n_outlets)
    ]
    proposal = ClaimProposal("e1", event_type=claim_event, start=T0, end=T0, lat_deg=52.04, lon_deg=29.22)
    return Entry(proposal, (group, *outlets), (post, *echoes))


def only(result, event_type: str = "helicopter"):  # type: ignore[no-untyped-def]
    found = [c for c in result.claims if c.event_type == event_type]
    assert len(found) == 1
    return found[0]


def test_ten_outlets_citing_one_post_is_one_root_ten_echoes() -> None:
    claim = only(build_claims(ClaimInputs(entries=[post_entry()]), RULES))
    assert (claim.independent_roots, claim.echo_count, claim.status) == (1, 10, ClaimStatus.REPORTED)
    assert claim.credibility is Credibility.POSSIBLY_TRUE


def test_outlets_citing_an_unseen_post_share_its_root() -> None:
    outlets = [Source(f"o{i}", SourceKind.NEWS_OUTLET, f"o{i}") for i in range(3)]
    apps = [Appearance(f"a{i}", f"o{i}", T0, cites=("https://t.me/channel/42",)) for i in range(3)]
    entry = Entry(ClaimProposal("e", event_type="drone", start=T0), tuple(outlets), tuple(apps))
    claim = only(build_claims(ClaimInputs(entries=[entry]), RULES), "drone")
    assert (claim.independent_roots, claim.echo_count, claim.status) == (1, 3, ClaimStatus.REPORTED)


def test_two_independent_observers_corroborate() -> None:
    result = build_claims(ClaimInputs(reports=[report("r1", "a" * 64), report("r2", "b" * 64, 20)]), RULES)
    claim = only(result)
    assert claim.status is ClaimStatus.CORROBORATED and claim.credibility is Credibility.PROBABLY_TRUE
    assert claim.sensor_check is SensorCheck.NOT_CORROBORATED_POOR_COVERAGE  # no receivers: never "refuted"


def test_same_pseudonym_or_same_photo_is_one_root() -> None:
    same_person = build_claims(ClaimInputs(reports=[report("r1", "a" * 64), report("r2", "a" * 64, 20)]), RULES)
    assert only(same_person).status is ClaimStatus.REPORTED
    art = {
        h: Artifact(h, p, "image/jpeg", 10, 10, 100, T0)
        for h, p in (("1" * 64, "ffff0000ffff0000"), ("2" * 64, "ffff0000ffff00ff"))
    }
    near_copy = build_claims(
        ClaimInputs(
            reports=[report("r1", "a" * 64, media=("1" * 64,)), report("r2", "b" * 64, 5, media=("2" * 64,))],
            artifacts=art,
        ),
        RULES,
    )
    assert only(near_copy).independent_roots == 1  # Hamming distance 8 between the two perceptual hashes


def test_reports_far_apart_are_separate_claims() -> None:
    result = build_claims(
        ClaimInputs(reports=[report("r1", "a" * 64), report("r2", "b" * 64, 20, lat=53.9, lon=27.5)]), RULES
    )
    assert [c.status for c in result.claims] == [ClaimStatus.REPORTED, ClaimStatus.REPORTED]


class OneTrack:
    def tracks_near(self, lat_deg, lon_deg, start, end, dist_km, max_alt_ft):  # type: ignore[no-untyped-def]
        return [TrackHit("15123a", T0 + timedelta(minutes=5), 3.2, "f" * 64, 1234, "RSD123")]

    def coverage(self, lat_deg, lon_deg, start, end, dist_km):  # type: ignore[no-untyped-def]
        return 1.0

    def receiver_of(self, source_file: str) -> str:
        return source_file


def test_observer_plus_sensor_track_is_confirmed() -> None:
    claim = only(build_claims(ClaimInputs(reports=[report("r1", "a" * 64)]), RULES, OneTrack()))
    assert claim.status is ClaimStatus.CONFIRMED and claim.credibility is Credibility.CONFIRMED
    assert claim.sensor_check is SensorCheck.MATCHED and len(claim.primary_roots) == 1


def test_observer_plus_detector_event_is_confirmed() -> None:
    event = Event(
        "airfield_movement",
        T0 + timedelta(minutes=3),
        T0 + timedelta(minutes=4),
        "airfield",
        1,
        '{"type": "Point", "coordinates": [29.3, 52.1]}',
        (Subject(icao24="15123a", type_code="MI8"),),
        evidence=(Evidence(EvidenceKind.POSITION, "e" * 64, 99),),
    )
    result = build_claims(ClaimInputs(reports=[report("r1", "a" * 64)], events=[event]), RULES)
    assert only(result).status is ClaimStatus.CONFIRMED
    assert only(result, "airfield_movement").status is ClaimStatus.REPORTED  # one primary root alone


def test_airspace_closure_report_plus_notam_is_confirmed() -> None:
    notam = NotamInput(
        "A1234/22", "TEMPO RESTRICTED AREA", T0 - timedelta(hours=1), T0 + timedelta(hours=6), 52.0, 29.3
    )
    rep = report("r1", "a" * 64, category=ReportCategory.AIRSPACE_CLOSURE)
    result = build_claims(ClaimInputs(reports=[rep], notams=[notam]), RULES)
    assert only(result, "airspace closure").status is ClaimStatus.CONFIRMED


def _with(appearance: Appearance, source: Source, claim_event: str = "helicopter") -> Entry:
    return Entry(
        ClaimProposal(appearance.appearance_id, event_type=claim_event, start=T0, lat_deg=52.04, lon_deg=29.22),
        (source,),
        (appearance,),
    )


def test_official_denial_disputes_and_keeps_support() -> None:
    denial = _with(
        Appearance("mod", "mod", T0 + timedelta(hours=9), modality=Modality.DENIED),
        Source("mod", SourceKind.MINISTRY, "Ministry of Defence"),
    )
    result = build_claims(
        ClaimInputs(reports=[report("r1", "a" * 64), report("r2", "b" * 64, 10)], entries=[denial]), RULES
    )
    claim = only(result)
    assert (claim.status, claim.support, claim.credibility) == (
        ClaimStatus.DISPUTED,
        ClaimStatus.CORROBORATED,
        Credibility.DOUBTFUL,
    )


def test_denial_by_ungraded_outlet_does_not_dispute() -> None:
    denial = _with(
        Appearance("blog", "blog", T0, modality=Modality.DENIED), Source("blog", SourceKind.SOCIAL_POST, "a blog")
    )
    result = build_claims(ClaimInputs(reports=[report("r1", "a" * 64)], entries=[denial]), RULES)
    assert only(result).status is ClaimStatus.REPORTED and only(result).contradictions == ("blog",)


def test_retraction_by_the_author() -> None:
    group = Source("group", SourceKind.MONITORING_GROUP, "group")
    post = Appearance("post", "group", T0)
    retraction = Appearance(
        "post-retracted", "group", T0 + timedelta(hours=3), modality=Modality.RETRACTED, cites=("post",)
    )
    entry = Entry(ClaimProposal("e", event_type="drone", start=T0), (group,), (post, retraction))
    claim = only(build_claims(ClaimInputs(entries=[entry]), RULES), "drone")
    assert claim.status is ClaimStatus.RETRACTED and claim.credibility is None
    result = build_claims(ClaimInputs(entries=[entry]), RULES)
    assert result.sources["group"].refuted == 1


def test_track_records_follow_confirmations() -> None:
    reps = [report(f"r{i}", "a" * 64, minutes=i * 600) for i in range(4)]
    result = build_claims(ClaimInputs(reports=reps), RULES, OneTrack())
    observer = result.sources["observer:" + "a" * 16]
    assert (observer.confirmed, observer.refuted, observer.suggested.value) == (4, 0, "C")  # B needs 5 judged
    reps = [report(f"r{i}", "a" * 64, minutes=i * 600) for i in range(6)]
    assert (
        build_claims(ClaimInputs(reports=reps), RULES, OneTrack()).sources["observer:" + "a" * 16].reliability.value
        == "B"
    )


REPORT_POOL = [
    report("r1", "a" * 64, 0),
    report("r2", "b" * 64, 20),
    report("r3", "a" * 64, 45),
    report("r4", "c" * 64, 300, lat=53.0, lon=27.0),
    report("r5", None, 310, lat=53.05, lon=27.05),
    report("r6", "d" * 64, 30, category=ReportCategory.DRONE),
]


@settings(max_examples=40, deadline=None)
@given(
    st.permutations(REPORT_POOL),
    st.permutations(
        [
            post_entry(n_outlets=3),
            _with(
                Appearance("mod", "mod", T0, modality=Modality.DENIED),
                Source("mod", SourceKind.MINISTRY, "MoD"),
                "drone",
            ),
        ]
    ),
)
def test_status_is_invariant_to_input_order(reports: list[ObserverReport], entries: list[Entry]) -> None:
    reference = build_claims(
        ClaimInputs(
            reports=REPORT_POOL,
            entries=[
                post_entry(n_outlets=3),
                _with(
                    Appearance("mod", "mod", T0, modality=Modality.DENIED),
                    Source("mod", SourceKind.MINISTRY, "MoD"),
                    "drone",
                ),
            ],
        ),
        RULES,
    )
    shuffled = build_claims(ClaimInputs(reports=reports, entries=entries), RULES)
    assert shuffled.claims == reference.claims
