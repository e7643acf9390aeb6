"""A portfolio's books are trials with a matched null and a verdict record, like each ticker's variants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.null import simulate_book_null
from alphacheck.backtest.portfolio_evaluate import evaluate_portfolio
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import BacktestConfig

TICKERS = ["AAA", "BBB", "CCC", "DDD"]


def test_a_book_null_moves_its_rebalances_together_by_hand() -> None:
    dates = pd.bdate_range("2021-01-04", periods=12)
    rows = np.arange(12 * 2, dtype="float64").reshape(12, 2)
    targets = pd.DataFrame(rows, index=dates, columns=["A", "B"])
    targets.iloc[1::2] = np.nan  # rebalanced every other date
    seen = {}

    def simulate(books):
        seen.update(books)
        n = len(dates)
        frame = pd.DataFrame({b: np.linspace(-0.01, 0.01, n) for b in books}, index=dates)
        return type("Sim", (), {"net_return": frame, "traded": frame.abs(), "gross_exposure": frame + 1})

    null = simulate_book_null(targets, 3, seed=5, name="m", simulate=simulate)
    rebalance_rows = [0, 2, 4, 6, 8, 10]
    for i, k in enumerate(null.offsets):
        book = seen[f"null_{i}"].to_numpy()
        for j, row in enumerate(rebalance_rows):  # the j-th rebalance holds the (j - k)-th one's weights
            source = rebalance_rows[(j - k) % len(rebalance_rows)]
            assert book[row].tolist() == rows[source].tolist()
        assert np.isnan(book[1::2]).all()  # the schedule is the book's own
    assert null.offsets.min() >= 1 and null.offsets.max() <= 5 and len(null.sharpe) == 3


@pytest.fixture
def books(hand_prices):
    prices = {t: hand_prices(330, seed=40 + i) for i, t in enumerate(TICKERS)}
    dates = prices[TICKERS[0]].index[:320]
    rng = np.random.default_rng(2)
    rows = []
    for variant in ("m", "n"):
        for t in TICKERS:
            proba = np.repeat(rng.uniform(0.2, 0.8, 32), 10)
            rows.append(pd.DataFrame({"date": dates, "ticker": t, "variant": variant, "fold": 0, "proba": proba}))
    predictions = pd.concat(rows, ignore_index=True).assign(label=0)
    config = BacktestConfig(bootstrap_reps=200, null_draws=60, trials=3)
    portfolio = PortfolioConfig(selection="top_k", k=2)
    return evaluate_portfolio(predictions, prices, config, portfolio, seed=9)


def test_books_are_trials_with_a_matched_null_and_a_record(books) -> None:
    # deflated by each other and by the declared search; the benchmarks are not trials
    assert (books.trials.in_run, books.trials.declared, books.trials.counted) == (2, 3, 5)
    for variant in ("m", "n"):
        assert 0 < books.metrics[variant]["dsr"] < books.metrics[variant]["psr"] < 1
    for benchmark in ("equal_weight", "equal_weight_hold"):
        assert not {"psr", "dsr"} & set(books.metrics[benchmark])
    # the null shifts each book's rebalances: it trades as much as the book
    for variant in ("m", "n"):
        null = books.matched_null[variant]
        assert (null["draws"], null["seed"]) == (60, 9)
        assert abs(null["null_turnover_mean"] / null["turnover"] - 1) < 0.20
        record = books.records[("portfolio", variant)]
        assert record.benchmark_name == "equal_weight" and record.classification is None
        assert record.cost_bps == 10.0 and record.n_predictions == 320
        np.testing.assert_array_equal(record.returns, books.returns[variant].to_numpy())
        np.testing.assert_array_equal(record.benchmark_returns, books.returns["equal_weight"].to_numpy())
