"""The package's shape: no private name used across subpackages, no import cycle, heavy libraries kept apart.

Both are read from the source with ``ast``: every ``import`` anywhere in a
module counts (inside functions too, since a lazy import is still a
dependency), except those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import alphacheck

PACKAGE = Path(alphacheck.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def owner(module: str) -> str:
    """The subpackage (or top-level module) of ``alphacheck`` a module belongs to."""
    return module.split(".")[1] if module.count(".") else module


def imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement outside ``if TYPE_CHECKING:`` blocks."""
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    return [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in typing_only
    ]


def targets(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """``(local name, alphacheck module)`` for each module an import binds, or imports a name from."""
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == "alphacheck":
                found.append(((alias.asname or alias.name).split(".")[0], alias.name))
    elif node.module and node.module.split(".")[0] == "alphacheck" and node.level == 0:
        for alias in node.names:
            submodule = f"{node.module}.{alias.name}"
            found.append((alias.asname or alias.name, submodule if submodule in MODULES else node.module))
    return found


def private_uses(module: str, tree: ast.Module) -> list[str]:
    """Private names this module takes from another subpackage: imported, or read off an imported module."""
    found, modules_bound = [], {}
    for node in imports(tree):
        for local, target in targets(node):
            if owner(target) == owner(module):
                continue
            imported_name = local if isinstance(node, ast.ImportFrom) else None
            if imported_name is None or target.endswith(f".{_original(node, local)}"):
                modules_bound[local] = target  # the name is a module: its attributes are read below
            elif _private(_original(node, local)):
                found.append(f"{module}: from {node.module} import {_original(node, local)}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _private(node.attr):
            if node.value.id in modules_bound:
                found.append(f"{module}: {modules_bound[node.value.id]}.{node.attr}")
    return found


def _original(node: ast.ImportFrom, local: str) -> str:
    """The imported name behind ``local`` (``as`` undone)."""
    return next(alias.name for alias in node.names if (alias.asname or alias.name) == local)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        edges = {target for node in imports(tree) for _, target in targets(node)}
        graph[module] = {target for target in edges if target in MODULES and target != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
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


def test_no_private_name_is_used_across_subpackages():
    trees = {module: ast.parse(path.read_text()) for module, path in MODULES.items()}
    found = [use for module, tree in trees.items() for use in private_uses(module, tree)]
    assert found == []


def test_there_is_no_import_cycle():
    assert cycles(import_graph()) == []


#: Each heavy library and the only modules that import it (README "Layout").
ADAPTERS = {
    "vectorbt": {"alphacheck.backtest.engine", "alphacheck.backtest.numba_cache"},
    "quantstats": {"alphacheck.report.tearsheet"},
    "mlflow": {"alphacheck.tracking.mlflow_recorder"},
    "ray": {"alphacheck.walkforward.executors"},
    "yfinance": {"alphacheck.data.yahoo"},
    "onnxruntime": {"alphacheck.models.serving"},
    "skops": {"alphacheck.models.estimator"},
}


def importers(library: str, modules: dict[str, ast.Module]) -> set[str]:
    """The modules that import ``library`` (or one of its submodules) outside ``if TYPE_CHECKING:``."""
    found = set()
    for module, tree in modules.items():
        for node in imports(tree):
            is_import = isinstance(node, ast.Import)
            names = [alias.name for alias in node.names] if is_import else [node.module or ""]
            if any(name.split(".")[0] == library for name in names):
                found.add(module)
    return found


def test_each_heavy_library_is_imported_by_its_adapter_only():
    trees = {module: ast.parse(path.read_text()) for module, path in MODULES.items()}
    assert {library: importers(library, trees) for library in ADAPTERS} == ADAPTERS
    torch = {module.split(".")[1] for module in importers("torch", trees)}
    assert torch == {"models", "walkforward", "tracking"}  # tracking: the MLflow recorder logs the models


def test_the_checks_catch_what_they_look_for():
    """Both checks fail on a planted example: they are not vacuous."""
    planted = ast.parse(
        "from alphacheck.walkforward.folds import fit_scaler, _record as record\n"
        "from alphacheck.walkforward import folds\n"
        "def f():\n    return folds._record\n"
    )
    assert private_uses("alphacheck.stress.shocked", planted) == [
        "alphacheck.stress.shocked: from alphacheck.walkforward.folds import _record",
        "alphacheck.stress.shocked: alphacheck.walkforward.folds._record",
    ]
    assert private_uses("alphacheck.walkforward.runner", planted) == []  # inside its own subpackage
    graph = import_graph()
    graph["alphacheck.scenarios.schema"] |= {"alphacheck.scenarios.loader"}
    assert ["alphacheck.scenarios.loader", "alphacheck.scenarios.schema"] in cycles(graph)
    assert len(MODULES) > 50 and "alphacheck.pipeline" in MODULES
    planted = ast.parse("import vectorbt.portfolio as p\nif TYPE_CHECKING:\n    import ray\n")
    assert importers("vectorbt", {"alphacheck.report.plots": planted}) == {"alphacheck.report.plots"}
    assert importers("ray", {"alphacheck.report.plots": planted}) == set()
