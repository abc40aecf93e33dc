"""The shape of the code, checked: the layers' boundaries, small engine modules, no import
circle, and no permission decision outside the engine (docs/ARCHITECTURE.md, "Layers")."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "web", "workflows", "kinerja_cli")
MAX_ENGINE_MODULE_LINES = 500


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
            if "migrations" not in path.parts}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every project module ``name`` imports, wherever the import stands (also under
    ``TYPE_CHECKING`` and inside functions): a circle read from the source is a circle."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_project_has_no_import_circle() -> None:
    assert circles(import_graph()) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_engine_knows_nothing_of_the_web_or_the_flows() -> None:
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                assert name.split(".")[0] not in {"flask", "flask_smorest", "prefect", "web", "workflows",
                                                  "kinerja_cli"}, (path, name)


def test_engine_modules_stay_small() -> None:
    sizes = {path.name: len(path.read_text().splitlines()) for path in (ROOT / "engine").glob("*.py")}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_ENGINE_MODULE_LINES} == {}


def test_no_permission_decision_outside_the_engine() -> None:
    """Web and CLI parse, call a use case and render; refusals (403, and the 404 that hides
    another organisation's records) come from the engine. The one guard the web keeps is
    authentication (401) in web/auth.py."""
    refusals = {"Forbidden", "NotFound", "HttpNotFound", "HttpForbidden"}
    found = []
    for package in ("web", "kinerja_cli"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                raised = node.exc if isinstance(node, ast.Raise) else None
                target = raised.func if isinstance(raised, ast.Call) else raised
                if isinstance(target, ast.Name) and target.id in refusals:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "abort" \
                        and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in (403, 404):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
