"""Report wiring: the stored judgment of a day, its facts, provenance and map layers → rendered files.

Writes ``airpicture-<region>-<day>.{html,md,json}`` into the output folder (default
``<workspace>/reports``), each atomically; the lint runs first, so a report that breaks a rendering rule is
never written (``ReportLintError``). A night with nothing to assess in the region's frame gets no report
(``ReportResult.files`` is empty and ``assessed`` false; the CLI exits 3).

The "SIMULATED DATA" label follows the data of the day: it is set when a file behind the day's report (a
receiver recording with positions in the region's frame during the report window, the observer-report
export or NOTAM file behind one of its claims) was written by the simulator, not when the workspace merely
holds simulated files from other days.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import shapely
from shapely.geometry import mapping

from airpicture.model.claims import Appearance, Source
from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.events import EvidenceKind
from airpicture.model.judgments import MapData, Provenance, ReportInputs
from airpicture.model.settings import Settings
from airpicture.pipeline.assess import Assessment, assess, frame_clause, read_state
from airpicture.pipeline.ingest import SIMULATED_PREFIX
from airpicture.pipeline.places import map_places, place_phrases
from airpicture.pipeline.reference import reference_data
from airpicture.report import FORMATS, render_report
from airpicture.store import Workspace
from airpicture.store.atomic import atomic_write_bytes

MAP_COUNTRIES = ("BY", "UA", "RU", "PL", "LT", "LV")


@dataclass(frozen=True, slots=True)
class ReportResult:
    day: date
    judgment_id: str
    files: tuple[Path, ...]
    render_s: float
    assessed: bool = True
    """False: the night had nothing to assess in the region's frame, and no report was written."""


def _provenance(workspace: Workspace, appearances: Mapping[str, Appearance]) -> dict[str, Provenance]:
    with workspace.connect(read_only=True) as con:
        ingested = {
            r[0]: r[1].astimezone(UTC)
            for r in con.execute("SELECT file_id, ingested_at FROM ingested_files").fetchall()
        }
        notams = {
            r[0]: r[1].astimezone(UTC)
            for r in con.execute("SELECT notam_id, min(ingested_at) FROM notams GROUP BY notam_id").fetchall()
        }
        reports = {
            r[0]: (r[1].astimezone(UTC), r[2])
            for r in con.execute("SELECT report_id, received_at, place_name FROM reports").fetchall()
        }
    out: dict[str, Provenance] = {}
    for a in appearances.values():
        retrieved: datetime | None = None
        place = None
        records = []
        for e in a.evidence[:2]:
            if e.kind is EvidenceKind.POSITION:
                retrieved = ingested.get(e.source_file, retrieved)
                records.append(f"position {e.source_file[:12]}…@{e.source_offset}")
            elif e.kind is EvidenceKind.NOTAM:
                retrieved = notams.get(e.source_file, retrieved)
                records.append(f"NOTAM {e.source_file}")
            elif e.kind is EvidenceKind.REPORT:
                found = reports.get(e.source_file)
                if found:
                    retrieved, place = found
                records.append(f"report {e.source_file}")
            else:
                records.append(f"{e.kind.value} {e.source_file[:16]}")
        out[a.appearance_id] = Provenance(
            a.published_at, retrieved, "; ".join(records) or a.appearance_id, a.url, place
        )
    return out


def _geojson(geometry: object) -> str:
    return json.dumps(mapping(geometry))


