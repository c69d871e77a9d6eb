"""Schemathesis fuzzes the intake's JSON API in process (issue 16): whatever it sends, no response contains
a string it submitted (8 characters or more; shorter ones occur in any response by chance), and nothing
answers 500. Valid and invalid bodies (schemathesis's positive and negative modes) for every operation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from airpicture.intake.app import _KNOWN_FIELDS, MESSAGES
from airpicture.intake.sealing import generate_keypair
from airpicture.intake.server import build
from airpicture.model.clock import FixedClock
from airpicture.model.settings import IntakeSettings
from tests.intake.conftest import CLOCK_AT

# fixed words of the responses, and field names (a 422 names the fields to check, never their values)
FIXED = {*MESSAGES.values(), *_KNOWN_FIELDS, "sealed", "status", "error", "fields", "reports", "deleted", "challenge"}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _check(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500
    text = response.text
    for sent in _strings(case.body):
        if len(sent) >= 8 and sent not in FIXED and sent.strip():
            assert sent not in text, f"{case.method} {case.path} answered {response.status_code} with a sent value"


@pytest.mark.parametrize(
    ("path", "least_cases"),
    [("/api/v1/tokens", 1), ("/api/v1/reports", 30), ("/api/v1/pull/challenge", 1), ("/api/v1/pull/batch", 30),
     ("/api/v1/pull/ack", 30)],
)  # fmt: skip
def test_no_response_echoes_a_submitted_string(tmp_path: Path, path: str, least_cases: int) -> None:
    # schemathesis's pytest plugin does not load under this pytest; its generator and ASGI caller are used directly
    app = build(IntakeSettings(data_dir=tmp_path, max_body_bytes=200_000), FixedClock(CLOCK_AT), generate_keypair()[1])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    [operation] = [op for op in operations if op.path == path]
    calls = 0

    both = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

    @given(both)
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        _check(case)

    run()
    assert calls >= least_cases  # bodyless operations have one case
