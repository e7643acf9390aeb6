"""Volatility sizing reads the volatility it is given (the shocks pass each fold's own path)."""

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.positions import trailing_volatility
from alphacheck.backtest.strategies import run_backtest, sizing_volatility
from alphacheck.scenarios.schema import BacktestConfig
from tests.conftest import synthetic_prices

PRICES = synthetic_prices(80, seed=9)
CONFIG = BacktestConfig(
    sizing="volatility", volatility_days=10, target_volatility=0.1, fees_bps=0, slippage_bps=0
)


def _rows():
    dates = PRICES.index[20:60]
    return pd.DataFrame({"date": dates, "ticker": "T", "variant": "m", "proba": 0.9, "label": 1})


def test_sizing_volatility_is_the_trailing_volatility_of_the_closes():
    expected = trailing_volatility(PRICES["close"], 10)
    pd.testing.assert_series_equal(sizing_volatility(PRICES, CONFIG), expected)


def test_a_given_volatility_replaces_the_one_read_from_the_prices():
    given = pd.Series(0.4, index=PRICES.index)  # target 10% / 40% = a quarter of equity
    bt = run_backtest(
        _rows(), {"T": PRICES}, CONFIG, baselines=False, cost_sweep=False, volatility={"T": given}
    )
    assert bt["T"].sim.target["m"].max() == pytest.approx(0.25, abs=1e-12)
    own = run_backtest(_rows(), {"T": PRICES}, CONFIG, baselines=False, cost_sweep=False)
    first_vol = trailing_volatility(PRICES["close"], 10).loc[PRICES.index[20]]
    assert own["T"].sim.target["m"].max() == pytest.approx(min(0.1 / first_vol, 1.0), abs=1e-12)
    assert not np.isclose(0.25, min(0.1 / first_vol, 1.0))
