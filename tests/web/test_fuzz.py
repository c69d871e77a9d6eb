"""Schemathesis fuzzing of the OpenAPI schema, in process (ASGI): no request makes the server fail (500)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from airpicture.model.settings import WebSettings
from airpicture.web.app import create_app
from airpicture.web.auth import PARTS
from tests.web.conftest import CLOCK

# The stream never ends, so it is left to tests/web/test_api.py.
SKIPPED = ("/api/v1/stream",)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_no_request_makes_a_server_error(web_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace, base = web_workspace
    application = create_app(workspace, replace(base, web=WebSettings(public=PARTS)), CLOCK)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", application)
    failures = []
    for operation in schema.get_all_operations():
        op = operation.ok()
        if op.path in SKIPPED:
            continue

        @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def check(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, case.query, response.status_code))

        check()
    assert failures == []
