"""Predictions to trades with vectorbt: the only module that imports vectorbt.

Two simulations: :func:`simulate_weights` trades each column on its own cash
(a ticker's strategies), :func:`simulate_portfolio` trades books of tickers,
each book one pot of cash shared by its tickers.

A signal decided at the close of date t is filled at the next bar, at its open
(``next_open``) or its close (``next_close``): a price that exists only after
the signal is known. Fees and slippage are charged per side in basis points.

Weights are fractions of equity between -1 and 1. vectorbt 1.2 has no margin
account: ``buy_nb`` caps every buy at the cash held (``cash_limit =
exec_state.cash``), so a long above 1 would be filled at about 1 while a short
of any size is filled in full. Rather than simulate leverage on one side only,
weights beyond 1 are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphacheck.backtest.orders import book_orders
from alphacheck.features.labels import EXECUTIONS, label_horizon

__all__ = ["MAX_WEIGHT", "PortfolioSimulation", "Simulation", "simulate_portfolio", "simulate_weights"]

#: The largest absolute weight the simulator fills as asked (see the module docstring).
MAX_WEIGHT = 1.0


@dataclass
class Simulation:
    """Per-bar outcome of many strategy columns on one ticker (one vectorbt call).

    Frames are indexed by the bars from the first decision date to the bar the
    last position is closed, one column per strategy. ``target`` is the weight
    ordered for each bar (decided at the close of the decision date before it);
    ``position`` is the exposure actually held at each bar's close, the signed
    position value over equity, which drifts with the price between orders and
    falls short of the target where cash and costs cap a buy; ``net_return`` is the compounded
    equity's bar return; ``cost`` is fees plus slippage paid in the bar as a
    fraction of the equity at the start of the bar, and ``gross_return =
    net_return + cost``. ``trade_pnl`` holds each closed trade's PnL (cash, fees
    included) per column, indexed by the bar it was closed; ``traded`` is the traded value per bar over the
    equity at the start of the bar; ``costs_cash`` is fees plus slippage in cash.
    """

    target: pd.DataFrame
    position: pd.DataFrame
    net_return: pd.DataFrame
    gross_return: pd.DataFrame
    cost: pd.DataFrame
    traded: pd.DataFrame
    costs_cash: pd.DataFrame
    equity: pd.DataFrame
    trade_pnl: dict[object, pd.Series]

    def select(self, ticker: str) -> Simulation:
        """The columns of one ticker of a panel simulation, named by strategy alone."""
        names = ("target", "position", "net_return", "gross_return", "cost", "traded", "costs_cash", "equity")
        frames = {name: getattr(self, name)[ticker] for name in names}
        # keys are (ticker, *column): what is left names the column, a tuple when it has several levels
        pnl = {
            (key[1] if len(key) == 2 else key[1:]): value
            for key, value in self.trade_pnl.items()
            if key[0] == ticker
        }
        return Simulation(**frames, trade_pnl=pnl)


def simulate_weights(
    prices: pd.DataFrame | dict[str, pd.DataFrame],
    weights: pd.DataFrame,
    execution: str = "next_open",
    fees_bps: np.ndarray | float = 0.0,
    slippage_bps: np.ndarray | float = 0.0,
    fixed_fee: float = 0.0,
    init_cash: float = 100_000.0,
) -> Simulation:
    """Simulate many target-weight columns at once, with costs per column.

    Parameters
    ----------
    prices
        Prices frame of the ticker (Prices convention), or a frame per ticker:
        then the columns of ``weights`` are (ticker, strategy) pairs and the
        tickers must share the bars of the decision dates.
    weights
        Signed fraction of equity, between -1 and 1, decided at the close of
        each date (index: decision dates, one column per strategy). An order
        is sent only when a column's weight changes: sizing is fixed at entry.
        Between two decision dates the weight is held, also through bars that
        are not decision dates (a day another ticker did not trade).
    execution
        ``next_open`` or ``next_close``: the weight decided at t is filled at
        the open or the close of t+1.
    fees_bps, slippage_bps
        Cost per side in basis points of the traded value, a scalar or one per
        column.
    fixed_fee
        Cash charged per order.
    init_cash
        Starting equity of every column.

    Returns
    -------
    Simulation

    Raises
    ------
    ValueError
        For a weight beyond :data:`MAX_WEIGHT` either side, or prices that end
        before the last position is closed.
    """
    import vectorbt as vbt

    from alphacheck.backtest.numba_cache import enable_numba_cache

    enable_numba_cache()  # vectorbt's kernels compiled once, then read from disk

    panel = prices if isinstance(prices, dict) else {None: prices}
    owners = (
        list(weights.columns.get_level_values(0)) if isinstance(prices, dict) else [None] * weights.shape[1]
    )
    bars = {
        ticker: _bars(frame, weights.index, execution) for ticker, frame in panel.items() if ticker in owners
    }
    index = next(iter(bars.values())).index
    if any(not frame.index.equals(index) for frame in bars.values()):
        raise ValueError(
            "the tickers' prices do not share the bars of the decision dates; simulate them apart"
        )
    _check_weights(weights)
    # A weight holds until the next decision date, and the last one until its position is closed.
    held = weights.fillna(0.0).reindex(index).ffill()
    held[index > weights.index[-1]] = 0.0
    # The weight held during bar j is the one decided at the close of bar j-1.
    target = held.shift(1).fillna(0.0)
    changed = target.ne(target.shift(1).fillna(0.0))
    size = target.where(changed)
    fill = np.column_stack([bars[owner][EXECUTIONS[execution]].to_numpy() for owner in owners])
    close = np.column_stack([bars[owner]["close"].to_numpy() for owner in owners])
    fees = np.broadcast_to(np.asarray(fees_bps, dtype="float64") / 1e4, (weights.shape[1],))
    slippage = np.broadcast_to(np.asarray(slippage_bps, dtype="float64") / 1e4, (weights.shape[1],))
    frame = lambda values: pd.DataFrame(values, index=index, columns=weights.columns)
    portfolio = vbt.Portfolio.from_orders(
        close=frame(close),
        size=size,
        size_type="targetpercent",
        direction="both",
        price=frame(fill),
        val_price=frame(fill),
        fees=fees,
        slippage=slippage,
        fixed_fees=fixed_fee,
        init_cash=init_cash,
        freq="1D",
    )
    return _collect(portfolio, target, slippage, init_cash)


def _collect(portfolio, target: pd.DataFrame, slippage: np.ndarray, init_cash: float) -> Simulation:
    """Per-bar returns, costs and trades of a vectorbt portfolio, costs split from gross returns."""
    index, columns = target.index, target.columns
    equity = portfolio.value()
    start_equity = equity.shift(1)
    start_equity.iloc[0] = init_cash
    costs_cash, traded_cash = _order_costs(portfolio.orders.values, slippage, target.shape)
    net = equity / start_equity - 1.0
    cost = pd.DataFrame(costs_cash, index=index, columns=columns) / start_equity
    trades = portfolio.trades.values
    trades = trades[trades["status"] == 1]  # closed trades only
    return Simulation(
        target=target,
        position=portfolio.asset_value() / equity,
        net_return=net,
        gross_return=net + cost,
        cost=cost,
        traded=pd.DataFrame(traded_cash, index=index, columns=columns) / start_equity,
        costs_cash=pd.DataFrame(costs_cash, index=index, columns=columns),
        equity=equity,
        trade_pnl={
            name: pd.Series(
                trades["pnl"][trades["col"] == i], index=index[trades["exit_idx"][trades["col"] == i]]
            )
            for i, name in enumerate(columns)
        },
    )


def _check_weights(weights: pd.DataFrame) -> None:
    beyond = weights.abs().max() > MAX_WEIGHT + 1e-12
    if beyond.any():
        column = beyond.index[beyond.to_numpy()][0]
        worst = weights[column].to_numpy()[np.nanargmax(weights[column].abs().to_numpy())]
        raise ValueError(
            f"column {column!r} asks for a weight of {worst:g}: the simulator cannot borrow cash, so a long "
            f"beyond {MAX_WEIGHT:g} would be filled at about {MAX_WEIGHT:g} while a short is filled in full; "
            f"keep weights within [-{MAX_WEIGHT:g}, {MAX_WEIGHT:g}]"
        )


def _bars(prices: pd.DataFrame, decisions: pd.DatetimeIndex, execution: str) -> pd.DataFrame:
    """The bars from the first decision date to the bar the last position is closed."""
    first = prices.index.get_loc(decisions[0])
    last = prices.index.get_loc(decisions[-1]) + label_horizon(execution)
    if last >= len(prices):
        raise ValueError("prices end before the last signal's position is closed")
    return prices.iloc[first : last + 1]


def _order_costs(
    orders: np.ndarray, slippage: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Fees plus slippage (cash) and traded value at the quoted price, per bar and column."""
    costs = np.zeros(shape)
    traded = np.zeros(shape)
    slip = slippage[orders["col"]]
    buy = orders["side"] == 0
    quoted = np.where(buy, orders["price"] / (1 + slip), orders["price"] / (1 - slip))
    slip_cash = orders["size"] * np.abs(orders["price"] - quoted)
    np.add.at(costs, (orders["idx"], orders["col"]), orders["fees"] + slip_cash)
    np.add.at(traded, (orders["idx"], orders["col"]), orders["size"] * quoted)
    return costs, traded


