"""docs/source-protection.md lists what a seized workspace holds, table by table: the list and the schema
agree both ways (issue 19, "Done when"). A new table or column must be described there before it ships."""

from __future__ import annotations

import re
from pathlib import Path

from airpicture.store import Workspace

DOC = Path(__file__).resolve().parents[2] / "docs" / "source-protection.md"


def _documented() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## What a seized workspace holds", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\w+`", cells[0]):
            name = cells[0].strip("`")
            assert name not in tables, f"{name} listed twice"
            tables[name] = re.findall(r"`(\w+)`", cells[1])
    return tables


def test_every_table_and_column_is_documented_and_nothing_else(tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws")
    with workspace.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
    schema: dict[str, list[str]] = {}
    for table, column in rows:
        schema.setdefault(table, []).append(column)
    documented = _documented()
    assert sorted(set(schema) - set(documented)) == [], "tables missing from docs/source-protection.md"
    assert sorted(set(documented) - set(schema)) == [], "docs/source-protection.md lists tables that do not exist"
    for table, columns in schema.items():
        assert documented[table] == columns, f"{table}: the documented columns differ from the schema"
