"""The books' stress windows and cost shocks, against backtests of the same rows done directly."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.portfolio import backtest_portfolio
from alphacheck.scenarios import validate_scenario
from alphacheck.stress import stress_sections

TICKERS = ["AAA", "BBB", "CCC"]


def _prices(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=120, name="date")
    close = 40 * np.exp(np.cumsum(rng.normal(0, 0.015, 120)))
    frame = pd.DataFrame({"open": close * np.exp(rng.normal(0, 0.004, 120)), "close": close}, index=dates)
    frame["high"], frame["low"], frame["volume"] = frame.max(axis=1) * 1.01, frame.min(axis=1) * 0.99, 1e6
    return frame


@pytest.fixture
def setting():
    prices = {t: _prices(i) for i, t in enumerate(TICKERS)}
    dates = prices["AAA"].index[:110]
    rng = np.random.default_rng(9)
    predictions = pd.concat(
        [
            pd.DataFrame(
                {
                    "date": dates,
                    "ticker": t,
                    "variant": "v",
                    "fold": np.repeat([0, 1], 55),
                    "proba": rng.uniform(0.3, 0.7, 110),
                }
            )
            for t in TICKERS
        ],
        ignore_index=True,
    ).assign(label=0)
    folds = [
        {"index": 0, "test_start": str(dates[0].date())},
        {"index": 1, "test_start": str(dates[55].date())},
    ]
    walk = SimpleNamespace(predictions=predictions, folds=folds, fold_models={})
    scenario = validate_scenario(
        {
            "name": "s",
            "data": {"source": "sample", "tickers": TICKERS},
            "backtest": {"fees_bps": 4, "slippage_bps": 2},
            "portfolio": {"selection": "top_k", "k": 2},
            "stress": {
                # Inside fold 1's test period: only fold 0 was trained before it, so only its rows qualify.
                "windows": [{"name": "w", "start": str(dates[40].date()), "end": str(dates[70].date())}],
                "shocks": [{"kind": "costs", "name": "x3", "cost_multiplier": 3, "extra_slippage_bps": 1}],
            },
        }
    )
    return scenario, prices, walk


def test_a_window_trades_the_qualifying_predictions_only(setting):
    scenario, prices, walk = setting
    sections = stress_sections(scenario, prices, {}, walk)
    record = sections["portfolio_stress"]["w"]
    rows = walk.predictions
    dates = pd.to_datetime(rows["date"])
    window = rows[(dates >= dates.unique()[40]) & (dates <= dates.unique()[70]) & (rows["fold"] == 0)]
    direct = backtest_portfolio(window, prices, scenario.backtest, scenario.portfolio)
    assert record["v"]["total_return"] == pytest.approx(direct.scores["v"]["total_return"], abs=1e-15)
    assert record["v"]["folds"] == "0" and record["v"]["last_date"] == str(dates.unique()[54].date())
    assert set(record) == {"v", "equal_weight", "equal_weight_hold"}
    excess = record["v"]["total_return"] - record["equal_weight"]["total_return"]
    assert record["v"]["excess_return_vs_equal_weight"] == pytest.approx(excess, abs=1e-15)
    # Whole window, walk-forward: every prediction inside it, fold 1's too.
    whole = rows[(dates >= dates.unique()[40]) & (dates <= dates.unique()[70])]
    direct = backtest_portfolio(whole, prices, scenario.backtest, scenario.portfolio)
    assert record["v"]["whole_window_total_return"] == pytest.approx(
        direct.scores["v"]["total_return"], abs=1e-15
    )
    assert record["v"]["whole_window_folds"] == "0,1"
    assert record["v"]["whole_window_last_date"] == str(dates.unique()[70].date())


def test_a_cost_shock_trades_the_books_at_the_shocked_costs(setting):
    scenario, prices, walk = setting
    shocked = stress_sections(scenario, prices, {}, walk)["portfolio_shocks"]["x3"]
    base = backtest_portfolio(walk.predictions, prices, scenario.backtest, scenario.portfolio)
    direct = backtest_portfolio(walk.predictions, prices, scenario.backtest, scenario.portfolio, 12.0, 7.0)
    assert shocked["v"]["total_return"] == pytest.approx(direct.scores["v"]["total_return"], abs=1e-15)
    change = direct.scores["v"]["total_return"] - base.scores["v"]["total_return"]
    assert shocked["v"]["total_return_change"] == pytest.approx(change, abs=1e-15) and change < 0
    assert shocked["equal_weight_hold"]["total_return_change"] == 0.0  # the held benchmark pays no costs
    assert "accuracy_change" not in shocked["v"]


def test_without_a_portfolio_block_there_are_no_portfolio_sections(setting):
    scenario, prices, walk = setting
    plain = validate_scenario({**scenario.model_dump(mode="json"), "portfolio": None})
    assert set(stress_sections(plain, prices, {}, walk)) == {"stress", "shocks"}
