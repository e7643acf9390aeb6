"""The shipped portfolio_demo scenario end to end, offline: the embedded indices, and four imported Yahoo tickers
with two variants (which also checks their verdicts, issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.backtest.test_verdict_end_to_end import check_printed_and_stored

YAHOO = ["SPY", "AAPL", "MSFT", "XBI"]
VARIANTS = ("baseline", "lightweight")


def _run(args: list[str], home, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "ALPHACHECK_HOME": str(home), "ALPHACHECK_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "alphacheck", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=900,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`alphacheck run portfolio_demo` as shipped, tracked to a fresh sqlite store."""
    tmp = tmp_path_factory.mktemp("portfolio_demo")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    proc = _run(
        ["run", "portfolio_demo", "--device", "cpu", "-o", str(tmp / "run"), "--tracking-uri", uri],
        tmp / "home",
        tmp,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / "run", uri, proc


def check_books(run_dir, n_tickers: int, k: int, variants: tuple[str, ...] = ("baseline",)) -> dict:
    """The books' files agree with metrics.json and with the portfolio block; returns the portfolio section."""
    metrics = json.loads((run_dir / "metrics.json").read_text())["portfolio"]
    frame = pd.read_parquet(run_dir / "portfolio.parquet")
    assert list(frame.columns) == [
        "date", "strategy", "gross_return", "cost", "net_return", "gross_exposure", "n_positions", "turnover"
    ]  # fmt: skip
    assert set(frame["strategy"]) == {*variants, "equal_weight", "equal_weight_hold"}
    for strategy, rows in frame.groupby("strategy"):
        compounded = np.prod(1.0 + rows["net_return"].to_numpy()) - 1.0
        assert compounded == pytest.approx(metrics[strategy]["total_return"], rel=1e-9, abs=1e-12)
    weights = pd.read_parquet(run_dir / "portfolio_weights.parquet")
    assert list(weights.columns) == ["date", "strategy", "ticker", "weight"]
    held = weights.groupby(["strategy", "date"])["ticker"].nunique()
    assert all(held[variant].max() == k for variant in variants) and held["equal_weight"].max() == n_tickers
    assert (weights["weight"] > 0).all()  # long only
    return metrics


@pytest.mark.slow
def test_the_demo_runs_offline_on_the_embedded_indices(demo_run):
    run_dir, _, proc = demo_run
    metrics = check_books(run_dir, n_tickers=2, k=1)
    assert metrics["baseline"]["max_weight"] <= 1.0 + 1e-9 and metrics["equal_weight"]["herfindahl"] < 0.51
    everything = json.loads((run_dir / "metrics.json").read_text())
    assert set(everything["portfolio_cost_sweep"]["baseline"]["cost_bps_per_side"]) == {0, 2, 5, 10, 20, 50}
    assert "spa_vs_equal_weight" in everything["portfolio_significance"]
    assert set(everything["portfolio_stress"]["august_2015"]) == {
        "baseline",
        "equal_weight",
        "equal_weight_hold",
    }
    assert set(everything["portfolio_shocks"]) == {"costs_x2", "crash_10pct_3d"}
    # The book is judged with the per-ticker strategies, against equal weight, and counted as a trial.
    verdict = everything["verdict"]["portfolio"]["baseline"]
    assert verdict["label"] in {"edge", "no_edge", "inconclusive", "leak_suspected"}
    assert verdict["evidence"]["benchmark"] == "equal weight"
    assert everything["trials"]["in_run"] == 3 and "dsr" in everything["portfolio"]["baseline"]
    assert everything["portfolio_matched_null"]["baseline"]["draws"] == 200
    assert "portfolio baseline" in proc.stdout.split("Portfolio: one book")[0]  # the verdicts come first
    # The terminal: the per-ticker table, then the books.
    out = proc.stdout
    assert (
        out.index("buy_and_hold")
        < out.index("Portfolio: one book per variant")
        < out.index("equal_weight_hold")
    )
    page = (run_dir / "index.html").read_text()
    for image in ("portfolio_equity.png", "portfolio_exposure.png", "portfolio_weights-baseline.png"):
        assert f'src="plots/{image}"' in page and (run_dir / "plots" / image).is_file()
    tearsheet = (run_dir / "tearsheets" / "portfolio-baseline.html").read_text()
    assert "baseline portfolio" in tearsheet and "equal weight" in tearsheet
    assert 'href="tearsheets/portfolio-baseline.html"' in page


@pytest.mark.slow
def test_each_book_is_an_mlflow_child_run(demo_run):
    from mlflow import MlflowClient

    run_dir, uri, _ = demo_run
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("portfolio_demo")
    books = client.search_runs([experiment.experiment_id], "tags.`alphacheck.role` = 'portfolio'")
    assert [run.info.run_name for run in books] == ["portfolio-baseline"]
    metrics = json.loads((run_dir / "metrics.json").read_text())["portfolio"]
    logged = books[0].data.metrics
    assert logged["sharpe"] == pytest.approx(metrics["baseline"]["sharpe"])
    assert logged["equal_weight.total_return"] == pytest.approx(metrics["equal_weight"]["total_return"])
    verdict = json.loads((run_dir / "metrics.json").read_text())["verdict"]["portfolio"]["baseline"]
    assert books[0].data.tags["alphacheck.verdict"] == verdict["label"]


@pytest.mark.slow
def test_the_demo_runs_offline_on_four_imported_yahoo_tickers_and_two_variants(shared_yahoo_dir, tmp_path):
    home = tmp_path / "home"
    files = [str(shared_yahoo_dir / f"{ticker}.csv") for ticker in YAHOO]
    imported = _run(["data", "import", *files], home, tmp_path)
    assert imported.returncode == 0, imported.stderr
    # --no-report: the checks read the run folder's data, not its plots and tearsheets (about 8 s each)
    args = [
        "run", "portfolio_demo", "--device", "cpu", "--no-tracking", "--no-report", "-o", str(tmp_path / "run"),
        "--source", "yahoo", "--tickers", ",".join(YAHOO), "--start", "2018-01-02", "--end", "2023-12-29",
        "--variants", "baseline,lightweight", "--param", "portfolio.k=2", "--param", "stress.windows=[]",
    ]  # fmt: skip
    proc = _run(args, home, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = check_books(tmp_path / "run", n_tickers=4, k=2, variants=VARIANTS)
    assert metrics["baseline"]["average_positions"] == pytest.approx(2.0, abs=0.05)
    # issue 13: a 4-ticker x 2-variant Yahoo run prints and stores a verdict per ticker and variant, and per book
    check_printed_and_stored(proc.stdout, tmp_path / "run", YAHOO, list(VARIANTS), books=True)
    assert not [*(tmp_path / "run").glob("plots/*.png"), *(tmp_path / "run").glob("tearsheets/*.html")]