def map_data(workspace: Workspace, settings: Settings, assessment: Assessment) -> MapData:
    reference = reference_data(settings)
    region = reference.region(settings.region)
    countries = []
    for code in MAP_COUNTRIES:
        try:
            shape = reference.country(code)
        except Exception:  # a country missing from the shipped borders is simply not drawn
            continue
        if code == "RU":
            shape = shape.intersection(shapely.box(18, 49, 40, 60))
        countries.append((code, _geojson(shapely.simplify(shape, 0.02, preserve_topology=True))))
    facts = assessment.facts
    tonight = next((n for n in facts.activity if n.night == facts.day), None)
    wanted = set(tonight.track_ids) if tonight else set()
    tracks = tuple(
        (f"{t[1]} {' '.join(t[4])}".strip(), t[5])
        for t in assessment.state.tracks
        if t[5] and (t[0] in wanted or (t[6] and facts.window_start <= t[2] < facts.window_end))
    )
    orbits, restrictions, markers = [], [], []
    for f in facts.claims:
        for e in f.events:
            if not e.geometry:
                continue
            if e.type == "orbit":
                orbits.append((f.claim.claim_id, e.geometry))
            elif e.type == "restriction_appeared":
                restrictions.append((str(e.attributes.get("notam_id", f.claim.subject)), e.geometry))
            elif e.type in ("airspace_entry", "airspace_exit", "going_dark", "takeoff", "landing") and any(
                s.role for s in e.subjects
            ):
                g = json.loads(e.geometry)
                if g.get("type") == "Point":
                    markers.append(
                        (f.claim.claim_id, f"{e.type} {f.claim.subject}", g["coordinates"][0], g["coordinates"][1])
                    )
        if f.claim.lat_deg is not None and f.claim.lon_deg is not None and not f.events:
            markers.append((f.claim.claim_id, f.claim.event_type, f.claim.lon_deg, f.claim.lat_deg))
        elif f.claim.event_type in (
            "missile launch",
            "fixed-wing",
            "helicopter",
            "airfield activity",
            "military vehicles",
            "drone",
        ):
            pass
    watched = reference.country(region.watched_country).bounds
    return MapData(
        tuple(countries), region.watched_country, tracks, tuple(orbits), tuple(restrictions), tuple(markers),
        places=map_places(region.watched_country, (watched[0], watched[1], watched[2], watched[3])),
    )  # fmt: skip


def report_inputs(workspace: Workspace, settings: Settings, clock: Clock, assessment: Assessment) -> ReportInputs:
    state = assessment.state
    sources: Mapping[str, Source] = state.sources
    appearance_sources = {
        a.appearance_id: (sources[a.source_id].name, sources[a.source_id].reliability.value)
        for a in state.appearances.values()
        if a.source_id in sources
    }
    region = reference_data(settings).region(settings.region)
    return ReportInputs(
        question=assessment.question,
        judgment=assessment.judgment,
        facts=assessment.facts,
        provenance=_provenance(workspace, state.appearances),
        appearance_sources=appearance_sources,
        region_title=region.title,
        map=map_data(workspace, settings, assessment),
        generated_at=clock.now(),
        simulated=uses_simulated_data(workspace, assessment),
        places=place_phrases(assessment.facts.claims),
    )


def day_files(workspace: Workspace, assessment: Assessment) -> set[str]:
    """SHA-256 of every file behind the day's report: the receiver recordings with positions in the region's
    frame during the report window, and the files the day's claims rest on (observer-report exports, NOTAM
    files, recordings cited by their events)."""
    facts, state = assessment.facts, assessment.state
    files: set[str] = set()
    report_ids: set[str] = set()
    notam_ids: set[str] = set()
    for f in facts.claims:
        for appearance_id in f.claim.appearances:
            appearance = state.appearances.get(appearance_id)
            for e in appearance.evidence if appearance else ():
                if e.kind is EvidenceKind.POSITION:
                    files.add(e.source_file)
                elif e.kind is EvidenceKind.REPORT:
                    report_ids.add(e.source_file)
                elif e.kind is EvidenceKind.NOTAM:
                    notam_ids.add(e.source_file)
        for event in f.events:
            files.update(e.source_file for e in event.evidence if e.kind is EvidenceKind.POSITION)
    with workspace.connect(read_only=True) as con:
        if workspace.has_partitions("positions") and facts.coverage.receiver_files:
            inside, params = frame_clause(state.frame)
            files.update(
                str(r[0])
                for r in con.execute(
                    f"SELECT DISTINCT source_file FROM positions WHERE ts >= ? AND ts < ? AND {inside}",
                    [facts.window_start, facts.window_end, *params],
                ).fetchall()
            )
        if report_ids:
            marks = ", ".join("?" * len(report_ids))
            rows = con.execute(f"SELECT DISTINCT source_file FROM reports WHERE report_id IN ({marks})", [*report_ids])
            files.update(str(r[0]) for r in rows.fetchall())
        if notam_ids:
            marks = ", ".join("?" * len(notam_ids))
            rows = con.execute(f"SELECT DISTINCT source_file FROM notams WHERE notam_id IN ({marks})", [*notam_ids])
            files.update(str(r[0]) for r in rows.fetchall())
    return files


