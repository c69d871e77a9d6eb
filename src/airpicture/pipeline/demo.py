"""``airpicture demo``: the whole job, end to end, on the shipped scenario and bundled real recordings.

1. simulate the shipped scenario ``belarus-july-night`` (everything it writes is labelled simulated);
2. put its Beast recordings, NOTAMs and observer reports, and the real recordings bundled in the package (a
   GNSS-spoofed airliner over Romania/Ukraine/Poland, a US Navy patrol, a dump1090 Beast sample), into the
   inbox of a fresh workspace;
3. ``airpicture run`` (:func:`airpicture.pipeline.run.run_all`): ingest, tracks, detection, claims,
   assessment and the daily report of the reference night.

Nothing is faked: every number in the summary is read back from the workspace the run wrote.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from airpicture.model.clock import Clock
from airpicture.model.errors import UsageError
from airpicture.model.settings import load_settings
from airpicture.pipeline.events import EventFilter, list_events
from airpicture.pipeline.reference import reference_data
from airpicture.pipeline.run import RunSummary, run_all
from airpicture.pipeline.simulate import run_simulation
from airpicture.store import Workspace

SCENARIO = "belarus-july-night"
REFERENCE_NIGHT = date(2022, 7, 11)
REAL_RECORDINGS = ("noisy_spoofing.json.gz", "aircraft_carrier.json.gz", "sample_dump1090.bin")
HIGHLIGHT_TYPES = (
    "airspace_entry",
    "novelty",
    "orbit",
    "border_proximity",
    "activity_surge",
    "restriction_appeared",
    "aircraft_in_restricted_area",
    "gnss_interference",
)

Step = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo did and where it wrote it."""

    out_dir: Path
    workspace: Path
    simulated_dir: Path
    nights: int | None
    run: RunSummary
    highlights: tuple[str, ...]


def bundled_recordings(target: Path) -> list[Path]:
    """Copy the real recordings shipped in the package into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    source = resources.files("airpicture.pipeline").joinpath("demo_data")
    for name in REAL_RECORDINGS:
        path = target / name
        path.write_bytes(source.joinpath(name).read_bytes())
        copied.append(path)
    return copied


def _into_inbox(files: list[Path], inbox: Path) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for path in files:
        target = inbox / path.name
        try:
            target.hardlink_to(path)  # no copy of the recordings: same bytes, same content hash
        except OSError:
            shutil.copy2(path, target)


def run_demo(
    out_dir: Path,
    clock: Clock,
    *,
    nights: int | None = None,
    step: Step | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> DemoSummary:
    """Run the demo into ``out_dir`` (created; an earlier demo there is replaced, anything else is refused).

    ``nights`` limits the simulation to the scenario's last N nights (default: all of them, so baselines and
    "first time since" have their history).
    """
    say = step or (lambda _message: None)
    marker = out_dir / ".airpicture-demo"
    if out_dir.exists() and any(out_dir.iterdir()) and not marker.exists():
        raise UsageError("folder exists and is not an earlier demo", where=str(out_dir), expected="a new folder")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    marker.write_text("written by airpicture demo; safe to delete\n")
    workspace_dir = out_dir / "workspace"
    # The reporter key lives outside the workspace, as it must (docs/source-protection.md).
    key_file = out_dir / "keys" / "reporter.key"
    settings = load_settings(
        None, {}, {"workspace": workspace_dir, "region": "belarus", "reports.reporter_key_file": key_file}
    )

    say(f"simulating {SCENARIO}" + (f" (last {nights} nights)" if nights else " (all nights)"))
    simulated_dir = out_dir / "simulated"
    run_simulation(SCENARIO, simulated_dir, last_nights=nights, reference=reference_data(settings))

    workspace = Workspace.init(workspace_dir)
    inbox = workspace_dir / "inbox"
    recordings = sorted(simulated_dir.glob("simulated-*.beast")) + sorted(simulated_dir.glob("simulated-*.beast.start"))
    _into_inbox(recordings + bundled_recordings(out_dir / "real"), inbox / "adsb")  # .start: their start times
    _into_inbox(sorted(simulated_dir.glob("simulated-notams*.txt")), inbox / "notams")
    _into_inbox(sorted(simulated_dir.glob("simulated-reports*.csv")), inbox / "reports")

    say("running the pipeline: ingest, tracks, detect, claims, assess, report")
    summary = run_all(workspace, settings, clock, day=REFERENCE_NIGHT, progress=progress)
    return DemoSummary(
        out_dir=out_dir,
        workspace=workspace_dir,
        simulated_dir=simulated_dir,
        nights=nights,
        run=summary,
        highlights=tuple(_highlights(workspace)),
    )


def _highlights(workspace: Workspace) -> list[str]:
    """One line per notable stored event of the reference night, each naming its event id."""
    lines = []
    for kind in HIGHLIGHT_TYPES:
        found = list_events(workspace, EventFilter(types=(kind,), day=REFERENCE_NIGHT, role="AEW&C"), limit=2)
        found = found or list_events(workspace, EventFilter(types=(kind,), day=REFERENCE_NIGHT), limit=1)
        for event_id, event in found:
            subject = event.subjects[0] if event.subjects else None
            who = " ".join(p for p in (subject.type_code, subject.registration, subject.icao24) if p) if subject else ""
            details = ", ".join(f"{k} {v}" for k, v in list(event.attributes.items())[:3])
            lines.append(f"{kind} {event.start:%H:%M} UTC {who} ({details}) [event {event_id[:10]}]".replace("  ", " "))
    return lines
