"""vectorbt simulation against hand-worked 5-bar examples and an independent numpy loop.

Accounting worked by hand: an order to a target weight w at fill price P buys
or sells ``w * equity / P - shares`` shares, equity valued at P. Buying pays
``P (1 + slippage)`` per share plus ``fees`` of that and a fixed fee; when the
cash does not cover it, all the cash goes in: ``(cash - fixed) / (1 + fees)``
buys at ``P (1 + slippage)``. Selling receives ``P (1 - slippage)`` per share
less the fees. Equity at each close is ``cash + shares * close``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.engine import simulate_weights
from alphacheck.backtest.positions import direction_from_proba, position_weights, trailing_volatility
from alphacheck.data.prices import normalise_ohlcv

OPEN = [100.0, 101.0, 103.0, 102.0, 104.0]
CLOSE = [100.5, 102.0, 102.5, 103.0, 105.0]
FEES, SLIP, FIXED, CASH = 0.001, 0.0005, 1.0, 1000.0


def five_bars() -> pd.DataFrame:
    dates = pd.bdate_range("2021-03-01", periods=5, name="date")
    frame = pd.DataFrame({"open": OPEN, "close": CLOSE}, index=dates)
    frame["high"] = frame[["open", "close"]].max(axis=1) + 1
    frame["low"] = frame[["open", "close"]].min(axis=1) - 1
    frame["volume"] = 1e6
    return frame


def run_policy(policy: str, proba: list[float]) -> pd.Series:
    prices = five_bars()
    direction = direction_from_proba(np.array(proba), policy)
    weights = pd.DataFrame({"s": position_weights(direction)}, index=prices.index[:3])
    sim = simulate_weights(prices, weights, "next_open", FEES * 1e4, SLIP * 1e4, FIXED, CASH)
    return sim.equity["s"], sim


def test_long_only_by_hand() -> None:
    equity, sim = run_policy("long_only", [0.7, 0.3, 0.8])  # long bar 1, flat bar 2, long bar 3, closed bar 4
    shares = (CASH - FIXED) / (1 + FEES) / (101 * (1 + SLIP))
    cash = shares * 103 * (1 - SLIP) * (1 - FEES) - FIXED
    shares2 = (cash - FIXED) / (1 + FEES) / (102 * (1 + SLIP))
    final = shares2 * 104 * (1 - SLIP) * (1 - FEES) - FIXED
    expected = [CASH, shares * 102, cash, shares2 * 103, final]
    np.testing.assert_allclose(equity.to_numpy(), expected, rtol=1e-12)
    assert sim.position["s"].tolist() == [0, 1, 0, 1, 0]
    assert len(sim.trade_pnl["s"]) == 2


def test_short_only_by_hand() -> None:
    equity, _ = run_policy("short_only", [0.3, 0.7, 0.2])  # short bar 1, flat bar 2, short bar 3
    n1 = CASH / 101
    cash1 = CASH + n1 * 101 * (1 - SLIP) * (1 - FEES) - FIXED
    cash2 = cash1 - n1 * 103 * (1 + SLIP) * (1 + FEES) - FIXED
    n2 = cash2 / 102
    cash3 = cash2 + n2 * 102 * (1 - SLIP) * (1 - FEES) - FIXED
    final = cash3 - n2 * 104 * (1 + SLIP) * (1 + FEES) - FIXED
    expected = [CASH, cash1 - n1 * 102, cash2, cash3 - n2 * 103, final]
    np.testing.assert_allclose(equity.to_numpy(), expected, rtol=1e-12)


def test_long_short_by_hand() -> None:
    equity, _ = run_policy("long_short", [0.7, 0.2, 0.8])  # long, flip short, flip long, close
    n1 = (CASH - FIXED) / (1 + FEES) / (101 * (1 + SLIP))
    sell = 2 * n1  # from +n1 to -(equity at 103) / 103 = -n1
    cash2 = sell * 103 * (1 - SLIP) * (1 - FEES) - FIXED
    # Buying back n1 and going long (cash2 - n1 * 102) / 102 needs more cash than there is: all cash goes in.
    bought = (cash2 - FIXED) / (1 + FEES) / (102 * (1 + SLIP))
    n3 = bought - n1
    final = n3 * 104 * (1 - SLIP) * (1 - FEES) - FIXED
    expected = [CASH, n1 * 102, cash2 - n1 * 102.5, n3 * 103, final]
    np.testing.assert_allclose(equity.to_numpy(), expected, rtol=1e-12)


def test_costs_split_gross_from_net() -> None:
    _, sim = run_policy("long_only", [0.7, 0.3, 0.8])
    shares = (CASH - FIXED) / (1 + FEES) / (101 * (1 + SLIP))
    # bar 1: fixed fee + fees + slippage on the buy, over the equity at the start of the bar
    fee_cash = CASH - FIXED - shares * 101 * (1 + SLIP) + FIXED
    slip_cash = shares * 101 * SLIP
    assert sim.cost["s"].iloc[1] == pytest.approx((fee_cash + slip_cash) / CASH, rel=1e-9)
    np.testing.assert_allclose(sim.gross_return["s"] - sim.cost["s"], sim.net_return["s"], rtol=0, atol=1e-15)
    assert sim.cost["s"].iloc[0] == 0


def numpy_equity(open_, close, weights, fees, slip, fixed, cash) -> np.ndarray:
    """Independent loop: fill the weight decided at bar j-1 at the open of bar j."""
    shares, equity = 0.0, np.empty(len(close))
    previous = 0.0
    for j in range(len(close)):
        target = weights[j - 1] if 0 < j <= len(weights) else 0.0
        if j > 0 and target != previous:
            price = open_[j]
            want = target * (cash + shares * price) / price - shares
            if want > 0:
                paid = want * price * (1 + slip)
                if paid * (1 + fees) + fixed <= cash:
                    cash -= paid * (1 + fees) + fixed
                else:
                    want = (cash - fixed) / (1 + fees) / (price * (1 + slip))
                    cash = 0.0
            else:
                cash += -want * price * (1 - slip) * (1 - fees) - fixed
            shares += want
            previous = target
        equity[j] = cash + shares * close[j]
    return equity


@pytest.mark.parametrize("policy,sizing", [("long_short", "volatility"), ("long_only", "fixed")])
def test_vectorbt_equity_matches_numpy_loop_on_real_data(shared_yahoo_dir, policy, sizing) -> None:
    raw = pd.read_csv(shared_yahoo_dir / "SPY.csv", index_col="Date", parse_dates=True)
    prices = normalise_ohlcv(raw, "SPY")
    rng = np.random.default_rng(7)
    decisions = prices.index[30:-2]
    direction = direction_from_proba(rng.uniform(size=len(decisions)), policy, 0.55, 0.45, "hold", 3)
    volatility = (
        trailing_volatility(prices["close"], 20).reindex(decisions).to_numpy()
        if sizing == "volatility"
        else None
    )
    weights = position_weights(direction, volatility, 0.8, 0.15, 1.0)
    sim = simulate_weights(
        prices, pd.DataFrame({"s": weights}, index=decisions), "next_open", 3.0, 2.0, 1.5, 1e5
    )
    bars = prices.iloc[30:]
    expected = numpy_equity(bars["open"].to_numpy(), bars["close"].to_numpy(), weights, 3e-4, 2e-4, 1.5, 1e5)
    assert (np.diff(weights) != 0).sum() > 50  # many trades, so the check has teeth
    np.testing.assert_allclose(sim.equity["s"].to_numpy(), expected, rtol=1e-9)
    compounded = 1e5 * np.cumprod(1 + sim.net_return["s"].to_numpy())
    np.testing.assert_allclose(compounded, expected, rtol=1e-9)


def test_next_close_fills_at_the_next_close() -> None:
    prices = five_bars()
    weights = pd.DataFrame({"s": [1.0, 1.0, 1.0]}, index=prices.index[:3])
    sim = simulate_weights(prices, weights, "next_close", 0.0, 0.0, 0.0, CASH)
    shares = CASH / CLOSE[1]
    expected = [CASH, CASH, shares * CLOSE[2], shares * CLOSE[3], shares * CLOSE[4]]
    np.testing.assert_allclose(sim.equity["s"].to_numpy(), expected, rtol=1e-12)


def test_many_cost_levels_in_one_call() -> None:
    prices = five_bars()
    weights = pd.DataFrame({"cheap": [1.0, 0.0, 1.0], "dear": [1.0, 0.0, 1.0]}, index=prices.index[:3])
    sim = simulate_weights(prices, weights, "next_open", np.array([0.0, 50.0]), 0.0, 0.0, CASH)
    free = CASH / 101 * 103 / 102 * 104
    assert sim.equity["cheap"].iloc[-1] == pytest.approx(free, rel=1e-12)
    assert sim.equity["dear"].iloc[-1] == pytest.approx(free * (1 - 0.005) ** 2 / (1 + 0.005) ** 2, rel=1e-12)


@pytest.mark.parametrize("weight", [0.5, -0.5])
def test_position_is_the_exposure_held_at_each_close(weight) -> None:
    # Entered at the open of bar 1, closed at the open of bar 4, no costs: the exposure drifts with the close.
    prices = five_bars()
    weights = pd.DataFrame({"s": [weight] * 3}, index=prices.index[:3])
    sim = simulate_weights(prices, weights, "next_open", 0.0, 0.0, 0.0, CASH)
    shares = weight * CASH / OPEN[1]
    cash = CASH - shares * OPEN[1]
    held = [0.0] + [shares * CLOSE[j] / (cash + shares * CLOSE[j]) for j in (1, 2, 3)] + [0.0]
    np.testing.assert_allclose(sim.position["s"].to_numpy(), held, rtol=1e-12, atol=1e-15)
    assert sim.position["s"].iloc[1] != sim.position["s"].iloc[3]  # it is not the constant target weight
    assert sim.target["s"].tolist() == [0.0, weight, weight, weight, 0.0]


@pytest.mark.parametrize("weight", [1.5, -1.5])
def test_weights_beyond_one_are_refused_on_both_sides(weight) -> None:
    # vectorbt caps a buy at the cash there is: a long 1.5 would fill at 1.0 while a short 1.5 fills in full.
    prices = five_bars()
    weights = pd.DataFrame({"s": [weight, 0.0, 0.0]}, index=prices.index[:3])
    with pytest.raises(ValueError, match=r"column 's' asks for a weight of [-]?1.5.*cannot borrow cash"):
        simulate_weights(prices, weights, "next_open", 0.0, 0.0, 0.0, CASH)


def test_position_is_kept_through_bars_that_are_not_decision_dates() -> None:
    # Decisions on bars 0 and 2 (bar 1 is a day another ticker did not trade): the long is held through bar 2.
    prices = five_bars()
    weights = pd.DataFrame({"s": [1.0, 1.0]}, index=prices.index[[0, 2]])
    sim = simulate_weights(prices, weights, "next_open", 0.0, 0.0, 0.0, CASH)
    shares = CASH / OPEN[1]
    expected = [CASH, shares * CLOSE[1], shares * CLOSE[2], shares * CLOSE[3], shares * OPEN[4]]
    np.testing.assert_allclose(sim.equity["s"].to_numpy(), expected, rtol=1e-12)
    assert len(sim.trade_pnl["s"]) == 1
    assert sim.target["s"].tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
