"""Assessment wiring: read claims, events, tracks and coverage for a report day; judge; store the judgment.

:func:`day_facts` gathers what ``assess`` reads (``model.judgments.DayFacts``); :func:`assess` judges one
day and stores the judgment, chained to the latest earlier one (``supersedes``). Re-running with the same
evidence is a no-op.

Everything is read for the configured region only (docs/regions.md): its claims and events, and the tracks,
receiver coverage and data cut-off of positions inside its frame. A night whose frame holds no receiver data
and no claim is "nothing to assess" (:func:`night_covered`), whatever else the workspace holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from airpicture.assess.config import load_question
from airpicture.assess.indicators import IndicatorOutcome, report_day, report_window
from airpicture.assess.judge import assess_day
from airpicture.claims.graph import merge_keys
from airpicture.model.claims import Appearance, Claim, ClaimStatus, Reliability, Source
from airpicture.model.clock import Clock
from airpicture.model.errors import NothingToAssessError, UsageError
from airpicture.model.events import Event
from airpicture.model.judgments import ClaimFacts, Coverage, DayFacts, Judgment, NightCount, Question
from airpicture.model.settings import Settings
from airpicture.pipeline.claims import Frame, receiver_keys, region_frame_of
from airpicture.pipeline.detect import region_monitoring_since
from airpicture.pipeline.time_basis import approximate_files
from airpicture.store import Workspace
from airpicture.store import claims as claim_store
from airpicture.store import judgments as store
from airpicture.store.events import EVENT_COLUMNS, row_to_event

BIN_S = 600
_ORDER = "ABCDEF"


def question_for(settings: Settings) -> Question:
    return load_question(settings.region, settings.region_dirs)


def frame_clause(frame: Frame) -> tuple[str, list[float]]:
    """SQL condition (with its parameters) for positions inside ``frame`` (south and west inclusive)."""
    south, west, north, east = frame
    return "lat_deg >= ? AND lat_deg < ? AND lon_deg >= ? AND lon_deg < ?", [south, north, west, east]


@dataclass(frozen=True, slots=True)
class WorkspaceState:
    """Everything read once per run, for one region: claims with their facts, events, appearances, sources,
    the tracks and the 10-minute bins with receiver data inside the region's frame."""

    claims: tuple[ClaimFacts, ...]
    events: Mapping[str, Event]
    appearances: Mapping[str, Appearance]
    sources: Mapping[str, Source]
    tracks: tuple[tuple[str, str, datetime, datetime, tuple[str, ...], str | None, bool], ...]
    bins: frozenset[int]
    first_day: date | None
    region: str = ""
    frame: Frame = (-90.0, -180.0, 90.0, 180.0)


def _facts(
    claim: Claim, events: Mapping[str, Event], appearances: Mapping[str, Appearance], sources: Mapping[str, Source]
) -> ClaimFacts:
    behind = tuple(events[a[6:]] for a in claim.appearances if a.startswith("event:") and a[6:] in events)
    root_sources = [
        sources[appearances[r].source_id]
        for r in claim.roots
        if r in appearances and appearances[r].source_id in sources
    ]
    reliability = min((s.reliability for s in root_sources), key=lambda r: _ORDER.index(r.value), default=Reliability.F)
    contradicting = [
        sources[appearances[c].source_id]
        for c in claim.contradictions
        if c in appearances and appearances[c].source_id in sources
    ]
    # Independence keys of each root (spec §3: receiver, NOTAM, observer pseudonym, artifact …);
    # the confidence rule clusters roots across items on them.
    root_keys = tuple(
        (r, tuple(merge_keys(appearances[r], sources)) or (r,)) if r in appearances else (r, (r,)) for r in claim.roots
    )
    return ClaimFacts(
        claim=claim,
        events=behind,
        reliability=reliability,
        source_names=tuple(dict.fromkeys(s.name for s in root_sources)),
        contradicted=claim.status is ClaimStatus.DISPUTED and any(s.reliability.at_least_c for s in contradicting),
        root_keys=root_keys,
    )


