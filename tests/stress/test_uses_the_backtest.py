"""The stress code trades through the run's backtest and keeps no copy of it."""

from __future__ import annotations

import ast
from pathlib import Path

import alphacheck.stress

STRESS = Path(alphacheck.stress.__file__).parent
# What building a backtest takes: the engine, the position policy and sizing, a scoring window, a pivot.
BACKTEST_PARTS = {
    "simulate_weights",
    "direction_from_proba",
    "position_weights",
    "trailing_volatility",
    "Window",
    "score_window",
    "pivot",
}


def used_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    names |= {alias.name for node in imports for alias in node.names}
    return names


def test_no_stress_module_builds_its_own_backtest() -> None:
    found = {path.name: used_names(path) & BACKTEST_PARTS for path in sorted(STRESS.glob("*.py"))}
    assert {name: parts for name, parts in found.items() if parts} == {}


def test_the_stress_records_come_from_run_backtest() -> None:
    assert "run_backtest" in used_names(STRESS / "strategies.py")
