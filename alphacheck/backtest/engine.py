"""Predictions to trades with vectorbt: the only module that imports vectorbt.

A signal decided at the close of date t is filled at the next bar, at its open
(``next_open``) or its close (``next_close``): a price that exists only after
the signal is known. Fees and slippage are charged per side in basis points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphacheck.features.labels import EXECUTIONS, label_horizon

__all__ = ["BacktestResult", "simulate"]


@dataclass
class BacktestResult:
    """Per-bar returns (close to close, compounded by vectorbt) and the trades."""

    returns: pd.Series
    position: pd.Series
    n_trades: int
    win_rate: float


def simulate(
    prices: pd.DataFrame,
    signal: pd.Series,
    execution: str = "next_open",
    fees_bps: float = 0.0,
    slippage_bps: float = 0.0,
    init_cash: float = 100_000.0,
) -> BacktestResult:
    """Simulate a long/flat strategy from a 0/1 signal on consecutive dates.

    Parameters
    ----------
    prices
        Prices frame of the ticker (Prices convention).
    signal
        1 for long, 0 for flat, indexed by the dates the signal was decided on.
    execution
        ``next_open`` or ``next_close``.
    fees_bps, slippage_bps
        Cost per side, in basis points of the traded value.
    init_cash
        Starting equity.

    Returns
    -------
    BacktestResult
        Returns from the first signal date until the last position is closed,
        ``label_horizon`` bars after the last signal.
    """
    import vectorbt as vbt

    first = prices.index.get_loc(signal.index[0])
    last = prices.index.get_loc(signal.index[-1]) + label_horizon(execution)
    if last >= len(prices):
        raise ValueError("prices end before the last signal's position is closed")
    bars = prices.iloc[first : last + 1]
    decided = signal.reindex(bars.index).fillna(0.0)
    # The position held during bar j is the signal decided at the close of bar j-1.
    target = decided.shift(1).fillna(0.0).astype(bool)
    portfolio = vbt.Portfolio.from_signals(
        close=bars["close"],
        entries=target,
        exits=~target,
        price=bars[EXECUTIONS[execution]],
        fees=fees_bps / 1e4,
        slippage=slippage_bps / 1e4,
        init_cash=init_cash,
        freq="1D",
    )
    trades = portfolio.trades
    n_trades = int(trades.count())
    win_rate = float(trades.win_rate()) if n_trades else float("nan")
    returns = portfolio.returns()
    return BacktestResult(
        returns=returns.rename("return"),
        position=target.astype("int8").rename("position"),
        n_trades=n_trades,
        win_rate=win_rate if np.isfinite(win_rate) else float("nan"),
    )
