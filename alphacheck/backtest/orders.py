"""Target weights decided on dates to orders on bars, for a book of tickers with their own calendars.

The book's bars are the union of its tickers' bars, from the first decision
date to the bar the last position is closed. A weight decided at the close of
date ``d`` for a ticker is sent on that ticker's first own bar after ``d``
(filled at its open for ``next_open``, its close for ``next_close``), so a
ticker that does not trade on a bar neither trades nor is closed there: its
position is valued at its latest close until its next bar. After the last
decision every position is closed on the ticker's ``horizon``-th bar after it,
as in the per-ticker backtest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphacheck.features.labels import EXECUTIONS, label_horizon

__all__ = ["BookOrders", "book_orders"]


@dataclass
class BookOrders:
    """Per-bar arrays of one book, shape (bars, tickers) unless said otherwise.

    ``fill`` is the fill price, ``NaN`` where the ticker has no bar; ``close``
    is the latest close of the ticker (its valuation price), 1.0 before its
    first bar, where it holds nothing; ``size[strategy]`` is the target weight
    sent on each bar, ``NaN`` where no order is sent.
    """

    index: pd.DatetimeIndex
    tickers: list[str]
    fill: np.ndarray
    close: np.ndarray
    size: dict[str, np.ndarray]


def book_orders(
    prices: dict[str, pd.DataFrame], weights: dict[str, pd.DataFrame], execution: str = "next_open"
) -> BookOrders:
    """Route every strategy's target weights to the bars that fill them.

    Parameters
    ----------
    prices
        Prices frame per ticker (Prices convention).
    weights
        Per strategy, target weights indexed by the decision dates (the same
        for every strategy), one column per ticker (the same too); ``NaN``
        sends no order for that ticker on that date.
    execution
        ``next_open`` or ``next_close``.

    Returns
    -------
    BookOrders

    Raises
    ------
    ValueError
        When the strategies disagree on dates or tickers, or a ticker's prices
        end before its last position is closed.
    """
    first = next(iter(weights.values()))
    decisions, tickers = pd.DatetimeIndex(first.index), [str(t) for t in first.columns]
    for name, frame in weights.items():
        if not frame.index.equals(first.index) or list(frame.columns) != list(first.columns):
            raise ValueError(f"strategy {name!r}: weights must share the decision dates and tickers")
    horizon = label_horizon(execution)
    own = {t: pd.DatetimeIndex(prices[t].index) for t in tickers}
    # Position in the ticker's own bars of the bar that fills a decision, and of the closing bar.
    fills = {t: np.searchsorted(own[t], decisions, side="right") for t in tickers}
    closing = {t: int(fills[t][-1]) + horizon - 1 for t in tickers}
    for t in tickers:
        if closing[t] >= len(own[t]):
            raise ValueError(
                f"{t}: prices end ({own[t][-1].date()}) before the position decided on "
                f"{decisions[-1].date()} is closed {horizon} bars later"
            )
    end = max(own[t][closing[t]] for t in tickers)
    bars = [own[t][(own[t] >= decisions[0]) & (own[t] <= end)].as_unit("ns").asi8 for t in tickers]
    index = pd.DatetimeIndex(
        np.unique(np.concatenate([decisions[:1].as_unit("ns").asi8, *bars])), name="date"
    )
    fill = np.full((len(index), len(tickers)), np.nan)
    close = np.full((len(index), len(tickers)), np.nan)
    rows = {}
    for j, t in enumerate(tickers):
        frame = prices[t].reindex(index)
        fill[:, j] = frame[EXECUTIONS[execution]].to_numpy(dtype="float64")
        close[:, j] = frame["close"].to_numpy(dtype="float64")
        # Decision rows whose fill bar exists; -1 marks a decision with no later bar in the book.
        on_book = index.get_indexer(own[t])
        fill_pos = fills[t]
        rows[t] = np.where(fill_pos < len(own[t]), on_book[np.minimum(fill_pos, len(own[t]) - 1)], -1)
    close = pd.DataFrame(close).ffill().fillna(1.0).to_numpy()
    closing_rows = np.array([index.get_loc(own[t][closing[t]]) for t in tickers])
    size = {
        name: _route(frame.to_numpy(dtype="float64"), rows, tickers, len(index), closing_rows)
        for name, frame in weights.items()
    }
    return BookOrders(index=index, tickers=tickers, fill=fill, close=close, size=size)


def _route(
    targets: np.ndarray, rows: dict[str, np.ndarray], tickers: list[str], n_bars: int, closing: np.ndarray
) -> np.ndarray:
    """Place each decision's targets on its fill bar; a later decision filled on the same bar wins."""
    size = np.full((n_bars, len(tickers)), np.nan)
    for j, t in enumerate(tickers):
        fill_rows, target = rows[t], targets[:, j]
        keep = (fill_rows >= 0) & np.isfinite(target)
        fill_rows, target = fill_rows[keep], target[keep]
        # Rows are non-decreasing: keep the last decision of each run of equal fill bars.
        last = np.append(fill_rows[1:] != fill_rows[:-1], True) if len(fill_rows) else np.array([], bool)
        size[fill_rows[last], j] = target[last]
    size[closing, np.arange(len(tickers))] = 0.0
    return size
