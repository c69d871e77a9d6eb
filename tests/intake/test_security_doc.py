"""docs/security/intake.md lists what a seized intake server holds, table by table; the list, the code's
``SCHEMA`` and the real SQLite schema agree both ways (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

from airpicture.intake.db import SCHEMA, IntakeDatabase

DOC = Path(__file__).resolve().parents[2] / "docs" / "security" / "intake.md"


def _documented() -> dict[str, tuple[str, ...]]:
    section = DOC.read_text(encoding="utf-8").split("## What a seized server holds", 1)[1].split("\n## ", 1)[0]
    tables = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\w+`", cells[0]):
            tables[cells[0].strip("`")] = tuple(re.findall(r"`(\w+)`", cells[1]))
    return tables


def test_the_documented_tables_are_the_real_schema(tmp_path: Path) -> None:
    database = IntakeDatabase(tmp_path / "intake.sqlite3")
    real = database.columns()
    database.close()
    assert real == SCHEMA
    assert _documented() == real


def test_the_threat_model_covers_what_the_issue_asks() -> None:
    text = DOC.read_text(encoding="utf-8")
    headings = ("**A seized server**", "**An insider**", "**A fake intake", "**What Tor protects.**",
                "**What Tor does not protect.**", "**Out of scope.**", "## Publishing the onion address")  # fmt: skip
    for heading in headings:
        assert heading in text
