"""Books with shared cash (one vectorbt call) against an independent numpy loop (see conftest.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.allocation import allocate, select
from alphacheck.backtest.engine import simulate_portfolio, simulate_weights


def decision_weights(prices, decisions, policy, selection, k, allocation, max_weight, gross, seed):
    rng = np.random.default_rng(seed)
    proba = rng.uniform(0.2, 0.8, (len(decisions), len(prices)))
    side = select(proba, policy, 0.5, 0.5, selection, k)
    weights = allocate(side, proba, None, allocation, 0.5, 0.5, max_weight, gross)
    return pd.DataFrame(weights, index=decisions, columns=list(prices))


CASES = [
    ("next_open", "long_only", "threshold", None, "equal", 1.0, 1.0),
    ("next_close", "long_only", "top_k", 2, "proba", 0.6, 1.0),
    ("next_open", "long_short", "top_k", 1, "equal", 0.5, 1.0),
    ("next_close", "long_short", "threshold", None, "proba", 0.4, 0.8),
    ("next_open", "short_only", "threshold", None, "equal", 1.0, 0.7),
]


@pytest.mark.parametrize(
    ("execution", "policy", "selection", "k", "allocation", "max_weight", "gross"), CASES
)
def test_net_returns_match_a_numpy_loop(
    execution, policy, selection, k, allocation, max_weight, gross, hand_prices, reference_book
):
    prices = {t: hand_prices(seed=i) for i, t in enumerate(["AAA", "BBB", "CCC", "DDD"])}
    decisions = prices["AAA"].index[:35]
    targets = decision_weights(prices, decisions, policy, selection, k, allocation, max_weight, gross, 3)
    fees, slippage, fixed, cash0 = 0.001, 0.0005, 0.25, 10_000.0
    sim = simulate_portfolio(prices, {"m": targets}, execution, 10.0, 5.0, fixed, cash0)
    equity, cash = reference_book(prices, targets, execution, fees, slippage, fixed, cash0)
    assert sim.net_return.index.equals(equity.index)
    expected = equity / equity.shift(1).fillna(cash0) - 1.0
    np.testing.assert_allclose(sim.net_return["m"].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(sim.cash["m"].to_numpy(), cash.to_numpy(), rtol=1e-9, atol=1e-7)
    # Compounding the bar returns gives the total return of the equity.
    total = np.prod(1 + sim.net_return["m"].to_numpy()) - 1
    assert total == pytest.approx(equity.iloc[-1] / cash0 - 1, abs=1e-12)
    # Costs split: gross - net is the cost; the cost is every order's fees and slippage over the start equity.
    np.testing.assert_allclose(sim.gross_return["m"] - sim.net_return["m"], sim.cost["m"], atol=1e-15)
    assert sim.costs_cash["m"].sum() > 0


def test_shared_cash_never_goes_negative_in_long_only(hand_prices):
    # Every date all the cash goes in, spread over the tickers that changed most: a book that would overdraw
    # if a buy were sent before the sells that pay for it, or if fees were not left for.
    prices = {t: hand_prices(60, seed=10 + i) for i, t in enumerate("ABCDEF")}
    decisions = prices["A"].index[:55]
    rng = np.random.default_rng(1)
    books = {}
    for name, k in (("k1", 1), ("k2", 2), ("k3", 3)):
        side = select(rng.uniform(0, 1, (55, 6)), "long_only", selection="top_k", k=k)
        books[name] = pd.DataFrame(allocate(side), index=decisions, columns=list(prices))
    sim = simulate_portfolio(prices, books, "next_open", 25.0, 10.0, 1.0, 1_000.0)
    assert (sim.cash.to_numpy() >= -1e-9 * 1_000.0).all()
    assert (sim.cash.to_numpy() < 0.05 * sim.equity.to_numpy()).mean() > 0.9  # it was fully invested
    assert (sim.gross_exposure.to_numpy() <= 1 + 1e-9).all()
    held = {name: (books[name] > 0).sum(axis=1).max() for name in books}
    assert {name: int(sim.n_positions[name].max()) for name in books} == held


def test_a_missing_bar_flattens_nothing(hand_prices, reference_book):
    prices = {"AAA": hand_prices(30, seed=1), "BBB": hand_prices(30, seed=2)}
    holiday = prices["BBB"].index[10]
    prices["BBB"] = prices["BBB"].drop(index=holiday)
    decisions = prices["AAA"].index[:26]
    targets = pd.DataFrame(0.5, index=decisions, columns=["AAA", "BBB"])
    sim = simulate_portfolio(prices, {"m": targets}, "next_open")
    # No order is sent on the holiday: both positions are still held through it.
    assert sim.n_positions["m"].loc[holiday] == 2
    assert sim.weights["m"].loc[holiday, "BBB"] > 0.45
    # Without costs the book's return on the holiday is AAA's half alone (BBB is valued at its last close).
    before = prices["AAA"].index[9]
    aaa = sim.weights["m"].loc[before, "AAA"] * (
        prices["AAA"].at[holiday, "close"] / prices["AAA"].at[before, "close"] - 1
    )
    assert sim.net_return["m"].loc[holiday] == pytest.approx(aaa, abs=1e-12)
    equity, _ = reference_book(prices, targets, "next_open", 0.0, 0.0, 0.0, 100_000.0)
    np.testing.assert_allclose(sim.equity["m"].to_numpy(), equity.to_numpy(), rtol=1e-12)


def test_one_ticker_book_equals_the_per_ticker_backtest(hand_prices):
    prices = hand_prices(50, seed=4)
    decisions = prices.index[:45]
    weight = (np.arange(45) // 4 % 2).astype(float)  # in and out every four days
    book = simulate_portfolio(
        {"X": prices}, {"m": pd.DataFrame({"X": weight}, index=decisions)}, "next_open", 10.0, 5.0, 1.0, 1e4
    )
    alone = simulate_weights(
        prices, pd.DataFrame({"m": weight}, index=decisions), "next_open", 10.0, 5.0, 1.0, 1e4
    )
    np.testing.assert_allclose(book.net_return["m"].to_numpy(), alone.net_return["m"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(book.cost["m"].to_numpy(), alone.cost["m"].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(
        np.sort(book.trade_pnl["m"].to_numpy()), np.sort(alone.trade_pnl["m"].to_numpy()), rtol=1e-9
    )


def test_books_are_independent_and_named_by_strategy(hand_prices):
    prices = {t: hand_prices(30, seed=20 + i) for i, t in enumerate("XYZ")}
    decisions = prices["X"].index[:25]
    full = pd.DataFrame(1 / 3, index=decisions, columns=list("XYZ"))
    half = full * 0.5
    together = simulate_portfolio(
        prices, {"full": full, "half": half}, "next_close", {"full": 10.0, "half": 0.0}
    )
    apart = simulate_portfolio(prices, {"half": half}, "next_close", 0.0)
    assert list(together.net_return.columns) == ["full", "half"]
    np.testing.assert_allclose(together.net_return["half"], apart.net_return["half"], atol=1e-15)
    assert together.cost["half"].sum() == 0 and together.cost["full"].sum() > 0
    np.testing.assert_allclose(together.gross_exposure["half"].iloc[1:-2], 0.5, atol=0.02)


def test_prices_ending_before_the_last_position_closes_are_refused(hand_prices):
    prices = {"A": hand_prices(20, seed=1), "B": hand_prices(19, seed=2)}
    targets = pd.DataFrame(0.5, index=prices["A"].index[:18], columns=["A", "B"])
    with pytest.raises(
        ValueError, match=r"B: prices end \(2021-03-25\) before the position decided on 2021-03-24"
    ):
        simulate_portfolio(prices, {"m": targets})