@dataclass
class PortfolioSimulation:
    """Per-bar outcome of several books over the same tickers, each book one pot of cash.

    Frames of one column per strategy, indexed by the book's bars (see
    :mod:`alphacheck.backtest.orders`): ``net_return`` of the book's equity,
    ``cost`` (fees plus slippage over the equity at the start of the bar),
    ``gross_return = net_return + cost``, ``traded`` (value traded over the
    equity at the start of the bar), ``costs_cash``, ``equity``, ``cash``, and
    at each close ``gross_exposure`` (sum of absolute position values over the
    equity) and ``n_positions``. ``weights[strategy]`` holds each ticker's
    position value over the equity at each close (signed); ``target[strategy]``
    the target weight of the latest order sent to each ticker. ``trade_pnl``
    holds each closed position's PnL (cash, fees included, from opening to
    flat), indexed by the bar it was closed.
    """

    net_return: pd.DataFrame
    gross_return: pd.DataFrame
    cost: pd.DataFrame
    traded: pd.DataFrame
    costs_cash: pd.DataFrame
    equity: pd.DataFrame
    cash: pd.DataFrame
    gross_exposure: pd.DataFrame
    n_positions: pd.DataFrame
    weights: dict[str, pd.DataFrame]
    target: dict[str, pd.DataFrame]
    trade_pnl: dict[str, pd.Series]


