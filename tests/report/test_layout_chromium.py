"""The report's layout rules in headless Chromium at 1400 px: order, narrow tables, no sideways scroll.

The quick and default reports are the shipped scenarios' own runs (the
session's ``quick_run`` and ``default_run``, shared with the end-to-end tests
that need them anyway). A fabricated folder with 40 figures a record, and a
page built to break the rules (showing that the check can fail), complete it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from alphacheck.report.builder import build_report
from alphacheck.report.layout import MAX_COLUMNS

_spec = importlib.util.spec_from_file_location(
    "report_browser_layout", Path(__file__).with_name("browser.py")
)
browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(browser)

pytestmark = pytest.mark.slow  # Chromium: ~2-3 s a page

WIDTH = 1400


def assert_fits(page: Path) -> dict:
    """Every table fits a 1400-px window, every ``<details>`` open, and the page never scrolls sideways."""
    closed = browser.layout(page, WIDTH)
    opened = browser.layout(page, WIDTH, open_details=True)
    for state in (closed, opened):
        assert state["viewport"] <= WIDTH and state["scrollWidth"] <= state["viewport"], state
    wide = [t for t in opened["tables"] if t["right"] > opened["viewport"]]
    assert wide == [], wide
    headline = [t for t in closed["tables"] if not t["folded"]]
    assert headline and all(t["columns"] <= MAX_COLUMNS for t in headline), headline
    assert opened["details"] >= 1
    return closed


def assert_reads_top_down(order: list[str], first_table: str = "table.metrics") -> None:
    """Scenario line, then the verdict, then equity, drawdown and accuracy plots, then the tables."""
    marks = [
        "p#scenario-line.scenario",
        "section#verdict",
        "img[plots/equity.png]",
        "img[plots/drawdowns.png]",
        "img[plots/fold_accuracy.png]",
        first_table,
    ]
    positions = [order.index(mark) for mark in marks]
    assert positions == sorted(positions), dict(zip(marks, positions))


def test_quick_report_fits_and_reads_top_down(quick_run):
    run_dir, _ = quick_run
    state = assert_fits(run_dir / "index.html")
    assert_reads_top_down(state["order"])
    # the quick run links its tearsheet and puts the namesake figures beside the link
    assert "table.tearsheet_figures" in state["order"]


def test_default_report_fits_and_reads_top_down(default_run):
    run_dir, _ = default_run
    state = assert_fits(run_dir / "index.html")
    assert_reads_top_down(state["order"])
    tables = {t["cls"] for t in state["tables"]}
    assert {"metrics", "fold_accuracy", "stress", "shocks", "per_fold", "per_year"} <= tables


def test_fabricated_report_with_forty_figures_a_record_fits(run_dir):
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics["verdict"] = {
        t: {"baseline": {"label": "inconclusive", "reasons": ["too few days"], "evidence": {}}}
        for t in ("SP500", "NASDAQ")
    }
    # 40 figures a record, as a real run's metrics section has
    for ticker in metrics["metrics"].values():
        for record in ticker.values():
            record.update({f"extra_figure_number_{i}": 0.1 * i for i in range(40)})
    metrics_path.write_text(json.dumps(metrics))
    state = assert_fits(build_report(run_dir, tearsheets=False).index)
    assert_reads_top_down(state["order"])


def test_the_check_fails_on_a_table_forty_columns_wide(tmp_path):
    page = tmp_path / "wide.html"
    cells = "".join(f"<td>column_number_{i}</td>" for i in range(40))
    page.write_text(f"<!DOCTYPE html><html><head></head><body><table><tr>{cells}</tr></table></body></html>")
    state = browser.layout(page, WIDTH)
    assert state["scrollWidth"] > state["viewport"]
    with pytest.raises(AssertionError, match=r"'scrollWidth': \d+"):
        assert_fits(page)
