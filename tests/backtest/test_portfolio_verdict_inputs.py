"""A book's verdict record: the costs the book pays, and the stale opens it fills at."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.backtest.portfolio_evaluate import evaluate_portfolio
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import BacktestConfig

TICKERS = ["AAA", "BBB", "CCC"]


def books_for(prices, backtest, portfolio):
    dates = prices[TICKERS[0]].index[:150]
    rng = np.random.default_rng(2)
    rows = [
        pd.DataFrame({"date": dates, "ticker": t, "variant": "m", "fold": 0, "proba": rng.uniform(0.2, 0.8, 150)})
        for t in TICKERS
    ]
    predictions = pd.concat(rows, ignore_index=True).assign(label=0)
    return evaluate_portfolio(predictions, prices, backtest, portfolio, seed=3)


def test_a_book_is_judged_at_its_own_costs_and_names_stale_opens(hand_prices) -> None:
    prices = {t: hand_prices(160, seed=50 + i) for i, t in enumerate(TICKERS)}
    stale = prices["BBB"].copy()
    stale["open"] = stale["close"].shift(1).fillna(stale["open"])  # BBB's opens copy the last close
    stale["high"] = stale[["high", "open", "close"]].max(axis=1)
    stale["low"] = stale[["low", "open", "close"]].min(axis=1)
    prices["BBB"] = stale
    backtest = BacktestConfig(bootstrap_reps=100, null_draws=20, cost_levels_bps=[0.0, 10.0])
    own_costs = PortfolioConfig(selection="top_k", k=2, fees_bps=1.0, slippage_bps=2.0)
    record = books_for(prices, backtest, own_costs).records["m"]
    assert record.cost_bps == 3.0  # not the backtest block's 5 + 5
    assert [year for year, _ in record.stale_opens] == [2021] and record.stale_opens[0][1] > 0.99
    at_close = books_for(prices, backtest.model_copy(update={"execution": "next_close"}), own_costs)
    assert at_close.records["m"].stale_opens == ()