def read_state(workspace: Workspace, settings: Settings) -> WorkspaceState:
    """The configured region's claims, events, appearances and sources; the tracks that reach into its frame
    (a track without positions: when a recording it came from holds positions in the frame) and the bins with
    positions in the frame."""
    region = settings.region
    frame = region_frame_of(settings, region)
    inside, params = frame_clause(frame)
    with workspace.connect(read_only=True) as con:
        claims = claim_store.load_claims(con, region)
        events = {
            r[0]: row_to_event(r)
            for r in con.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE region = ?", [region]).fetchall()
        }
        appearances = claim_store.load_appearances(con, region)
        sources = claim_store.load_sources(con, region)
        bins: frozenset[int] = frozenset()
        files: list[str] = []
        if workspace.has_partitions("positions"):
            rows = con.execute(
                f"SELECT floor(epoch(ts) / {BIN_S})::BIGINT, source_file FROM positions WHERE {inside} GROUP BY ALL",
                params,
            ).fetchall()
            bins = frozenset(int(r[0]) for r in rows)
            files = sorted({str(r[1]) for r in rows})
        south, west, north, east = frame
        tracks = tuple(
            (r[0], r[1], r[2].astimezone(UTC), r[3].astimezone(UTC), tuple(r[4]), r[5], bool(r[6]))
            for r in con.execute(
                "SELECT track_id, icao24, first_seen, last_seen, callsigns, geometry, coalesce(of_interest, false) "
                "FROM tracks WHERE CASE WHEN lat_min_deg IS NULL OR lon_min_deg IS NULL "
                "THEN len(list_intersect(source_files, ?::VARCHAR[])) > 0 "
                "ELSE lat_max_deg >= ? AND lat_min_deg < ? AND lon_max_deg >= ? AND lon_min_deg < ? END "
                "ORDER BY first_seen, track_id",
                [files, south, north, west, east],
            ).fetchall()
        )
    first = datetime.fromtimestamp(min(bins) * BIN_S, UTC).date() if bins else None
    facts = tuple(_facts(c, events, appearances, sources) for c in claims)
    return WorkspaceState(facts, events, appearances, sources, tracks, bins, first, region, frame)


def night_window(question: Question, night: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(question.timezone)
    sh, sm = (int(x) for x in question.night_start_local.split(":"))
    eh, em = (int(x) for x in question.night_end_local.split(":"))
    start = datetime.combine(night, time(sh, sm), tzinfo=zone)
    end_day = night + timedelta(days=1) if (eh, em) <= (sh, sm) else night
    end = datetime.combine(end_day, time(eh, em), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def bin_fraction(bins: frozenset[int], start: datetime, end: datetime) -> float:
    first, last = int(start.timestamp()) // BIN_S, (int(end.timestamp()) - 1) // BIN_S
    total = last - first + 1
    return sum(1 for b in range(first, last + 1) if b in bins) / total if total > 0 else 0.0


def night_counts(question: Question, state: WorkspaceState, nights: Iterable[date]) -> list[NightCount]:
    """Tracks without an airline callsign flying in each night's local window, with receiver coverage."""
    airline = re.compile(question.airline_callsign_pattern)
    out = []
    for night in nights:
        start, end = night_window(question, night)
        ids = tuple(
            t[0] for t in state.tracks if t[2] < end and t[3] > start and not any(airline.match(c or "") for c in t[4])
        )
        aircraft = {t[1] for t in state.tracks if t[0] in set(ids)}
        out.append(NightCount(night, len(aircraft), round(bin_fraction(state.bins, start, end), 4), ids))
    return out


def _coverage(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    state: WorkspaceState,
    question: Question,
    day: date,
    start: datetime,
    end: datetime,
) -> Coverage:
    recordings: list[str] = []
    inside, params = frame_clause(state.frame)
    if workspace.has_partitions("positions"):
        recordings = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT source_file FROM positions WHERE ts >= ? AND ts < ? AND {inside} ORDER BY 1",
                [start, end, *params],
            ).fetchall()
        ]
    # independence is per receiver (spec §3): recordings of one named receiver are one (pipeline/receivers.py)
    named = receiver_keys(con)
    receivers = tuple(sorted({named.get(f, f) for f in recordings}))
    on_file = con.execute("SELECT count(DISTINCT notam_id) FROM notams").fetchone()
    entered = con.execute("SELECT count(*) FROM claim_notams").fetchone()
    row = con.execute(  # observer reports placed in the region's frame (another region's reports are not its effort)
        "SELECT count(*), count(DISTINCT reporter_hash) FROM reports WHERE observed_at >= ? AND observed_at < ? "
        f"AND {inside}",
        [start, end, *params],
    ).fetchone()
    notams = con.execute(
        "SELECT count(DISTINCT notam_id) FROM notams WHERE valid_from < ? AND (valid_to IS NULL OR valid_to > ?)",
        [end, start],
    ).fetchone()
    n_start, n_end = night_window(question, day)
    return Coverage(
        receiver_files=len(recordings),
        receiver_fraction=round(bin_fraction(state.bins, n_start, n_end), 4),
        reports=int(row[0]) if row else 0,
        reporters=int(row[1]) if row else 0,
        notams=int(notams[0]) if notams else 0,
        receivers=receivers,
        notams_on_file=(int(on_file[0]) if on_file else 0) + (int(entered[0]) if entered else 0),
    )


