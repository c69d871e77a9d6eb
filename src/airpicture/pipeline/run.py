"""``airpicture run``: the main job. Take in everything new from the workspace inbox, then tracks, detection,
claims, assessment and the report — safe to re-run, and to re-run after a kill at any point: files already
taken in are skipped by content hash; tracks, each detection day and claims are redone exactly when their
inputs differ from those their completion record names (``store.stages``, written with their output);
unchanged evidence gives the same judgment. The run holds the workspace's writer lock throughout
(``store.locking``; docs/workspace.md).

Inbox folders (created when missing)::

    <workspace>/inbox/adsb/          receiver files (any format 'airpicture ingest' reads); a first-level
                                     sub-folder names the receiver: inbox/adsb/<receiver>/… (docs/ingest.md);
                                     <file>.start next to a Beast/hex recording holds its UTC start time
    <workspace>/inbox/notams/        NOTAM files
    <workspace>/inbox/reports/       observer-report exports (CSV/JSON, media next to them)
    <workspace>/inbox/appearances/   appearance documents (JSON)

A recording whose times are approximate (anchored on its file's modification time, or without times) is
warned about once, in the summary; a ``.start`` sidecar added next to it later makes the next run ingest it
again on that start and re-detect the days its positions left.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from airpicture.model.clock import Clock
from airpicture.model.errors import AirpictureError
from airpicture.model.settings import Settings
from airpicture.pipeline.assess import assess, data_days, question_for, read_state
from airpicture.pipeline.claims import add_appearances, refresh
from airpicture.pipeline.detect import NOTAM_DETECTORS, DayRunner, run_detection
from airpicture.pipeline.ingest import FileOutcome, FileStatus, IngestOptions, expand_paths, ingest_paths
from airpicture.pipeline.notam import ingest_notams
from airpicture.pipeline.report import write_report
from airpicture.pipeline.reports import take_in_inbox_reports
from airpicture.pipeline.time_basis import approximate_warning
from airpicture.pipeline.tracks import rebuild_tracks, tracks_inputs, tracks_stale
from airpicture.sources.adsb.sidecar import SIDECAR_SUFFIX, is_sidecar, sidecar_path
from airpicture.store import Workspace, stages
from airpicture.store.judgments import judged_days
from airpicture.store.transaction import transaction

INBOX_KINDS = ("adsb", "notams", "reports", "appearances")
STAGES = ("inbox", "ingest", "notams", "reports", "appearances", "tracks", "detect", "claims", "assess", "report")

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: called as each stage advances (total None when unknown)."""