def simulate_portfolio(
    prices: dict[str, pd.DataFrame],
    weights: dict[str, pd.DataFrame],
    execution: str = "next_open",
    fees_bps: Mapping[str, float] | float = 0.0,
    slippage_bps: Mapping[str, float] | float = 0.0,
    fixed_fee: Mapping[str, float] | float = 0.0,
    init_cash: float = 100_000.0,
    keep_weights: bool = True,
) -> PortfolioSimulation:
    """Simulate books of target weights across tickers, each with shared cash, in one vectorbt call.

    Parameters
    ----------
    prices
        Prices frame per ticker.
    weights
        Per strategy, target weights (fractions of the book's equity, signed)
        decided at the close of each decision date, one column per ticker;
        ``NaN`` sends no order. Orders are target-percent orders filled as
        described in :mod:`alphacheck.backtest.orders`; on each bar the book
        values its positions at the fill prices, then sends its sells before
        its buys (vectorbt ``call_seq='auto'``), and a buy the cash cannot pay
        for is cut to the cash left, so the cash never goes below zero.
    execution
        ``next_open`` or ``next_close``.
    fees_bps, slippage_bps, fixed_fee
        Costs per side of every order of a strategy: a scalar, or one per strategy.
    init_cash
        Starting equity of every book.
    keep_weights
        ``False`` leaves ``weights`` and ``target`` empty (a cost sweep needs
        returns only; a large book's per-ticker frames are the bulk of the memory).

    Returns
    -------
    PortfolioSimulation
    """
    import vectorbt as vbt

    from alphacheck.backtest.numba_cache import enable_numba_cache

    enable_numba_cache()
    book = book_orders(prices, weights, execution)
    names, n_tickers = list(weights), len(book.tickers)

    def per_column(value, scale=1.0):
        values = [value[name] if isinstance(value, Mapping) else value for name in names]
        return np.repeat(np.asarray(values, dtype="float64") * scale, n_tickers)

    size = np.concatenate([book.size[name] for name in names], axis=1)
    fill = np.tile(book.fill, len(names))
    columns = pd.MultiIndex.from_product([names, book.tickers], names=["strategy", "ticker"])
    slippage = per_column(slippage_bps, 1e-4)
    portfolio = vbt.Portfolio.from_orders(
        close=pd.DataFrame(np.tile(book.close, len(names)), index=book.index, columns=columns),
        size=size,
        size_type="targetpercent",
        direction="both",
        price=fill,
        val_price=fill,
        fees=per_column(fees_bps, 1e-4),
        slippage=slippage,
        fixed_fees=per_column(fixed_fee),
        init_cash=init_cash,
        group_by=np.repeat(np.arange(len(names)), n_tickers),
        cash_sharing=True,
        call_seq="auto",
        max_orders=max(int(np.isfinite(size).sum()), 1),
        freq="1D",
    )
    return _collect_books(portfolio, book, names, size, slippage, init_cash, keep_weights)


