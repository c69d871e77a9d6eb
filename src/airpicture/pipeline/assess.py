"""Assessment wiring: read claims, events, tracks and coverage for a report day; judge; store the judgment.

:func:`day_facts` gathers what ``assess`` reads (``model.judgments.DayFacts``); :func:`assess` judges one
day and stores the judgment, chained to the latest earlier one (``supersedes``). Re-running with the same
evidence is a no-op.
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
from airpicture.model.errors import UsageError
from airpicture.model.events import Event
from airpicture.model.judgments import ClaimFacts, Coverage, DayFacts, Judgment, NightCount, Question
from airpicture.model.settings import Settings
from airpicture.pipeline.claims import receiver_keys
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


@dataclass(frozen=True, slots=True)
class WorkspaceState:
    """Everything read once per run: claims with their facts, events, appearances, sources, tracks, bins."""

    claims: tuple[ClaimFacts, ...]
    events: Mapping[str, Event]
    appearances: Mapping[str, Appearance]
    sources: Mapping[str, Source]
    tracks: tuple[tuple[str, str, datetime, datetime, tuple[str, ...], str | None, bool], ...]
    bins: frozenset[int]
    first_day: date | None


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


def read_state(workspace: Workspace) -> WorkspaceState:
    with workspace.connect(read_only=True) as con:
        claims = claim_store.load_claims(con)
        events = {r[0]: row_to_event(r) for r in con.execute(f"SELECT {EVENT_COLUMNS} FROM events").fetchall()}
        appearances = claim_store.load_appearances(con)
        sources = claim_store.load_sources(con)
        tracks = tuple(
            (r[0], r[1], r[2].astimezone(UTC), r[3].astimezone(UTC), tuple(r[4]), r[5], bool(r[6]))
            for r in con.execute(
                "SELECT track_id, icao24, first_seen, last_seen, callsigns, geometry, coalesce(of_interest, false) "
                "FROM tracks ORDER BY first_seen, track_id"
            ).fetchall()
        )
        bins: frozenset[int] = frozenset()
        if workspace.has_partitions("positions"):
            bins = frozenset(
                int(r[0])
                for r in con.execute(f"SELECT DISTINCT floor(epoch(ts) / {BIN_S})::BIGINT FROM positions").fetchall()
            )
    days = workspace.days("positions")
    facts = tuple(_facts(c, events, appearances, sources) for c in claims)
    return WorkspaceState(facts, events, appearances, sources, tracks, bins, days[0] if days else None)


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
    if workspace.has_partitions("positions"):
        recordings = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT source_file FROM positions WHERE ts >= ? AND ts < ? ORDER BY 1", [start, end]
            ).fetchall()
        ]
    # independence is per receiver (spec §3): recordings of one named receiver are one (pipeline/receivers.py)
    named = receiver_keys(con)
    receivers = tuple(sorted({named.get(f, f) for f in recordings}))
    on_file = con.execute("SELECT count(DISTINCT notam_id) FROM notams").fetchone()
    entered = con.execute("SELECT count(*) FROM claim_notams").fetchone()
    row = con.execute(
        "SELECT count(*), count(DISTINCT reporter_hash) FROM reports WHERE observed_at >= ? AND observed_at < ?",
        [start, end],
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


def day_facts(workspace: Workspace, question: Question, day: date, state: WorkspaceState) -> DayFacts:
    start, end = report_window(question, day)
    today = tuple(f for f in state.claims if start <= f.claim.start < end)
    history = tuple(f for f in state.claims if f.claim.start < start)
    first = state.first_day or day
    nights = [day - timedelta(days=i) for i in range(question.baseline_days, -1, -1)]
    with workspace.connect(read_only=True) as con:
        coverage = _coverage(con, workspace, state, question, day, start, end)
        # "since monitoring began": of this region (a recording from elsewhere in the workspace does not count)
        monitoring_since = region_monitoring_since(con, question.region) or state.first_day
        last = con.execute("SELECT max(ts) FROM positions WHERE ts < ?", [end]).fetchone() if state.bins else None
        approximate = _approximate_recordings(con, workspace, start, end)
    cutoff = min(end, last[0].astimezone(UTC)) if last and last[0] else end
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
    """Report days with any claim."""
    return sorted({report_day(question, f.claim.start) for f in state.claims})


def latest_day(workspace: Workspace, settings: Settings) -> date:
    question = question_for(settings)
    state = read_state(workspace)
    days = data_days(question, state)
    if not days:
        raise UsageError("nothing to assess", where=str(workspace.root), expected="ingested data with claims")
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
    state = state or read_state(workspace)
    facts = day_facts(workspace, question, day, state)
    with workspace.connect(read_only=True) as con:
        previous = store.previous_judgment(con, question.question_id, day)
    judgment, outcomes = assess_day(question, facts, previous, clock.now())
    with workspace.connect() as con:
        existing = store.current_judgment(con, question.question_id, day)
        if existing is not None and existing.judgment_id == judgment.judgment_id:
            return Assessment(existing, facts, tuple(outcomes), question, state, False)
        stored = store.save_judgment(con, judgment)
    return Assessment(judgment, facts, tuple(outcomes), question, state, stored)


def assess_days(workspace: Workspace, settings: Settings, clock: Clock, days: Iterable[date]) -> list[Assessment]:
    """Judge several days in order (each supersedes the one before), reading the workspace once."""
    state = read_state(workspace)
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


def claims_by_id(workspace: Workspace, ids: Iterable[str]) -> dict[str, Claim]:
    wanted = set(ids)
    with workspace.connect(read_only=True) as con:
        return {c.claim_id: c for c in claim_store.load_claims(con) if c.claim_id in wanted}
