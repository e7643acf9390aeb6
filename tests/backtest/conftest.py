"""Fixtures of the backtest tests: hand-made price paths and a book simulated in a plain loop.

``reference_book`` is the accounting of a book with shared cash written out
as a loop, independent of vectorbt: on each bar the book is valued at the
fill prices (each ticker's latest, for a ticker without a bar); every order
due on the bar goes to its target weight of that value, sells before buys
(orders sorted by the value they trade, lowest first); a buy pays
``price (1 + slippage)`` per share plus ``fees`` of that and the fixed fee, and
when the cash does not cover it, the cash left buys what it can; a sale
receives ``price (1 - slippage)`` per share less fees, and is not made when
that does not cover the fixed fee (a tiny rebalancing sale). A weight decided
at the close of a date is sent on the ticker's next own bar; after the last decision
every position is closed on the ticker's second bar after it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

TOL = 1e-9  # vectorbt's own tolerance when a buy needs exactly the cash left


def hand_prices(n: int = 40, seed: int = 0, start: str = "2021-03-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(start, periods=n, name="date")
    close = 50 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.01, n))
    frame = pd.DataFrame({"open": open_, "close": close}, index=dates)
    frame["high"] = frame[["open", "close"]].max(axis=1) * 1.01
    frame["low"] = frame[["open", "close"]].min(axis=1) * 0.99
    frame["volume"] = 1e6
    return frame


def reference_book(prices, targets, execution, fees, slippage, fixed, cash0):
    """Equity at each close and cash after each bar's orders, in a plain loop."""
    column = "open" if execution == "next_open" else "close"
    tickers = list(targets.columns)
    decisions = targets.index
    bars = sorted({d for t in tickers for d in prices[t].index if d >= decisions[0]})
    orders = {}  # (bar, ticker) -> target
    for t in tickers:
        own = list(prices[t].index)
        for d in decisions:
            later = [b for b in own if b > d]
            if np.isfinite(targets.at[d, t]):
                orders[(later[0], t)] = targets.at[d, t]  # a later decision on the same bar wins
        closing = [b for b in own if b > decisions[-1]][1]
        orders[(closing, t)] = 0.0
    end = max(b for b, _ in orders)
    bars = [b for b in bars if b <= end]
    cash, shares = cash0, dict.fromkeys(tickers, 0.0)
    mark, last_close = {}, {}
    equity, cash_path = [], []
    for bar in bars:
        for t in tickers:
            if bar in prices[t].index:
                mark[t] = prices[t].at[bar, column]
        value = cash + sum(shares[t] * mark[t] for t in tickers if shares[t] != 0)
        due = [t for t in tickers if (bar, t) in orders and bar in prices[t].index]
        due.sort(key=lambda t: orders[(bar, t)] * value - shares[t] * mark[t])
        for t in due:
            delta = orders[(bar, t)] * value / mark[t] - shares[t]
            if abs(delta) <= 1e-12:
                continue
            if delta > 0:
                price = mark[t] * (1 + slippage)
                need = delta * price * (1 + fees) + fixed
                if need > cash and abs(need - cash) > TOL * max(need, cash):
                    delta = (cash - fixed) / (1 + fees) / price
                    need = cash
                cash -= need
            else:
                proceeds = -delta * mark[t] * (1 - slippage) * (1 - fees) - fixed
                if proceeds < 0:
                    continue  # a sale that does not pay its own fees is not made
                cash += proceeds
            shares[t] += delta
        for t in tickers:
            if bar in prices[t].index:
                last_close[t] = prices[t].at[bar, "close"]
        equity.append(cash + sum(shares[t] * last_close[t] for t in tickers if shares[t] != 0))
        cash_path.append(cash)
    index = pd.DatetimeIndex(bars, name="date")
    return pd.Series(equity, index=index), pd.Series(cash_path, index=index)


@pytest.fixture(name="hand_prices")
def hand_prices_fixture():
    """The price-path maker: ``hand_prices(n, seed, start)``."""
    return hand_prices


@pytest.fixture(name="reference_book")
def reference_book_fixture():
    """The plain-loop book: ``reference_book(prices, targets, execution, fees, slippage, fixed, cash0)``."""
    return reference_book
