"""One book across the tickers per variant, against the equal-weight universe on the same dates.

The decision calendar is the union of the tickers' prediction dates (with
``data.align: common``, every ticker's dates). On a date a ticker has no
prediction, its latest P(up) stands for up to
:data:`~alphacheck.backtest.allocation.CARRY_DATES` dates; its orders wait for
its next own bar (:mod:`alphacheck.backtest.orders`), so no position is closed
because another ticker, or this one, missed a day.

Strategies:

- each variant: its P(up) across the tickers, selected and allocated by the
  ``portfolio`` block, rebalanced on its schedule, at the block's costs;
- ``equal_weight``: every ticker with a P(up) on the date at ``1 / n`` (fully
  invested), rebalanced on the same schedule, at the same costs;
- ``equal_weight_hold``: ``1 / n`` bought on the first decision date and held
  (weights drift), no costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphacheck.backtest.allocation import allocate, carry_proba, equal_weights, rebalance_mask, select
from alphacheck.backtest.engine import PortfolioSimulation, simulate_portfolio
from alphacheck.backtest.scoring import CLASSIFICATION_NAMES, Window, score_window
from alphacheck.backtest.strategies import sizing_volatility
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import BacktestConfig

__all__ = [
    "PORTFOLIO_BENCHMARKS",
    "PORTFOLIO_COLUMNS",
    "WEIGHT_COLUMNS",
    "PortfolioBacktest",
    "backtest_portfolio",
    "proba_panel",
    "strategy_weights",
]

PORTFOLIO_BENCHMARKS = ("equal_weight", "equal_weight_hold")
PORTFOLIO_COLUMNS = [
    "date",
    "strategy",
    "gross_return",
    "cost",
    "net_return",
    "gross_exposure",
    "n_positions",
    "turnover",
]
WEIGHT_COLUMNS = ["date", "strategy", "ticker", "weight"]


@dataclass
class PortfolioBacktest:
    """The books of one set of predictions: their simulation, each strategy's scores and decided weights.

    ``weights[strategy]`` are the target weights of each rebalance date, ``NaN``
    on the other decision dates (what the simulation was given).
    """

    simulation: PortfolioSimulation
    scores: dict[str, dict[str, object]]
    rebalance_dates: pd.DatetimeIndex
    weights: dict[str, pd.DataFrame]


def proba_panel(predictions: pd.DataFrame, variant: str) -> pd.DataFrame:
    """P(up) of one variant as (decision dates x tickers), ``NaN`` where a ticker has no prediction."""
    rows = predictions[predictions["variant"] == variant]
    panel = rows.pivot(index="date", columns="ticker", values="proba").sort_index()
    panel.index = pd.DatetimeIndex(panel.index, name="date")
    panel.columns = [str(c) for c in panel.columns]
    return panel


def strategy_weights(
    proba: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    backtest: BacktestConfig,
    portfolio: PortfolioConfig,
    volatility: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Target weights of one variant's book on its rebalance dates (``NaN`` on the others).

    Parameters
    ----------
    proba
        P(up) from :func:`proba_panel`.
    prices
        Prices per ticker (the trailing volatility of ``inverse_volatility``).
    backtest
        Policy and thresholds; ``volatility_days`` for ``inverse_volatility``.
    portfolio
        Selection, allocation, caps and schedule.
    volatility
        Per ticker, the trailing volatility to read instead of the prices' (a
        shock's, read on each fold's own path).
    """
    carried = carry_proba(proba)
    values = carried.to_numpy(dtype="float64")
    known = None
    if portfolio.allocation == "inverse_volatility":
        series = {t: (volatility or {}).get(t) for t in carried.columns}
        series = {
            t: s if s is not None else sizing_volatility(prices[t], backtest) for t, s in series.items()
        }
        known = np.column_stack([_known_at(series[t], carried.index) for t in carried.columns])
    side = select(values, backtest.policy, backtest.upper, backtest.lower, portfolio.selection, portfolio.k)
    weights = allocate(
        side,
        values,
        known,
        portfolio.allocation,
        backtest.upper,
        backtest.lower,
        portfolio.max_weight,
        portfolio.gross_exposure,
    )
    return _on_schedule(pd.DataFrame(weights, index=carried.index, columns=carried.columns), portfolio)


def _known_at(series: pd.Series, dates: pd.DatetimeIndex) -> np.ndarray:
    """The latest value on or before each date (a ticker without a bar that day keeps its last one)."""
    return series.reindex(series.index.union(dates)).ffill().reindex(dates).to_numpy()


def _on_schedule(weights: pd.DataFrame, portfolio: PortfolioConfig) -> pd.DataFrame:
    mask = rebalance_mask(weights.index, portfolio.rebalance)
    return weights.where(pd.Series(mask, index=weights.index), axis=0)


