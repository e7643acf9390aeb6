"""The portfolio in the report and the tracking: a run folder whose books come from hand-made predictions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from alphacheck.backtest.portfolio_evaluate import evaluate_portfolio
from alphacheck.report.builder import build_report
from alphacheck.report.portfolio import format_portfolio_table
from alphacheck.rundir import PORTFOLIO_FILE, PORTFOLIO_WEIGHTS_FILE, json_safe, read_run
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import BacktestConfig
from alphacheck.tracking.record import record_run


def _prices(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2018-01-02", periods=n, name="date")
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n)))
    frame = pd.DataFrame({"open": close * np.exp(rng.normal(0, 0.002, n)), "close": close}, index=dates)
    frame["high"], frame["low"], frame["volume"] = frame.max(axis=1) * 1.01, frame.min(axis=1) * 0.99, 1e6
    return frame


@pytest.fixture
def run_with_books(run_dir):
    """The hand-made run folder plus the books of its predictions (files and metrics sections)."""
    run = read_run(run_dir)
    prices = {t: _prices(260, i) for i, t in enumerate(run.tickers)}
    config = BacktestConfig(bootstrap_reps=100, cost_levels_bps=[0.0, 10.0])
    portfolio = PortfolioConfig(selection="top_k", k=1)
    scenario = yaml.safe_load((run_dir / "config.yaml").read_text())
    (run_dir / "config.yaml").write_text(yaml.safe_dump({**scenario, "portfolio": portfolio.model_dump()}))
    book = evaluate_portfolio(run.predictions, prices, config, portfolio, seed=1)
    book.frame.to_parquet(run_dir / PORTFOLIO_FILE, index=False)
    book.weights.to_parquet(run_dir / PORTFOLIO_WEIGHTS_FILE, index=False)
    metrics = {**run.metrics, **json_safe(book.sections())}
    metrics["portfolio_stress"] = {"w": {"baseline": {"total_return": -0.05, "sharpe": -1.0, "folds": "0"}}}
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    return run_dir, book


def test_the_run_folder_reads_the_books_back(run_with_books):
    folder, book = run_with_books
    run = read_run(folder)
    pd.testing.assert_frame_equal(run.portfolio, book.frame)
    pd.testing.assert_frame_equal(run.portfolio_weights, book.weights)
    assert read_run(folder).metrics["portfolio"]["baseline"]["total_return"] == pytest.approx(
        book.metrics["baseline"]["total_return"], abs=1e-15
    )


def test_a_folder_without_books_has_none(run_dir):
    run = read_run(run_dir)
    assert run.portfolio is None and run.portfolio_weights is None


def test_the_report_draws_the_books_and_tabulates_their_sections(run_with_books):
    folder, _ = run_with_books
    files = build_report(folder, tearsheets=False)
    for title, name in [
        ("Portfolio equity and drawdown", "portfolio_equity.png"),
        ("Portfolio exposure and positions", "portfolio_exposure.png"),
        ("Portfolio weights: baseline", "portfolio_weights-baseline.png"),
    ]:
        assert (
            files.plots[title] == folder / "plots" / name and (folder / "plots" / name).stat().st_size > 5000
        )
    page = files.index.read_text()
    assert 'src="plots/portfolio_weights-baseline.png"' in page
    assert '<h3 id="portfolio">Portfolio</h3>' in page and '<h3 id="portfolio_stress">' in page
    summary = files.summary.read_text()
    assert "## Portfolio cost sweep" in summary and "| strategy | cost_bps_per_side |" in summary


def test_the_terminal_table_lists_the_books_and_both_benchmarks(run_with_books):
    _, book = run_with_books
    lines = format_portfolio_table(json_safe(book.metrics)).splitlines()
    assert lines[0].split()[:4] == ["strategy", "return", "vs_eq_w", "sharpe"]
    assert [line.split()[0] for line in lines[2:]] == ["baseline", "equal_weight", "equal_weight_hold"]
    record = book.metrics["baseline"]
    assert f"{record['total_return']:+.1%}" in lines[2] and f"{record['herfindahl']:.2f}" in lines[2]
    assert lines[3].split()[2] == "+0.0%"  # equal_weight against itself


class Recorder:
    """Keeps what each run (parent or child) was given."""

    def __init__(self):
        self.runs = {"parent": {"tags": {}, "metrics": {}, "steps": {}, "params": {}, "artifacts": []}}
        self.current = "parent"

    def start_child(self, name):
        self.current = name
        self.runs[name] = {"tags": {}, "metrics": {}, "steps": {}, "params": {}, "artifacts": []}

    def end_child(self, status="FINISHED"):
        self.current = "parent"

    def set_tags(self, tags):
        self.runs[self.current]["tags"].update(tags)

    def log_params(self, params):
        self.runs[self.current]["params"].update(params)

    def log_metrics(self, metrics):
        self.runs[self.current]["metrics"].update(metrics)

    def log_metric_steps(self, name, values):
        self.runs[self.current]["steps"].setdefault(name, []).extend(values)

    def log_artifact(self, path, folder=None):
        self.runs[self.current]["artifacts"].append(str(path))

    def log_model(self, *args, **kwargs):
        pass

    def log_dataset(self, name, digest, source):
        self.runs[self.current]["dataset"] = (name, digest, source)


def test_each_book_gets_its_own_child_run(run_with_books):
    folder, book = run_with_books
    run = read_run(folder)
    recorder = Recorder()
    record_run(recorder, run, {}, "cpu")
    child = recorder.runs["portfolio-baseline"]
    assert child["tags"] == {"alphacheck.role": "portfolio", "alphacheck.variant": "baseline"}
    assert child["params"]["portfolio.selection"] == "top_k" and child["params"]["portfolio.k"] == 1
    assert child["metrics"]["sharpe"] == pytest.approx(book.metrics["baseline"]["sharpe"])
    assert child["metrics"]["equal_weight.total_return"] == pytest.approx(
        book.metrics["equal_weight"]["total_return"]
    )
    assert child["steps"]["portfolio_stress.w.total_return"] == [(0, -0.05)]
    assert "portfolio_cost_sweep.10.sharpe" in child["steps"]
    # The per-ticker children keep to their ticker: no book figures there.
    for name in ("baseline-SP500", "baseline-NASDAQ"):
        assert not [key for key in recorder.runs[name]["steps"] if key.startswith("portfolio")]
    assert any(path.endswith("portfolio.parquet") for path in recorder.runs["parent"]["artifacts"])


@pytest.mark.parametrize(
    "which, drawn",
    [
        ("all", ["the portfolio tearsheet of baseline", "the tearsheet of baseline on NASDAQ",
                 "the tearsheet of baseline on SP500"]),
        ("variants", ["the tearsheet of baseline on NASDAQ", "the tearsheet of baseline on SP500"]),
        ("none", []),
    ],
)
def test_report_tearsheets_chooses_the_strategies_drawn(run_with_books, monkeypatch, which, drawn):
    from alphacheck.report.tearsheet_pool import TearsheetJob
    from alphacheck.scenarios import apply_overrides

    folder, _ = run_with_books
    labels = []

    def draw(job, style=None):  # quantstats' seconds are not what is tested here
        labels.append(job.label)
        job.path.parent.mkdir(parents=True, exist_ok=True)
        job.path.write_text(f"<html>{job.title}</html>")
        return job.path

    monkeypatch.setattr(TearsheetJob, "draw", draw)
    run = read_run(folder)
    run.scenario = apply_overrides(run.scenario, {"report.tearsheets": which, "report.workers": 1})
    files = build_report(run, plots=False)
    assert sorted(labels) == drawn
    page = files.index.read_text()
    assert ("tearsheets/portfolio-baseline.html" in page) is (which == "all")
    assert ("tearsheets/SP500-baseline.html" in page) is (which != "none")
