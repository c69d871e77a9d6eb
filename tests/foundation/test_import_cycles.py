"""No import cycle among the modules of one stage folder, counting imports inside functions too.

Import-linter's layer contract sees cycles between folders; a cycle inside a folder (``pipeline/``: claims →
entries → reports → claims, fixed by moving ``gazetteer`` to ``places``) hides behind function-level imports
and makes the wiring impossible to read. This test walks every ``import`` statement in the source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "airpicture"


def module_graph(folder: Path) -> dict[str, set[str]]:
    """Sibling module → sibling modules it imports anywhere in its body (``airpicture.<folder>.<module>``)."""
    prefix = f"airpicture.{folder.name}."
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        edges = graph.setdefault(path.stem, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith(prefix)]
            for name in names:
                sibling = name.removeprefix(prefix).split(".")[0]
                if sibling != path.stem:
                    edges.add(sibling)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(node: str, stack: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*stack, nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_stage_folder_has_an_import_cycle() -> None:
    cycles = {}
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        if cycle := find_cycle(module_graph(folder)):
            cycles[folder.name] = " → ".join(cycle)
    assert not cycles, f"import cycles inside stage folders: {cycles}"
