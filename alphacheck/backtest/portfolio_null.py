"""A book's matched null: its own weights across the tickers, moved in time by circular shifts.

As for a ticker's strategy (:mod:`alphacheck.backtest.null`), the question is
whether the timing of the book is worth anything. A draw shifts the whole
cross-section at once: on each rebalance date the book holds the weights it
held ``k`` decision dates earlier (modulo the number of dates), so every draw
keeps the book's weights, its number of positions, its exposure, its
rebalance dates and close to its turnover, and loses only the timing. The
draws are traded through the same simulation at the book's costs, a bounded
number of books per vectorbt call (their memory grows with the tickers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import simulate_portfolio
from alphacheck.backtest.metrics import PERIODS_PER_YEAR, sharpe_ratio
from alphacheck.backtest.null import NullDraws, circular_shifts, null_rng, shift_offsets

__all__ = ["MAX_CELLS_PER_CALL", "book_null"]

#: Bars x tickers x books simulated in one call at most (about 8 bytes each, for several arrays).
MAX_CELLS_PER_CALL = 20_000_000


def book_null(
    weights: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    execution: str,
    costs: tuple[float, float, float],
    init_cash: float,
    draws: int,
    seed: int,
    name: str,
) -> NullDraws:
    """Trade ``draws`` circular shifts of one book's weights.

    Parameters
    ----------
    weights
        The book's target weights on its rebalance dates, ``NaN`` on the other
        decision dates (as :func:`~alphacheck.backtest.portfolio.strategy_weights` gives them).
    prices
        Prices per ticker.
    execution
        ``next_open`` or ``next_close``.
    costs
        Fees and slippage (bps per side) and the fixed fee of the book.
    init_cash
        Starting equity.
    draws
        Shifts.
    seed, name
        The run's seed and the book's name: the shifts come from
        :func:`~alphacheck.backtest.null.null_rng` of ``seed``, ``"portfolio"`` and ``name``.

    Returns
    -------
    NullDraws
    """
    rebalance = weights.notna().any(axis=1).to_numpy()
    held = weights.ffill().fillna(0.0).to_numpy()
    offsets = shift_offsets(len(weights), draws, null_rng(seed, "portfolio", name))
    shifted = circular_shifts(held, offsets)  # (draws, dates, tickers)
    bars = max(len(frame) for frame in prices.values())
    per_call = max(1, MAX_CELLS_PER_CALL // max(1, bars * weights.shape[1]))
    fees, slippage, fixed = costs
    sharpe, turnover, exposure = [], [], []
    for first in range(0, draws, per_call):
        books = {
            f"null_{i}": pd.DataFrame(
                np.where(rebalance[:, None], shifted[i], np.nan), index=weights.index, columns=weights.columns
            )
            for i in range(first, min(first + per_call, draws))
        }
        sim = simulate_portfolio(
            prices, books, execution, fees, slippage, fixed, init_cash, keep_weights=False
        )
        n_bars = len(sim.net_return)
        sharpe += [sharpe_ratio(sim.net_return[book].to_numpy()) for book in books]
        turnover += list(sim.traded[list(books)].sum().to_numpy() / n_bars * PERIODS_PER_YEAR)
        exposure += list((sim.gross_exposure[list(books)] != 0).mean().to_numpy())
    return NullDraws(
        seed=int(seed),
        offsets=offsets,
        sharpe=np.array(sharpe),
        turnover=np.array(turnover),
        exposure=np.array(exposure),
    )