def _benchmarks(proba: pd.DataFrame, portfolio: PortfolioConfig) -> dict[str, pd.DataFrame]:
    available = carry_proba(proba).notna()
    equal = pd.DataFrame(equal_weights(available.to_numpy()), index=proba.index, columns=proba.columns)
    hold = equal.where(pd.Series(np.arange(len(equal)) == 0, index=equal.index), axis=0)
    return {"equal_weight": _on_schedule(equal, portfolio), "equal_weight_hold": hold}


def backtest_portfolio(
    predictions: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    backtest: BacktestConfig,
    portfolio: PortfolioConfig,
    fees_bps: float | None = None,
    slippage_bps: float | None = None,
    benchmarks: bool = True,
    keep_weights: bool = True,
    volatility: Mapping[str, pd.Series] | None = None,
) -> PortfolioBacktest:
    """Simulate every variant's book and the benchmarks in one vectorbt call, and score them.

    Parameters
    ----------
    predictions
        ``date, ticker, variant, proba`` rows.
    prices
        Prices per ticker.
    backtest, portfolio
        The scenario's ``backtest`` and ``portfolio`` blocks.
    fees_bps, slippage_bps
        Cost overrides per side for the variants and ``equal_weight`` (a cost
        shock or a sweep level); default: the portfolio block's, else the
        backtest block's.
    benchmarks
        Add ``equal_weight`` and ``equal_weight_hold``.
    keep_weights
        Keep each ticker's weight per bar (``False``: returns and totals only).
    volatility
        Per ticker, the trailing volatility ``inverse_volatility`` reads
        (default: from ``prices``).

    Returns
    -------
    PortfolioBacktest
    """
    variants = list(dict.fromkeys(predictions["variant"]))
    panels = {v: proba_panel(predictions, v) for v in variants}
    first = panels[variants[0]]
    weights = {
        v: strategy_weights(panels[v].reindex_like(first), prices, backtest, portfolio, volatility)
        for v in variants
    }
    if benchmarks:
        weights.update(_benchmarks(first, portfolio))
    fees, slippage, fixed = portfolio_costs(backtest, portfolio, fees_bps, slippage_bps)
    free = {"equal_weight_hold"}
    sim = simulate_portfolio(
        prices,
        weights,
        backtest.execution,
        {name: 0.0 if name in free else fees for name in weights},
        {name: 0.0 if name in free else slippage for name in weights},
        {name: 0.0 if name in free else fixed for name in weights},
        backtest.init_cash,
        keep_weights,
    )
    scores = {name: score_book(sim, name, backtest.init_cash) for name in weights}
    rebalance = first.index[rebalance_mask(first.index, portfolio.rebalance)]
    return PortfolioBacktest(simulation=sim, scores=scores, rebalance_dates=rebalance, weights=weights)


def portfolio_costs(
    backtest: BacktestConfig,
    portfolio: PortfolioConfig,
    fees_bps: float | None = None,
    slippage_bps: float | None = None,
) -> tuple[float, float, float]:
    """Fees, slippage (bps per side) and fixed fee: the overrides, else the portfolio block, else backtest."""

    def pick(override, own, shared):
        return override if override is not None else own if own is not None else shared

    return (
        pick(fees_bps, portfolio.fees_bps, backtest.fees_bps),
        pick(slippage_bps, portfolio.slippage_bps, backtest.slippage_bps),
        pick(None, portfolio.fixed_fee, backtest.fixed_fee),
    )


def score_book(sim: PortfolioSimulation, name: str, init_cash: float) -> dict[str, object]:
    """Every trading metric of the per-ticker records for one book, plus positions and concentration.

    A book has no classification figures (they are the per-ticker records'). ``exposure`` is
    the share of bars with a position; ``average_positions`` and
    ``average_gross_exposure`` are means over the bars; ``max_weight`` is the
    largest absolute weight held at a close; ``herfindahl`` is the mean, over
    the bars with positions, of the sum of squared shares of the gross
    exposure (1 = one ticker; 1/n = n equal positions).
    """
    exposure = sim.gross_exposure[name].to_numpy()
    window = Window(
        net_return=sim.net_return[name].to_numpy(),
        position=exposure,
        traded=sim.traded[name].to_numpy(),
        costs_cash=sim.costs_cash[name].to_numpy(),
        trade_pnl=sim.trade_pnl[name].to_numpy(),
        label=np.array([], dtype=bool),
        bar_dates=sim.net_return.index.to_numpy(),
    )
    # A book predicts nothing itself: the classification figures belong to the per-ticker records.
    undefined = {*CLASSIFICATION_NAMES, "n_predictions", "warning"}
    scores = {key: value for key, value in score_window(window, init_cash).items() if key not in undefined}
    scores.update(
        average_positions=float(sim.n_positions[name].mean()),
        average_gross_exposure=float(np.mean(exposure)),
    )
    if name in sim.weights:
        held = np.abs(sim.weights[name].to_numpy())
        gross = held.sum(axis=1)
        invested = gross > 0
        shares = held[invested] / gross[invested, None]
        scores.update(
            max_weight=float(held.max()) if held.size else float("nan"),
            herfindahl=float(np.mean((shares**2).sum(axis=1))) if invested.any() else float("nan"),
        )
    return scores