def _collect_books(portfolio, book, names, size, slippage, init_cash, keep_weights) -> PortfolioSimulation:
    """Per-book returns, costs, exposure and closed positions of a grouped vectorbt portfolio."""
    n_bars, n_tickers = book.fill.shape

    def by_book(values):
        return np.asarray(values).reshape(n_bars, len(names), n_tickers)

    def frame(values):
        return pd.DataFrame(values, index=book.index, columns=names)

    # The books' equity is their cash plus their tickers' position values, computed once per ticker.
    asset_value = by_book(portfolio.asset_value(group_by=False).to_numpy())
    cash = portfolio.cash().to_numpy().reshape(n_bars, len(names))
    equity = cash + asset_value.sum(axis=2)
    start = np.vstack([np.full((1, len(names)), init_cash), equity[:-1]])
    costs_cash, traded = _order_costs(portfolio.orders.values, slippage, size.shape)
    costs_cash, traded = by_book(costs_cash).sum(axis=2), by_book(traded).sum(axis=2)
    value = asset_value / equity[:, :, None]
    net = equity / start - 1.0
    positions = portfolio.positions.values
    positions = positions[positions["status"] == 1]  # closed: opened and back to flat
    book_of = positions["col"] // n_tickers
    weights, target = {}, {}
    if keep_weights:
        targets = by_book(pd.DataFrame(size).ffill().fillna(0.0).to_numpy())
        for i, name in enumerate(names):
            weights[name] = pd.DataFrame(value[:, i, :], index=book.index, columns=book.tickers)
            target[name] = pd.DataFrame(targets[:, i, :], index=book.index, columns=book.tickers)
    return PortfolioSimulation(
        net_return=frame(net),
        gross_return=frame(net + costs_cash / start),
        cost=frame(costs_cash / start),
        traded=frame(traded / start),
        costs_cash=frame(costs_cash),
        equity=frame(equity),
        cash=frame(cash),
        gross_exposure=frame(np.abs(value).sum(axis=2)),
        n_positions=frame((asset_value != 0).sum(axis=2)),
        weights=weights,
        target=target,
        trade_pnl={
            name: pd.Series(
                positions["pnl"][book_of == i], index=book.index[positions["exit_idx"][book_of == i]]
            )
            for i, name in enumerate(names)
        },
    )