@dataclass
class RunSummary:
    """What a run did, stage by stage, and the day's judgment and report."""

    new_files: dict[str, int] = field(default_factory=dict)
    failed_files: list[str] = field(default_factory=list)
    time_bases: dict[str, int] = field(default_factory=dict)
    """Receiver files ingested in this run per time basis (absolute, receiver_clock_anchored, file_mtime, none)."""
    warnings: list[str] = field(default_factory=list)
    """One per file whose times are approximate."""
    approximate_items: tuple[str, ...] = ()
    """Labels of the judgment's items that rest on approximate times."""
    positions: int = 0
    notams: int = 0
    reports: int = 0
    appearances: int = 0
    tracks: int | None = None
    detected_days: int = 0
    events: int = 0
    claims: int | None = None
    status_changes: int = 0
    assessed_days: int = 0
    day: date | None = None
    judgment_id: str | None = None
    judgment: str = ""
    confidence: str = ""
    change: str = ""
    report_files: tuple[Path, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The one-screen summary: a warning for each new file whose times are approximate, once."""
        new = ", ".join(f"{k} {v}" for k, v in self.new_files.items()) or "none"
        out = [
            f"inbox: new files {new}" + (f"; {len(self.failed_files)} failed" if self.failed_files else ""),
            f"ingest: {self.positions:,} positions, {self.notams} NOTAMs, {self.reports} reports, "
            f"{self.appearances} appearance documents",
        ]
        if self.time_bases:
            bases = ", ".join(f"{n} {basis}" for basis, n in self.time_bases.items())
            out.append(f"time basis of the new receiver files: {bases}")
        out += self.warnings
        out += [
            f"tracks: {'unchanged' if self.tracks is None else f'{self.tracks:,} rebuilt'}; "
            f"detection: {self.detected_days} day(s), {self.events:,} events",
            f"claims: {'unchanged' if self.claims is None else f'{self.claims:,}'} "
            f"({self.status_changes} status changes)",
            f"assessed: {self.assessed_days} day(s)",
        ]
        if self.day is not None:
            out.append(f"day {self.day.isoformat()}: {self.judgment} Confidence: {self.confidence}.")
            if self.approximate_items:
                out.append("resting on approximate times: " + "; ".join(self.approximate_items))
            if self.change:
                out.append(f"change: {self.change}")
            out += [f"report: {p}" for p in self.report_files] or ["report: none written (nothing to assess)"]
        for failure in self.failed_files:
            out.append(f"failed: {failure}")
        out.append("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _new_files(workspace: Workspace, kind: str) -> list[tuple[Path, str]]:
    """Inbox files not taken in yet (by content hash). A receiver recording is new again when its ``.start``
    sidecar is: the sidecar is taken in with it (recorded under its own hash)."""
    folder = workspace.root / "inbox" / kind
    folder.mkdir(parents=True, exist_ok=True)
    with workspace.connect(read_only=True) as con:
        taken = {r[0] for r in con.execute("SELECT sha256 FROM inbox_files WHERE kind = ?", [kind]).fetchall()}
    found = []
    for path in expand_paths([folder]):
        if kind == "reports" and path.suffix.lower() not in (".csv", ".json"):
            continue  # media files sit next to the export they belong to
        sha = _sha256(path)
        sidecar = sidecar_path(path) if kind == "adsb" else None
        sidecar_sha = _sha256(sidecar) if sidecar is not None and sidecar.is_file() else None
        if sha not in taken or (sidecar_sha is not None and sidecar_sha not in taken):
            found.append((path, sha))
            if sidecar is not None and sidecar_sha is not None:
                found.append((sidecar, sidecar_sha))
    return found


def _record(
    workspace: Workspace,
    kind: str,
    files: list[tuple[Path, str]],
    clock: Clock,
    outcome: dict[str, str],
    shown: dict[str, str] | None = None,
) -> None:
    """Note inbox files as taken in; ``shown`` maps a path to its stored form (receiver names replaced)."""
    if not files:
        return
    inbox = workspace.root / "inbox"
    with workspace.connect() as con:
        con.executemany(
            "INSERT OR REPLACE INTO inbox_files VALUES (?, ?, ?, ?, ?)",
            [
                [
                    (shown or {}).get(str(p), str(p.relative_to(inbox))),
                    sha,
                    kind,
                    clock.now(),
                    outcome.get(str(p), "ok"),
                ]
                for p, sha in files
            ],
        )


def _inbox_shown(inbox: Path, outcome: FileOutcome) -> str:
    """An inbox file's path relative to the inbox as stored: a receiver name in it replaced by its pseudonym
    label (``FileOutcome.shown_path``; redaction keeps the number of path parts)."""
    depth = len(outcome.path.relative_to(inbox).parts)
    return str(Path(*Path(outcome.shown).parts[-depth:]))


def run_all(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    day: date | None = None,
    progress: Progress | None = None,
    keep_delivered: bool = False,
    day_runner: DayRunner | None = None,
) -> RunSummary:
    """The whole pipeline over the inbox; returns what it did. Bad files are reported, never abort the run.
    Report exports taken in are overwritten and deleted unless ``keep_delivered``.

    Holds the workspace's writer lock throughout (``WorkspaceBusy`` when another process holds it). Every
    stage resumes from what is recorded as finished: inbox files by content hash (``inbox_files``,
    ``ingested_files``), tracks, detection days and claims by their completion records (``store.stages``),
    judgments by day; so a rerun after a kill anywhere gives the result of an uninterrupted run.
    ``day_runner`` runs the detection days (``pipeline.detect.DayRunner``; default: here, one after another).
    """
    with workspace.writer("run"):
        tell = progress or (lambda stage, done, total: None)
        return _run(workspace, settings, clock, day, tell, keep_delivered, day_runner)


def _run(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    day: date | None,
    tell: Progress,
    keep_delivered: bool,
    day_runner: DayRunner | None = None,
) -> RunSummary:
    summary = RunSummary()

    def timed(stage: str, started: float) -> None:
        summary.seconds[stage] = time.perf_counter() - started

    t = time.perf_counter()
    tell("inbox", 0, None)
    new = {kind: _new_files(workspace, kind) for kind in INBOX_KINDS}
    # sidecars are counted with their recordings, not as files of their own
    summary.new_files = {k: n for k, v in new.items() if (n := sum(1 for p, _ in v if not is_sidecar(p)))}
    timed("inbox", t)

    t = time.perf_counter()
    replaced_days: set[date] = set()
    inbox = workspace.root / "inbox"
    if new["adsb"]:
        outcomes: dict[str, str] = {}
        tell("ingest", 0, len(new["adsb"]))

        def on_file(event: object) -> None:
            if getattr(event, "file_done", False):
                tell("ingest", getattr(event, "file_index", 0) + 1, getattr(event, "files_total", None))

        folder = workspace.root / "inbox" / "adsb"
        recordings = [p for p, _ in new["adsb"] if not is_sidecar(p)]  # a sidecar is read with its recording
        ingest = ingest_paths(workspace, recordings, settings, clock, on_file, IngestOptions(receiver_folders=folder))
        shown = {str(f.path): _inbox_shown(workspace.root / "inbox", f) for f in ingest.files}
        # a sidecar is stored under its recording's shown path: a receiver name in the folder never in clear
        shown.update({str(sidecar_path(f.path)): shown[str(f.path)] + SIDECAR_SUFFIX for f in ingest.files})
        for f in ingest.files:
            if f.status is FileStatus.FAILED:
                outcomes[str(f.path)] = f"failed: {f.error}"
                summary.failed_files.append(f"{Path(f.shown).name}: {f.error}")
            elif f.status is FileStatus.INGESTED and f.file_id:
                summary.positions += f.stored
                replaced_days.update(f.replaced_days)
                if f.time_basis is not None:
                    summary.time_bases[f.time_basis.value] = summary.time_bases.get(f.time_basis.value, 0) + 1
                    if f.time_basis.approximate:
                        summary.warnings.append(
                            approximate_warning(_inbox_shown(inbox, f), f.time_basis, f.time_anchor)
                        )
        summary.time_bases = dict(sorted(summary.time_bases.items()))
        _record(workspace, "adsb", new["adsb"], clock, outcomes, shown)
    timed("ingest", t)

    t = time.perf_counter()
    if new["notams"]:
        tell("notams", 0, len(new["notams"]))
        _forget_notam_files(workspace, [sha for _, sha in new["notams"]])
        notams = ingest_notams(workspace, [p for p, _ in new["notams"]], clock, settings)
        summary.notams = notams.stored
        tell("notams", len(new["notams"]), len(new["notams"]))
        _record(workspace, "notams", new["notams"], clock, {})
    timed("notams", t)

    t = time.perf_counter()
    if new["reports"]:  # names and times of delivered exports are never stored (docs/source-protection.md)
        taken = take_in_inbox_reports(
            workspace,
            new["reports"],
            settings,
            clock,
            keep_delivered=keep_delivered,
            progress=lambda i, n: tell("reports", i, n),
        )
        summary.reports += taken.imported
        summary.failed_files += taken.failed
    timed("reports", t)

    t = time.perf_counter()
    if new["appearances"]:
        for i, (path, sha) in enumerate(new["appearances"]):
            tell("appearances", i, len(new["appearances"]))
            outcomes = {}
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
                add_appearances(workspace, body, settings, clock, where=str(path))
                summary.appearances += 1
            except (AirpictureError, ValueError, OSError) as exc:
                outcomes[str(path)] = f"failed: {exc}"
                summary.failed_files.append(f"{path.name}: {exc}")
            _record(workspace, "appearances", [(path, sha)], clock, outcomes)
    timed("appearances", t)

    t = time.perf_counter()
    tell("tracks", 0, None)
    if tracks_stale(workspace):
        summary.tracks = rebuild_tracks(workspace, settings, clock)
    timed("tracks", t)

    t = time.perf_counter()
    # days whose positions changed (new files; a recording ingested again on its start time moves positions
    # off their old days) or that this region never detected (a region added later): their fingerprints differ
    _detect(workspace, settings, clock, summary, tell, day_runner)
    timed("detect", t)

    t = time.perf_counter()
    tell("claims", 0, None)
    with workspace.connect(read_only=True) as con:
        claims_inputs = stages.claims_fingerprint(con, tracks_inputs(workspace))
        claims_done = stages.done(con, stages.CLAIMS).get(settings.region)
    if claims_inputs != claims_done:  # every watched region is refreshed; the record is this region's
        refreshed = refresh(
            workspace, settings, clock,
            on_store=lambda con: stages.record(con, stages.CLAIMS, {settings.region: claims_inputs}, clock.now()),
        )  # fmt: skip
        summary.claims = refreshed.claims
        summary.status_changes = len(refreshed.changes)
    timed("claims", t)

    t = time.perf_counter()
    question = question_for(settings)
    state = read_state(workspace, settings)
    available = data_days(question, state)  # days with something to assess in the region's frame
    target = day or (available[-1] if available else None)
    if target is None:
        timed("assess", t)
        return summary
    with workspace.connect(read_only=True) as con:
        judged = judged_days(con, question.question_id, settings.region)
    todo = sorted({d for d in available if d < target and d not in judged} | {target})
    # report days judged on positions that have since moved (a recording ingested again on its start time):
    # judged again, so no stale judgment stays current on the day of a copy
    moved = {d - timedelta(days=k) for d in replaced_days for k in (0, 1)} & judged
    todo = sorted(set(todo) | moved)
    assessment = None
    for i, d in enumerate(todo):
        tell("assess", i, len(todo))
        judged_day = assess(workspace, settings, clock, d, state)
        if d == target:
            assessment = judged_day
    summary.assessed_days = len(todo)
    timed("assess", t)

    t = time.perf_counter()
    assert assessment is not None
    tell("report", 0, 1)
    written = write_report(workspace, settings, clock, target, assessment=assessment)
    j = assessment.judgment
    summary.day = target
    summary.judgment_id = j.judgment_id
    runner = j.hypothesis(j.runner_up).label.lower()
    if not j.assessed:
        summary.judgment = "nothing to assess: no data bore on the question, so no judgment was made."
    elif j.tied:
        summary.judgment = "no hypothesis is favoured: " + ", ".join(j.hypothesis(h).label.lower() for h in j.tied)
    else:
        summary.judgment = f"{j.hypothesis(j.top).proposition} is {j.band}; runner-up {runner} ({j.runner_up_band})."
    summary.confidence = j.confidence.value if j.assessed else "none"
    summary.change = j.change_explanation
    marked = set(j.time_approximate_items)
    summary.approximate_items = tuple(i.label for i in j.items if marked & {i.item_id, *i.merged})
    summary.report_files = written.files  # none when the night has nothing to assess in the region's frame
    tell("report", 1, 1)
    timed("report", t)
    return summary


def _detect(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    summary: RunSummary,
    tell: Progress,
    day_runner: DayRunner | None = None,
) -> None:
    """Detection over every day not finished from the positions and NOTAMs stored now (``store.stages``):
    all detectors over the days whose positions (or the previous day's, the lead-in) changed since they
    were detected, then the NOTAM detectors over the other days when the stored NOTAMs changed."""
    region = settings.region
    with workspace.connect(read_only=True) as con:
        pending = stages.pending_prefixes(con)
        detected = stages.done(con, stages.DETECT)
        notams_detected = stages.done(con, stages.DETECT_NOTAMS)
        notams = stages.notams_fingerprint(con)
    inputs = stages.detect_fingerprints(stages.day_parts(workspace.root, pending))
    # a day detected before whose positions are all gone (a recording ingested again on its start time moves
    # them off the day of its copy): detected again over nothing, so its old events do not stay
    for scope in detected:
        head, _, when = scope.rpartition("/")
        if head == region and (gone := date.fromisoformat(when)) not in inputs:
            inputs[gone] = stages.fingerprint([])
    days = sorted(d for d, fp in inputs.items() if detected.get(stages.day_scope(region, d)) != fp)
    rest = sorted(d for d in inputs if d not in days and notams_detected.get(stages.day_scope(region, d)) != notams)
    wanted = settings.detect.detectors
    with_notams = not wanted or any(n in wanted for n in NOTAM_DETECTORS)
    tell("detect", 0, len(days) + len(rest))
    if days:

        def finished(con: object) -> None:
            assert isinstance(con, duckdb.DuckDBPyConnection)
            now = clock.now()
            stages.record(con, stages.DETECT, {stages.day_scope(region, d): inputs[d] for d in days}, now)
            if with_notams:
                stages.record(con, stages.DETECT_NOTAMS, {stages.day_scope(region, d): notams for d in days}, now)

        detection = run_detection(
            workspace, settings, clock, days=days, advance=lambda n: tell("detect", n, len(days) + len(rest)),
            on_store=finished, runner=day_runner,
        )  # fmt: skip
        summary.detected_days = len(days)
        summary.events = sum(detection.events_by_type.values())
    if rest:  # NOTAMs changed: the restriction detectors over the days not detected above
        detection = run_detection(
            workspace, settings, clock, days=rest, detectors=tuple(NOTAM_DETECTORS),
            on_store=lambda con: stages.record(
                con, stages.DETECT_NOTAMS, {stages.day_scope(region, d): notams for d in rest}, clock.now()
            ), runner=day_runner,
        )  # fmt: skip
        summary.events += sum(detection.events_by_type.values())


def _forget_notam_files(workspace: Workspace, file_ids: list[str]) -> None:
    """Before NOTAM files not yet recorded in ``inbox_files`` are read: remove what a killed run stored from
    them (NOTAMs first stored from them, their areas, quarantined texts, the file's catalog row), so reading
    them again stores exactly what one reading does. A file never read before has nothing to remove."""
    with workspace.connect() as con, transaction(con):
        for file_id in file_ids:
            con.execute(
                "DELETE FROM restrictions WHERE (notam_id, text_sha256) IN "
                "(SELECT notam_id, text_sha256 FROM notams WHERE source_file = ?)",
                [file_id],
            )
            con.execute("DELETE FROM notams WHERE source_file = ?", [file_id])
            con.execute("DELETE FROM quarantine WHERE file_id = ?", [file_id])
            con.execute("DELETE FROM ingested_files WHERE file_id = ?", [file_id])