def night_covered(question: Question, day: date, state: WorkspaceState) -> bool:
    """Whether the region's night of ``day`` has anything to assess: receiver data inside the frame during the
    night, or a claim of the region overlapping the night. NOTAMs on file, receivers elsewhere and claims of
    other hours do not make a night covered (docs/report.md)."""
    n_start, n_end = night_window(question, day)
    if bin_fraction(state.bins, n_start, n_end) > 0:
        return True
    return any(f.claim.start < n_end and f.claim.end >= n_start for f in state.claims)


def day_facts(
    workspace: Workspace, question: Question, day: date, state: WorkspaceState, min_baseline_nights: int = 1
) -> DayFacts:
    start, end = report_window(question, day)
    n_start, _ = night_window(question, day)
    if not night_covered(question, day, state):
        # nothing to assess: no claims, no coverage, no baseline; the cut-off is the night's start, not earlier
        empty = Coverage(0, 0.0, 0, 0, 0)
        return DayFacts(day, start, end, n_start, (), (), (), empty, None, min_baseline_nights=min_baseline_nights)
    today = tuple(f for f in state.claims if start <= f.claim.start < end)
    history = tuple(f for f in state.claims if f.claim.start < start)
    first = state.first_day or day
    nights = [day - timedelta(days=i) for i in range(question.baseline_days, -1, -1)]
    inside, params = frame_clause(state.frame)
    with workspace.connect(read_only=True) as con:
        coverage = _coverage(con, workspace, state, question, day, start, end)
        # "since monitoring began": of this region (a recording from elsewhere in the workspace does not count)
        monitoring_since = region_monitoring_since(con, question.region) or state.first_day
        last = (
            con.execute(
                f"SELECT max(ts) FROM positions WHERE ts >= ? AND ts < ? AND {inside}", [start, end, *params]
            ).fetchone()
            if state.bins
            else None
        )
        approximate = _approximate_recordings(con, workspace, start, end)
    # The data cut-off: the latest data of the region in the report window (positions in its frame, claims),
    # never before the night it covers nor after the window.
    latest = [last[0].astimezone(UTC)] if last and last[0] else []
    latest += [min(f.claim.end, end) for f in today]
    cutoff = min(end, max([n_start, *latest]))
    return DayFacts(
        day=day,
        window_start=start,
        window_end=end,
        cutoff=cutoff,
        claims=today,
        history=history,
        activity=tuple(night_counts(question, state, [n for n in nights if n >= first - timedelta(days=1)])),
        coverage=coverage,
        monitoring_since=monitoring_since,
        approximate_recordings=approximate,
        min_baseline_nights=min_baseline_nights,
    )