def uses_simulated_data(workspace: Workspace, assessment: Assessment) -> bool:
    """Whether a file behind the day's report (:func:`day_files`) was written by the scenario simulator
    (``simulated-*`` names, as ingested or taken from the inbox). The label follows the data of the day: a
    real recording on a day is not labelled simulated because the workspace holds simulated files of other
    days."""
    files = sorted(day_files(workspace, assessment))
    if not files:
        return False
    name = f"(^|/){re.escape(SIMULATED_PREFIX)}[^/]*$"
    with workspace.connect(read_only=True) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM ingested_files WHERE regexp_matches(path, $name) "
            "AND list_contains($files, file_id)) "
            "+ (SELECT count(*) FROM inbox_files WHERE regexp_matches(path, $name) AND list_contains($files, sha256))",
            {"name": name, "files": files},
        ).fetchone()
    return bool(row and row[0])


def parse_formats(text: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise UsageError(
            "unknown report format", where="--format", found=", ".join(bad) or text, expected="html, md, json"
        )
    return chosen


def report_name(settings: Settings, day: date, fmt: str) -> str:
    """The file name of a day's report in one format."""
    return f"airpicture-{settings.region}-{day.isoformat()}.{fmt}"


def stored_report(workspace: Workspace, settings: Settings, day: date, fmt: str) -> Path | None:
    """The report of ``day`` as ``airpicture report`` or ``run`` wrote it into the workspace (None if not)."""
    path = workspace.root / "reports" / report_name(settings, day, fmt)
    return path if path.is_file() else None


def stored_report_days(workspace: Workspace, settings: Settings) -> list[date]:
    """Days with a stored JSON report, oldest first."""
    prefix = f"airpicture-{settings.region}-"
    days = []
    for path in (workspace.root / "reports").glob(f"{prefix}*.json"):
        try:
            days.append(date.fromisoformat(path.name[len(prefix) : -len(".json")]))
        except ValueError:
            continue
    return sorted(days)


def write_report(
    workspace: Workspace,
    settings: Settings,
    clock: Clock,
    day: date,
    *,
    formats: Sequence[str] = FORMATS,
    out_dir: Path | None = None,
    assessment: Assessment | None = None,
) -> ReportResult:
    """Assess ``day`` (unless given), render the report, lint it, write the files. A night with nothing to
    assess writes nothing (``assessed`` false in the result)."""
    import time

    assessment = assessment or assess(workspace, settings, clock, day, read_state(workspace, settings))
    if not assessment.judgment.assessed:
        return ReportResult(day, assessment.judgment.judgment_id, (), 0.0, assessed=False)
    started = time.perf_counter()
    inputs = report_inputs(workspace, settings, clock, assessment)
    rendered = render_report(inputs, tuple(formats))
    target = out_dir or workspace.root / "reports"
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for fmt, text in rendered.outputs.items():
        path = target / report_name(settings, day, fmt)
        atomic_write_bytes(path, text.encode("utf-8"), workspace.tmp_dir)
        files.append(path)
    return ReportResult(day, assessment.judgment.judgment_id, tuple(files), time.perf_counter() - started)
