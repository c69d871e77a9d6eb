"""``airpicture demo``: the whole job, end to end, on the shipped scenario and bundled real recordings.

Builds a fresh workspace in the output folder and runs every stage that exists, in order:

1. simulate the shipped scenario ``belarus-july-night`` (everything it writes is labelled simulated);
2. ingest its Beast recordings, plus the real recordings bundled in the package (a GNSS-spoofed airliner over
   Romania/Ukraine/Poland, a US Navy patrol, a dump1090 Beast sample);
3. ingest its NOTAMs; import its observer reports (the reporter key lives outside the workspace);
4. build tracks; detect events for every day; build claims with their provenance and grades.

Nothing is faked: every number in the summary is read back from the workspace the run wrote.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.settings import Settings, load_settings
from airpicture.pipeline.claims import refresh as refresh_claims
from airpicture.pipeline.detect import DetectionSummary, resolve_days, run_detection
from airpicture.pipeline.events import EventFilter, list_events
from airpicture.pipeline.ingest import IngestSummary, ingest_paths
from airpicture.pipeline.notam import ingest_notams
from airpicture.pipeline.reference import reference_data
from airpicture.pipeline.reports import import_file, load_reporter_key
from airpicture.pipeline.simulate import run_simulation
from airpicture.pipeline.tracks import rebuild_tracks
from airpicture.store import Workspace

SCENARIO = "belarus-july-night"
REAL_RECORDINGS = ("noisy_spoofing.json.gz", "aircraft_carrier.json.gz", "sample_dump1090.bin")

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo did and where it wrote it."""

    out_dir: Path
    workspace: Path
    simulated_dir: Path
    nights: int | None
    ingest: IngestSummary
    tracks: int
    notams_stored: int
    reports_imported: int
    detection: DetectionSummary
    claims: int
    highlights: tuple[str, ...]


def bundled_recordings(target: Path) -> list[Path]:
    """Copy the real recordings shipped in the package to ``target`` (they are read from there)."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    source = resources.files("airpicture.pipeline").joinpath("demo_data")
    for name in REAL_RECORDINGS:
        path = target / name
        path.write_bytes(source.joinpath(name).read_bytes())
        copied.append(path)
    return copied


def run_demo(out_dir: Path, clock: Clock, *, nights: int | None = 3, step: Step | None = None) -> DemoSummary:
    """Run the demo into ``out_dir`` (created; an earlier demo there is replaced, anything else is refused)."""
    say = step or (lambda _message: None)
    marker = out_dir / ".airpicture-demo"
    if out_dir.exists() and any(out_dir.iterdir()) and not marker.exists():
        raise UsageError("folder exists and is not an earlier demo", where=str(out_dir), expected="a new folder")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    marker.write_text("written by airpicture demo; safe to delete\n")
    workspace_dir = out_dir / "workspace"
    settings = load_settings(
        None,
        {},
        {
            "workspace": workspace_dir,
            "region": "belarus",
            "reports.reporter_key_file": out_dir / "keys" / "reporter.key",
        },
    )
    reference = reference_data(settings)

    say(f"simulating {SCENARIO}" + (f" (last {nights} nights)" if nights else ""))
    simulated_dir = out_dir / "simulated"
    run_simulation(SCENARIO, simulated_dir, last_nights=nights, reference=reference)

    workspace = Workspace.init(workspace_dir)
    recordings = sorted(simulated_dir.glob("simulated-*.beast")) + bundled_recordings(out_dir / "real")
    say(f"ingesting {len(recordings)} recordings")
    ingested = ingest_paths(workspace, recordings, settings, clock)
    say("building tracks")
    tracks = rebuild_tracks(workspace, settings)

    say("ingesting NOTAMs")
    notams = ingest_notams(workspace, sorted(simulated_dir.glob("simulated-notams*.txt")), clock, settings)

    say("importing observer reports")
    key = load_reporter_key(settings.reports.reporter_key_file, workspace_dir)
    imported = 0
    for path in sorted(simulated_dir.glob("simulated-reports*.csv")):
        imported += import_file(workspace, path, settings, clock, key).imported

    days = resolve_days(workspace, None, None, None)
    say(f"detecting events on {len(days)} days")
    detection = run_detection(workspace, settings, clock, days=days)

    say("building claims")
    claims = refresh_claims(workspace, settings, clock)

    return DemoSummary(
        out_dir=out_dir,
        workspace=workspace_dir,
        simulated_dir=simulated_dir,
        nights=nights,
        ingest=ingested,
        tracks=tracks,
        notams_stored=notams.stored,
        reports_imported=imported,
        detection=detection,
        claims=claims.claims,
        highlights=tuple(_highlights(workspace, settings)),
    )


def _highlights(workspace: Workspace, settings: Settings) -> list[str]:
    """A few sentences from the stored events, for the end of the demo (each names its event id)."""
    lines = []
    for kind in ("airspace_entry", "orbit", "border_proximity", "restriction_appeared", "aircraft_in_restricted_area"):
        for event_id, event in list_events(workspace, EventFilter(types=(kind,), role="AEW&C"), limit=2) or list_events(
            workspace, EventFilter(types=(kind,)), limit=1
        ):
            subject = event.subjects[0] if event.subjects else None
            who = " ".join(p for p in (subject.type_code, subject.registration, subject.icao24) if p) if subject else ""
            when = event.start.strftime("%Y-%m-%d %H:%M UTC")
            details = ", ".join(f"{k} {v}" for k, v in list(event.attributes.items())[:4])
            lines.append(f"{kind} {when} {who} ({details}) [event {event_id[:10]}]")
    return lines