def _approximate_recordings(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, start: datetime, end: datetime
) -> tuple[str, ...]:
    """Recordings with positions in ``start``-``end`` whose times are approximate (pipeline/time_basis.py)."""
    files = sorted(approximate_files(con))
    if not files or not workspace.has_partitions("positions"):
        return ()
    marks = ", ".join("?" for _ in files)
    rows = con.execute(
        f"SELECT DISTINCT source_file FROM positions WHERE ts >= ? AND ts < ? AND source_file IN ({marks}) ORDER BY 1",
        [start, end, *files],
    ).fetchall()
    return tuple(r[0] for r in rows)


def data_days(question: Question, state: WorkspaceState) -> list[date]:
    """Report days with a claim of the region whose night has something to assess (:func:`night_covered`)."""
    days = {report_day(question, f.claim.start) for f in state.claims}
    return sorted(d for d in days if night_covered(question, d, state))


def latest_day(workspace: Workspace, settings: Settings) -> date:
    question = question_for(settings)
    state = read_state(workspace, settings)
    days = data_days(question, state)
    if not days:
        raise NothingToAssessError(
            "nothing to assess",
            where=f"{workspace.root} (region {settings.region})",
            expected="a night with receiver data or claims inside the region's frame",
        )
    return days[-1]


@dataclass(frozen=True, slots=True)
class Assessment:
    """A stored judgment with the facts and indicator outcomes it was made from."""

    judgment: Judgment
    facts: DayFacts
    outcomes: tuple[IndicatorOutcome, ...]
    question: Question
    state: WorkspaceState
    stored: bool


def assess(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    day: date,
    state: WorkspaceState | None = None,
) -> Assessment:
    """Judge report day ``day`` and store the judgment (superseding the latest earlier day's)."""
    question = question_for(settings)
    if state is None or state.region != settings.region:
        state = read_state(workspace, settings)
    facts = day_facts(workspace, question, day, state, settings.assess.min_baseline_nights)
    with workspace.connect(read_only=True) as con:
        previous = store.previous_judgment(con, question.question_id, day, settings.region)
    judgment, outcomes = assess_day(question, facts, previous, clock.now())
    with workspace.connect() as con:
        existing = store.current_judgment(con, question.question_id, day, settings.region)
        if existing is not None and existing.judgment_id == judgment.judgment_id:
            return Assessment(existing, facts, tuple(outcomes), question, state, False)
        stored = store.save_judgment(con, judgment, settings.region)
    return Assessment(judgment, facts, tuple(outcomes), question, state, stored)


def assess_days(workspace: Workspace, settings: Settings, clock: Clock, days: Iterable[date]) -> list[Assessment]:
    """Judge several days in order (each supersedes the one before), reading the workspace once."""
    state = read_state(workspace, settings)
    return [assess(workspace, settings, clock, d, state) for d in sorted(days)]


def list_judgments(workspace: Workspace, all_versions: bool = False) -> list[tuple[object, ...]]:
    with workspace.connect(read_only=True) as con:
        return store.list_judgments(con, all_versions=all_versions)


def find_judgment(workspace: Workspace, judgment_id: str) -> Judgment:
    with workspace.connect(read_only=True) as con:
        found = store.load_judgment(con, judgment_id)
    if found is None:
        raise UsageError(
            "no such judgment",
            where="JUDGMENT_ID",
            found=judgment_id,
            expected="an id from 'airpicture judgments list'",
        )
    return found


def judgment_region(workspace: Workspace, judgment: Judgment) -> str:
    """The region a judgment was made for (stored with it; a judgment from before regions were kept apart:
    the region of its question)."""
    with workspace.connect(read_only=True) as con:
        found = store.judgment_region(con, judgment.judgment_id)
    return found or judgment.question_id.split("-", 1)[0]  # shipped question ids start with their region


def claims_by_id(workspace: Workspace, ids: Iterable[str], region: str) -> dict[str, Claim]:
    wanted = set(ids)
    with workspace.connect(read_only=True) as con:
        return {c.claim_id: c for c in claim_store.load_claims(con, region) if c.claim_id in wanted}
