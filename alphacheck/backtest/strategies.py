"""Predictions to trades and scores: the one backtest every part of alphacheck calls.

:func:`run_backtest` turns out-of-sample probabilities, prices, the backtest
configuration and optional cost overrides into one simulation per ticker and
the means to score any strategy of it over any window. The run's evaluation,
its stress windows and its shocks all trade through it, so a strategy means
the same thing everywhere:

- each variant: its P(up) through the position policy and sizing, at the
  configured (or overridden) costs;
- ``buy_and_hold``: long through the same bars, without costs;
- with ``baselines``: ``always_long`` (says "up" every day, same policy and
  costs as the variants) and ``random_<i>`` (P(up) drawn uniformly, seeded);
- with ``cost_sweep``: each variant again at every ``cost_levels_bps`` (total
  cost per side charged as fees), in a second simulation whose columns are a
  ``(variant, cost_bps_per_side)`` MultiIndex.

Tickers that share their decision dates and bars are simulated in one
vectorbt call (columns are independent, so the figures do not depend on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import Simulation, simulate_weights
from alphacheck.backtest.null import NullDraws, simulate_null
from alphacheck.backtest.positions import policy_weights, trailing_volatility
from alphacheck.backtest.scoring import Window, score_window
from alphacheck.scenarios.schema import BacktestConfig

__all__ = [
    "SWEEP_LEVELS",
    "CostOverride",
    "Decisions",
    "TickerBacktest",
    "decisions",
    "run_backtest",
    "sizing_volatility",
]

#: Names of the cost sweep's column levels.
SWEEP_LEVELS = ("variant", "cost_bps_per_side")


@dataclass(frozen=True)
class Decisions:
    """One ticker's predictions, one row per decision date.

    Attributes
    ----------
    proba
        P(up) per date (index, sorted) and variant (columns).
    label
        Whether the position taken at each date earned a positive return.
    fold
        The walk-forward fold that predicted each date (``None`` when the rows carry no fold).
    """

    proba: pd.DataFrame
    label: np.ndarray
    fold: pd.Series | None

    @property
    def variants(self) -> list[str]:
        """The variants, in column order."""
        return list(self.proba.columns)


@dataclass(frozen=True)
class CostOverride:
    """Costs per side that replace the configuration's for the strategies traded at the run's costs.

    ``None`` keeps the configured value. Buy-and-hold never pays costs, and
    the cost sweep charges its own levels.
    """

    fees_bps: float | None = None
    slippage_bps: float | None = None

    def resolve(self, config: BacktestConfig) -> tuple[float, float]:
        """``(fees_bps, slippage_bps)`` in force."""
        return (
            config.fees_bps if self.fees_bps is None else self.fees_bps,
            config.slippage_bps if self.slippage_bps is None else self.slippage_bps,
        )


@dataclass
class TickerBacktest:
    """One ticker's strategies, simulated: what they decided and what it earned.

    Attributes
    ----------
    decisions
        The predictions traded.
    sim
        Every strategy at the run's costs, one column per strategy name.
    sweep
        The variants at each sweep level, columns ``(variant, cost_bps_per_side)``;
        ``None`` without a cost sweep.
    random_proba
        The random predictor's draws, shape ``(draws, dates)``.
    null
        Each variant's matched null (circular shifts of its weights, traded at
        the same costs); empty without ``null_draws``.
    threshold, init_cash
        From the configuration: "up" above ``threshold``; starting equity.
    """

    decisions: Decisions
    sim: Simulation
    sweep: Simulation | None
    random_proba: np.ndarray
    threshold: float
    init_cash: float
    null: dict[str, NullDraws] = field(default_factory=dict)

    def signal(self, name: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        """``(predicted_up, proba)`` of a strategy per decision date; ``None`` where it has none."""
        if name in self.decisions.proba.columns:
            proba = self.decisions.proba[name].to_numpy()
            return proba > self.threshold, proba
        if name == "always_long":
            return np.ones(len(self.decisions.proba), bool), None
        if name.startswith("random_"):
            proba = self.random_proba[int(name.removeprefix("random_"))]
            return proba > self.threshold, proba
        return None, None

    def window(self, name: str, dates: np.ndarray | None = None, bars: np.ndarray | None = None) -> Window:
        """What strategy ``name`` did on the decision ``dates`` and ``bars`` (boolean masks; None: all)."""
        predicted_up, proba = self.signal(name)
        dates = slice(None) if dates is None else dates
        bars = np.ones(len(self.sim.net_return), bool) if bars is None else bars
        pnl = self.sim.trade_pnl[name]
        in_window = pnl.index.isin(self.sim.net_return.index[bars])
        return Window(
            net_return=self.sim.net_return[name].to_numpy()[bars],
            position=self.sim.position[name].to_numpy()[bars],
            traded=self.sim.traded[name].to_numpy()[bars],
            costs_cash=self.sim.costs_cash[name].to_numpy()[bars],
            trade_pnl=pnl.to_numpy()[in_window],
            label=self.decisions.label[dates],
            predicted_up=None if predicted_up is None else predicted_up[dates],
            proba=None if proba is None else proba[dates],
            bar_dates=self.sim.net_return.index.to_numpy()[bars],
        )

    def score(self, name: str, dates: np.ndarray | None = None, bars: np.ndarray | None = None) -> dict:
        """Every metric of strategy ``name`` (see :func:`~alphacheck.backtest.scoring.score_window`)."""
        return score_window(self.window(name, dates, bars), self.init_cash)


def decisions(rows: pd.DataFrame) -> Decisions:
    """One ticker's predictions (``date, variant, proba, label`` and optionally ``fold``) by decision date.

    Every variant's row of a date shares its label and fold.
    """
    proba = rows.pivot(index="date", columns="variant", values="proba").sort_index()
    proba.index = pd.DatetimeIndex(proba.index)
    label = rows.pivot(index="date", columns="variant", values="label").max(axis=1).to_numpy().astype(bool)
    fold = None
    if "fold" in rows.columns:
        fold = rows.pivot(index="date", columns="variant", values="fold").max(axis=1).astype(int)
        fold.index = proba.index
    return Decisions(proba, label, fold)


def run_backtest(
    predictions: pd.DataFrame,
    prices: Mapping[str, pd.DataFrame],
    config: BacktestConfig,
    costs: CostOverride | None = None,
    *,
    baselines: bool = True,
    cost_sweep: bool = True,
    null_draws: int = 0,
    seed: int = 0,
    volatility: Mapping[str, pd.Series] | None = None,
) -> dict[str, TickerBacktest]:
    """Trade every ticker's predictions, with buy-and-hold over the same bars.

    Parameters
    ----------
    predictions
        Out-of-sample predictions: ``date, ticker, variant, proba, label`` (and ``fold``).
    prices
        Prices frame per ticker (Prices convention); every ticker of ``predictions`` must be there.
    config
        Policy, thresholds, sizing, execution, costs, the sweep's levels and the random draws.
    costs
        Costs that replace the configured ones for the variants and ``always_long``/``random_*``.
    baselines
        Add ``always_long`` and ``config.random_draws`` random predictors.
    cost_sweep
        Simulate each variant at every ``config.cost_levels_bps`` too.
    null_draws
        Trade this many circular shifts of each variant's weights at the same
        costs (its matched null, :mod:`alphacheck.backtest.null`); 0: none.
    seed
        Seed of the random predictor's draws and of the null's shifts.
    volatility
        Per ticker, the trailing volatility that ``sizing: volatility`` reads at
        each decision date; by default computed from ``prices``. The shocks pass
        the volatility of each fold's own shocked path.

    Returns
    -------
    dict
        ``{ticker: TickerBacktest}``, tickers sorted.
    """
    by_ticker = {str(t): decisions(rows) for t, rows in predictions.groupby("ticker", sort=True)}
    fees, slippage = (costs or CostOverride()).resolve(config)
    random_proba, main, sweep = {}, {}, {}
    for ticker, decided in by_ticker.items():
        draws = config.random_draws if baselines else 0
        random_proba[ticker] = np.random.default_rng(seed).uniform(0.0, 1.0, size=(draws, len(decided.proba)))
        sizing = None if volatility is None else volatility[ticker]
        main[ticker], sweep[ticker] = _columns(
            prices[ticker], decided, random_proba[ticker], config, fees, slippage, baselines, cost_sweep,
            sizing,
        )
    sims = _simulate_all(prices, main, config)
    null = {
        t: _null(prices[t], main[t].weights[d.variants], config, (fees, slippage), null_draws, seed, t)
        for t, d in by_ticker.items()
    }
    sweeps = _simulate_all(prices, sweep, config) if cost_sweep else dict.fromkeys(by_ticker)
    return {
        ticker: TickerBacktest(
            decided,
            sims[ticker],
            sweeps[ticker],
            random_proba[ticker],
            config.threshold,
            config.init_cash,
            null[ticker],
        )
        for ticker, decided in by_ticker.items()
    }


def _null(prices, weights, config, costs, draws, seed, ticker) -> dict[str, NullDraws]:
    """The variants' matched nulls at the variants' costs, one ticker and variant at a time (memory)."""
    if not draws:
        return {}

    def simulate(shifted: pd.DataFrame) -> Simulation:
        return simulate_weights(prices, shifted, config.execution, *costs, config.fixed_fee, config.init_cash)

    return simulate_null(weights, draws, seed, ticker, simulate)


@dataclass
class _Columns:
    """Target weights of a set of strategy columns, and the costs per side of each."""

    weights: pd.DataFrame
    fees_bps: np.ndarray
    slippage_bps: np.ndarray


def _columns(
    prices: pd.DataFrame,
    decided: Decisions,
    random_proba: np.ndarray,
    config: BacktestConfig,
    fees_bps: float,
    slippage_bps: float,
    baselines: bool,
    cost_sweep: bool,
    sizing: pd.Series | None = None,
) -> tuple[_Columns, _Columns | None]:
    """The strategy columns of one ticker at the run's costs, and the cost sweep's."""
    proba = decided.proba
    volatility = None
    if config.sizing == "volatility":
        sizing = sizing_volatility(prices, config) if sizing is None else sizing
        volatility = sizing.reindex(proba.index).to_numpy()
    model = {v: _weights(proba[v].fillna(config.threshold).to_numpy(), volatility, config) for v in proba}
    columns = dict(model)
    if baselines:
        columns["always_long"] = _weights(np.ones(len(proba)), volatility, config)
    columns["buy_and_hold"] = np.ones(len(proba))
    for i, draw in enumerate(random_proba):
        columns[f"random_{i}"] = _weights(draw, volatility, config)
    free = {"buy_and_hold"}
    main = _Columns(
        pd.DataFrame(columns, index=proba.index),
        np.array([0.0 if name in free else fees_bps for name in columns]),
        np.array([0.0 if name in free else slippage_bps for name in columns]),
    )
    if not cost_sweep:
        return main, None
    levels = list(dict.fromkeys(config.cost_levels_bps))
    keys = pd.MultiIndex.from_tuples([(v, level) for v in model for level in levels], names=SWEEP_LEVELS)
    swept = _Columns(
        pd.DataFrame(np.column_stack([model[v] for v, _ in keys]), index=proba.index, columns=keys),
        np.array([level for _, level in keys], dtype="float64"),
        np.zeros(len(keys)),
    )
    return main, swept


def sizing_volatility(prices: pd.DataFrame, config: BacktestConfig) -> pd.Series:
    """The trailing volatility ``sizing: volatility`` reads at each date: closes up to that date only."""
    return trailing_volatility(prices["close"], config.volatility_days)


def _weights(proba: np.ndarray, volatility: np.ndarray | None, config: BacktestConfig) -> np.ndarray:
    return policy_weights(proba, config, volatility)


def _simulate_all(
    prices: Mapping[str, pd.DataFrame], columns: dict[str, _Columns], config: BacktestConfig
) -> dict[str, Simulation]:
    """Every ticker in one vectorbt call when they share the decision dates and bars, else one call each."""

    def run(panel, weights, fees, slippage):
        return simulate_weights(
            panel, weights, config.execution, fees, slippage, config.fixed_fee, config.init_cash
        )

    tickers = list(columns)
    first = columns[tickers[0]].weights.index if tickers else None
    if len(tickers) > 1 and all(columns[t].weights.index.equals(first) for t in tickers):
        weights = pd.concat({t: columns[t].weights for t in tickers}, axis=1)
        fees = np.concatenate([columns[t].fees_bps for t in tickers])
        slippage = np.concatenate([columns[t].slippage_bps for t in tickers])
        try:
            sim = run({t: prices[t] for t in tickers}, weights, fees, slippage)
            return {t: sim.select(t) for t in tickers}
        except ValueError:  # the tickers' bars differ (a holiday on one exchange): apart
            pass
    return {t: run(prices[t], c.weights, c.fees_bps, c.slippage_bps) for t, c in columns.items()}
