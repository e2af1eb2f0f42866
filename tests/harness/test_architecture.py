"""The import contract of ``simulator/`` (docs/architecture.md): read from the source with ``ast``,
so that an import running back up a layer, or a new import circle, fails here and not in review.

Every import counts, including those inside functions (a lazy import still ties two modules
together); only imports under ``if TYPE_CHECKING:`` are left out.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simulator"
MAX_LINES = 450

# Who may import whom, by top-level part: a part imports itself and what is listed for it.
BASE = {"simulator.core", "simulator.scenario"}
TRANSPORTS = {"simulator.transports"}
IDENTITY = {"simulator.keycloak"}
PLATFORMS = {"simulator.vantage6", "simulator.st4sd", "simulator.papi"}
HUB = {"simulator.network", "simulator.control", "simulator.faults"}
ALLOWED = {
    "simulator.core": set(),
    "simulator.scenario": {"simulator.core"},
    "simulator.transports": {"simulator.core"},
    "simulator.keycloak": BASE | TRANSPORTS,
    **{platform: BASE | TRANSPORTS | IDENTITY for platform in PLATFORMS},
    "simulator.faults": {"simulator.core"},
    "simulator.control": BASE | IDENTITY | {"simulator.faults"},
    "simulator.network": BASE | TRANSPORTS | IDENTITY | PLATFORMS | {"simulator.control",
                                                                   "simulator.faults"},
}
# import circles kept on purpose, each named with its reason (none today)
KEPT_CIRCLES: dict[frozenset[str], str] = {}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    return skipped


def _owner(name: str) -> str | None:
    """The module of ``simulator`` an imported name lives in (a submodule, or its package)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped = _type_checking_only(tree)
    names: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            subs = [f"{base}.{alias.name}" for alias in node.names]
            names += [sub for sub in subs if sub in MODULES]
            if any(sub not in MODULES for sub in subs):
                names.append(base)
    owners = {_owner(name) for name in names if name.startswith("simulator")}
    return {owner for owner in owners if owner and owner != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _part(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_the_graph_sees_the_imports_it_checks():
    # the network hub imports each platform: a graph that missed these would pass vacuously
    assert "simulator.vantage6.platform" in GRAPH["simulator.network"]
    assert "simulator.core.http" in GRAPH["simulator.transports.server"]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]


def test_no_import_circle_between_modules():
    circles = [sorted(circle) for circle in _circles(GRAPH) if circle not in KEPT_CIRCLES]
    assert circles == []


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_a_part_imports_only_the_layers_below_it(part):
    wrong = sorted(f"{module} -> {target}" for module, targets in GRAPH.items()
                   if _part(module) == part for target in targets
                   if _part(target) != part and _part(target) not in ALLOWED[part])
    assert wrong == []


def test_platforms_do_not_import_each_other():
    crossing = sorted(f"{module} -> {target}" for module, targets in GRAPH.items()
                      for target in targets
                      if _part(module) in PLATFORMS and _part(target) in PLATFORMS
                      and _part(target) != _part(module))
    assert crossing == []


def test_no_module_is_over_the_size_limit():
    long = {module: n for module, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_importing_one_part_does_not_import_the_hub():
    # the package's own __init__ is lazy, so an isolated run's entrypoint stays light
    code = ("import sys, simulator.vantage6.runtime.entrypoint, simulator.core.http; "
            "print(sorted(m for m in sys.modules if m.startswith('simulator.network')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
