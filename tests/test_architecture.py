"""The shape holds: import contracts, no import circles, the formatter, the linter and the type checker.

Each runs the real tool on the real tree (the same command a developer would type), so
`python -m pytest` is the one command that checks everything CI checks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "commands", "analytics")


def _tool(name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name(name)
    return subprocess.run([str(executable), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_import_contracts_hold():
    result = _tool("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 8 kept, 0 broken." in result.stdout


def import_circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself): Tarjan."""
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in graph.modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges.get(module, []):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1 or module in edges.get(module, []):
                circles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return circles


def test_no_import_circles():
    graph = grimp.build_graph(*PACKAGES)  # imports inside functions count too
    assert import_circles(graph) == []


def test_the_circle_finder_finds_a_circle(tmp_path, monkeypatch):
    for name, imports in {"a": "import circle.b", "b": "import circle.c", "c": "import circle.a", "d": "import circle.a"}.items():
        package = tmp_path / "circle"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
        (package / f"{name}.py").write_text(imports + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circle")
    graph_modules = {m for m in graph.modules if m.startswith("circle.")}
    assert graph_modules == {"circle.a", "circle.b", "circle.c", "circle.d"}
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("circle",))
    assert import_circles(graph) == [["circle.a", "circle.b", "circle.c"]]


def test_formatted():
    result = _tool("ruff", "format", "--check", *PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_linted():
    result = _tool("ruff", "check", *PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_typed():
    result = _tool("mypy", "--no-error-summary", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
