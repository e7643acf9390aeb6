"""run_backtest: the one backtest of evaluation, stress windows and shocks, checked by hand on 5 bars.

Accounting as in test_engine.py: a long order at fill price P with fees F and
slippage S per side buys ``cash / (1 + F) / (P (1 + S))`` shares (all the cash
goes in) and a sell receives ``shares * P (1 - S) (1 - F)``. The variant below
says long, flat, long on the first three days: filled at the next opens (101,
then out at 103, in again at 102 and out at 104).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.strategies import SWEEP_LEVELS, CostOverride, decisions, run_backtest
from alphacheck.scenarios.schema import BacktestConfig

OPEN = [100.0, 101.0, 103.0, 102.0, 104.0]
CLOSE = [100.5, 102.0, 102.5, 103.0, 105.0]
CASH = 1000.0
CONFIG = BacktestConfig(
    fees_bps=10.0, slippage_bps=5.0, init_cash=CASH, cost_levels_bps=[0.0, 20.0], random_draws=2
)


def five_bars(scale: float = 1.0) -> pd.DataFrame:
    dates = pd.bdate_range("2021-03-01", periods=5, name="date")
    frame = pd.DataFrame({"open": OPEN, "close": CLOSE}, index=dates) * scale
    frame["high"] = frame[["open", "close"]].max(axis=1) + 1
    frame["low"] = frame[["open", "close"]].min(axis=1) - 1
    frame["volume"] = 1e6
    return frame


def rows(ticker: str = "T", proba=(0.7, 0.3, 0.8), label=(1, 0, 1), variant: str = "v") -> pd.DataFrame:
    dates = five_bars().index[:3]
    return pd.DataFrame(
        {"date": dates, "ticker": ticker, "variant": variant, "fold": [0, 0, 1], "proba": proba,
         "label": label}
    )


def long_flat_long(fees: float, slip: float) -> list[float]:
    """Equity at each close of the long, flat, long strategy, worked by hand."""
    shares = CASH / (1 + fees) / (101 * (1 + slip))
    cash = shares * 103 * (1 - slip) * (1 - fees)
    shares2 = cash / (1 + fees) / (102 * (1 + slip))
    return [CASH, shares * 102, cash, shares2 * 103, shares2 * 104 * (1 - slip) * (1 - fees)]


def test_the_variant_trades_at_the_configured_costs_and_buy_and_hold_for_free() -> None:
    bt = run_backtest(rows(), {"T": five_bars()}, CONFIG, seed=3)["T"]
    assert list(bt.sim.net_return.columns) == ["v", "always_long", "buy_and_hold", "random_0", "random_1"]
    np.testing.assert_allclose(bt.sim.equity["v"], long_flat_long(0.001, 0.0005), rtol=1e-12)
    shares = CASH / 101
    held = [CASH, shares * 102, shares * 102.5, shares * 103, shares * 104]
    np.testing.assert_allclose(bt.sim.equity["buy_and_hold"], held, rtol=1e-12)
    np.testing.assert_array_equal(bt.random_proba, np.random.default_rng(3).uniform(0.0, 1.0, size=(2, 3)))


def test_the_cost_sweep_is_a_variant_by_level_multiindex_charged_as_fees() -> None:
    bt = run_backtest(rows(), {"T": five_bars()}, CONFIG)["T"]
    assert list(bt.sweep.net_return.columns) == [("v", 0.0), ("v", 20.0)]
    assert tuple(bt.sweep.net_return.columns.names) == SWEEP_LEVELS
    np.testing.assert_allclose(bt.sweep.equity[("v", 0.0)], long_flat_long(0.0, 0.0), rtol=1e-12)
    np.testing.assert_allclose(bt.sweep.equity[("v", 20.0)], long_flat_long(0.002, 0.0), rtol=1e-12)
    assert len(bt.sweep.trade_pnl[("v", 20.0)]) == 2


def test_tickers_simulated_together_keep_their_own_columns() -> None:
    """Two tickers on the same dates go through one vectorbt call; prices x2 give the same returns."""
    predictions = pd.concat([rows("A"), rows("B")], ignore_index=True)
    both = run_backtest(predictions, {"A": five_bars(), "B": five_bars(2.0)}, CONFIG)
    assert list(both) == ["A", "B"]
    for ticker in both:
        np.testing.assert_allclose(both[ticker].sim.equity["v"], long_flat_long(0.001, 0.0005), rtol=1e-12)
        swept = both[ticker].sweep.equity[("v", 20.0)]
        np.testing.assert_allclose(swept, long_flat_long(0.002, 0.0), rtol=1e-12)
        assert set(both[ticker].sweep.trade_pnl) == {("v", 0.0), ("v", 20.0)}


def test_a_cost_override_replaces_the_configured_costs_of_the_variants_only() -> None:
    bt = run_backtest(
        rows(), {"T": five_bars()}, CONFIG, CostOverride(fees_bps=30.0), baselines=False, cost_sweep=False
    )["T"]
    assert list(bt.sim.net_return.columns) == ["v", "buy_and_hold"]
    assert bt.sweep is None and bt.random_proba.shape == (0, 3)
    np.testing.assert_allclose(bt.sim.equity["v"], long_flat_long(0.003, 0.0005), rtol=1e-12)
    assert bt.sim.costs_cash["buy_and_hold"].sum() == 0
    assert CostOverride(slippage_bps=7.0).resolve(CONFIG) == (10.0, 7.0)


def test_score_reads_the_strategy_signal_and_its_window() -> None:
    bt = run_backtest(rows(label=(1, 1, 0)), {"T": five_bars()}, CONFIG)["T"]
    whole = bt.score("v")
    assert whole["accuracy"] == pytest.approx(1 / 3)  # says up, flat(down), up against up, up, down
    assert whole["n_predictions"] == 3 and whole["n_bars"] == 5
    assert whole["total_return"] == pytest.approx(long_flat_long(0.001, 0.0005)[-1] / CASH - 1, rel=1e-12)
    first_fold = bt.score("v", np.array([True, True, False]), np.array([True, True, True, False, False]))
    assert first_fold["n_predictions"] == 2 and first_fold["n_bars"] == 3
    assert bt.score("always_long")["accuracy"] == pytest.approx(2 / 3)
    assert np.isnan(bt.score("buy_and_hold")["accuracy"])


def test_decisions_pivot_one_row_per_date() -> None:
    both = pd.concat([rows(), rows(variant="w", proba=(0.1, 0.2, 0.3))], ignore_index=True)
    decided = decisions(both.sample(frac=1.0, random_state=0))
    assert decided.variants == ["v", "w"]
    assert decided.proba["w"].tolist() == [0.1, 0.2, 0.3]
    assert decided.label.tolist() == [True, False, True]
    assert decided.fold.tolist() == [0, 0, 1]
    assert decisions(both.drop(columns="fold")).fold is None
