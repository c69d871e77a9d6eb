"""A static check of the intake's source (issue 16): it never reads the client address or an identifying
header, and never logs or prints request data. The checker is tested on bad snippets too, so it can fail."""

from __future__ import annotations

import ast
from pathlib import Path

import airpicture.intake

INTAKE = Path(airpicture.intake.__file__).parent
IDENTIFYING = ("x-forwarded-for", "forwarded", "x-real-ip", "user-agent", "referer", "referrer", "accept-language",
               "cf-connecting-ip", "true-client-ip", "cookie", "remote_addr", "x-client-ip")  # fmt: skip
REQUEST_DATA = {"request", "report", "body", "form", "data", "token", "photos", "fields", "row", "scope", "message",
                "headers", "exc", "item", "proof", "text", "query_params", "client"}  # fmt: skip
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}


def problems(source: str, name: str = "<snippet>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr in ("client", "headers", "cookies", "remote_addr"):
            found.append(f"{where}: reads .{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lowered = node.value.lower()
            if lowered in IDENTIFYING or lowered == "client" or lowered.replace("_", "-") in IDENTIFYING:
                found.append(f"{where}: names {node.value!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.append(f"{where}: print()")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LOG_METHODS:
            if node.func.attr == "exception":
                found.append(f"{where}: log.exception (a traceback can hold request data)")
            for arg in [*node.args[1:], *(k.value for k in node.keywords)]:
                names = {n.id for n in ast.walk(arg) if isinstance(n, ast.Name)}
                only_type = isinstance(arg, ast.Attribute) and arg.attr == "__name__"
                if names & REQUEST_DATA and not only_type:
                    found.append(f"{where}: logs {sorted(names & REQUEST_DATA)}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] in ("traceback", "inspect") for m in modules):
                found.append(f"{where}: imports {modules}")
    return found


def test_intake_code_reads_no_client_address_or_identifying_header_and_logs_no_request_data() -> None:
    files = sorted(INTAKE.rglob("*.py"))
    assert len(files) >= 8
    found = [p for path in files for p in problems(path.read_text(encoding="utf-8"), path.name)]
    assert found == []


def test_the_checker_catches_what_it_forbids() -> None:
    bad = {
        "host = request.client.host": "reads .client",
        "ua = request.headers['user-agent']": "reads .headers",
        "x = scope['client']": "names 'client'",
        "h = dict(h).get('X-Forwarded-For')": "names 'X-Forwarded-For'",
        "lang = get('accept_language')": "names 'accept_language'",
        "log.info('report %s', report.text)": "logs ['report']",
        "log.warning('failed: %s', exc)": "logs ['exc']",
        "logger.exception('boom')": "log.exception",
        "print(body)": "print()",
        "import traceback": "imports",
    }
    for snippet, expected in bad.items():
        found = problems(snippet)
        assert found and expected in found[0], snippet
    assert problems("log.error('request failed: %s', type(exc).__name__)") == []
