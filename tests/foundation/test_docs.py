"""The docs cannot fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

from airpicture.cli.docgen import render

REPO = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current() -> None:
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == render(), "docs/cli.md is out of date: run python -m airpicture.cli.docgen > docs/cli.md"


def test_relative_links_in_docs_resolve() -> None:
    for page in [REPO / "README.md", *(REPO / "docs").rglob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists(), f"{page.relative_to(REPO)} links to missing {target}"


def test_readme_has_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install . && airpicture demo" in readme
    assert "pip install -e '.[dev]' && pytest" in readme


def test_every_registered_detector_has_a_page() -> None:
    from airpicture.detect.framework import available_detectors

    index = (REPO / "docs" / "detectors" / "README.md").read_text(encoding="utf-8")
    for name in available_detectors():
        assert (REPO / "docs" / "detectors" / f"{name}.md").is_file(), f"docs/detectors/{name}.md is missing"
        assert f"`{name}`" in index, f"docs/detectors/README.md does not list {name}"
