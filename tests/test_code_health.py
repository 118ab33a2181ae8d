"""The layout rules of docs/ARCHITECTURE.md, checked: small modules, no import circle (so the API and
the chat page import in either order), and the engine/surface direction."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT_DIR

PACKAGE = PROJECT_DIR / "bot"
SURFACES = {"bot.cli", "bot.cli_changes", "bot.cli_compare", "bot.edge", "bot.__main__"}  # and everything under bot.web


def _module(path: Path) -> str:
    parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The bot modules a file imports (relative imports resolved; ``from . import x`` gives bot.x)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for n in ast.walk(block)}  # annotations only: not a dependency at run time
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if (PACKAGE.parent / (full.replace(".", "/") + ".py")).exists() else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m == "bot" or m.startswith("bot.")}


MODULES = {_module(p): p for p in PACKAGE.rglob("*.py")}


def test_no_module_is_over_300_lines() -> None:
    long = {name: n for name, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 300}
    assert not long


def test_the_package_has_no_import_circle() -> None:
    graph = {name: _imports(path) - {name, "bot"} for name, path in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != 1, "import circle: " + " -> ".join([*trail, node, nxt])
            if nxt in graph and not state.get(nxt):
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in sorted(graph):
        if not state.get(name):
            visit(name, [])


def test_the_engine_imports_no_surface_and_surfaces_use_the_front_door() -> None:
    for name, path in MODULES.items():
        imported = _imports(path)
        source = path.read_text(encoding="utf-8")
        surface = name in SURFACES or name.startswith("bot.web")
        if not surface:
            assert not {m for m in imported if m.startswith("bot.web") or m in SURFACES}, name
            assert "import gradio" not in source and "fastapi" not in source, name
        elif name != "bot.web.__init__":
            engine = {m for m in imported if m != "bot" and not m.startswith("bot.web") and m not in SURFACES}
            assert engine <= {"bot.edge", "bot.errors"}, f"{name} reaches past the front door: {sorted(engine)}"
