"""End to end on the shipped scenario's reference night: simulate → ingest → NOTAMs → detect → evaluate.

The issue's bar: precision and recall ≥ 0.95 for entries/exits, orbits, take-offs/landings and going dark
(recall over the truth events a receiver could observe, docs/formats/truth.md); entry/exit time error
≤ 10 s median.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from airpicture.model.settings import Settings
from airpicture.pipeline.detect import resolve_days, run_detection
from airpicture.pipeline.evaluate import Evaluation, evaluate
from airpicture.pipeline.ingest import ingest_paths
from airpicture.pipeline.notam import ingest_notams
from airpicture.pipeline.simulate import run_simulation
from airpicture.reference import ReferenceData
from airpicture.store import Workspace
from airpicture.testing import FixedClock

CLOCK = FixedClock(datetime(2022, 7, 13, tzinfo=UTC))
BAR = ("airspace_entry", "airspace_exit", "orbit", "takeoff", "landing", "going_dark")


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    root = tmp_path_factory.mktemp("accuracy")
    sim = root / "sim"
    run_simulation("belarus-july-night", sim, last_nights=1, reference=ReferenceData())
    ws = Workspace.init(root / "ws")
    settings = Settings()
    ingest_paths(ws, sorted(sim.glob("*.beast")), settings, CLOCK)
    ingest_notams(ws, [sim / "simulated-notams.txt"], CLOCK, settings)
    run_detection(ws, settings, CLOCK, days=resolve_days(ws, None, None, None))
    return evaluate(ws, sim / "truth.json")


def test_the_bar_on_the_reference_night(evaluation: Evaluation) -> None:
    scores = {t.type: t for t in evaluation.types}
    for kind in BAR:
        score = scores[kind]
        assert score.observable > 0, kind
        assert score.recall is not None and score.recall >= 0.95, (kind, score)
        assert score.precision is not None and score.precision >= 0.95, (kind, score)
    for kind in ("airspace_entry", "airspace_exit"):
        error = scores[kind].median_time_error_s
        assert error is not None and error <= 10.0, (kind, error)


def test_gnss_jamming_and_restrictions_are_found(evaluation: Evaluation) -> None:
    scores = {t.type: t for t in evaluation.types}
    assert scores["gnss_interference"].recall == 1.0
    assert scores["restriction_appeared"].recall == 1.0
    assert "track_start_inside" in evaluation.unscored  # listed, not scored: no truth counterpart


def test_unobservable_truth_is_marked(evaluation: Evaluation) -> None:
    # Mode-S-only sorties fly take-offs that no receiver can see as positions
    takeoffs = {t.type: t for t in evaluation.types}["takeoff"]
    assert takeoffs.observable < takeoffs.truth


def test_truth_file_names_every_scored_type(tmp_path: Path) -> None:
    from airpicture.simulate.truth import EVENT_TYPES

    assert set(BAR) <= set(EVENT_TYPES)
    assert "restriction_appeared" in EVENT_TYPES and "restriction_new" not in EVENT_TYPES
