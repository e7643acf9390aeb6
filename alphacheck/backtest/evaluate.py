"""Score predictions: each variant against buy-and-hold, always-long and random predictors.

Per ticker, one vectorbt call simulates every column at once: the variants at
the configured costs, the baselines, the random draws and the cost sweep of
each variant. Baselines use the same decision dates as the variants:

- ``buy_and_hold`` holds the ticker through the same bars, without costs;
- ``always_long`` says "up" every day, traded by the same policy and costs;
- ``random`` draws P(up) uniformly (seeded), ``random_draws`` times; its
  metrics are the mean over draws, its spread is in ``baselines``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import simulate_weights
from alphacheck.backtest.metrics import sharpe_ratio
from alphacheck.backtest.positions import direction_from_proba, position_weights, trailing_volatility
from alphacheck.backtest.scoring import Window, score_window
from alphacheck.backtest.significance import (
    MIN_PREDICTIONS,
    SmallSampleWarning,
    break_even_cost,
    deflated_sharpe_ratio,
    sharpe_bootstrap_interval,
    spa_test,
)
from alphacheck.scenarios.schema import BacktestConfig

__all__ = ["BASELINES", "METRIC_NAMES", "RETURN_COLUMNS", "Evaluation", "evaluate"]

BASELINES = ("buy_and_hold", "always_long", "random")
METRIC_NAMES = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "total_return",
    "sharpe",
    "max_drawdown",
    "win_rate",
    "n_trades",
    "n_predictions",
)
RETURN_COLUMNS = [
    "date",
    "ticker",
    "variant",
    "position",
    "gross_return",
    "cost",
    "net_return",
    "benchmark_return",
]
_SPREAD_NAMES = ("accuracy", "share_up", "total_return", "sharpe", "max_drawdown")


@dataclass
class Evaluation:
    """Metrics per ticker and strategy, their breakdowns, and the returns behind them.

    ``returns[(ticker, strategy)]`` are the net per-bar returns; ``frame`` is
    the long table written to ``returns.parquet`` (see ``RETURN_COLUMNS``).
    """

    metrics: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    returns: dict[tuple[str, str], pd.Series] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    per_fold: dict[str, dict[str, dict[str, dict[str, object]]]] = field(default_factory=dict)
    per_year: dict[str, dict[str, dict[str, dict[str, object]]]] = field(default_factory=dict)
    baselines: dict[str, dict[str, object]] = field(default_factory=dict)
    significance: dict[str, dict[str, object]] = field(default_factory=dict)
    cost_sweep: dict[str, dict[str, dict[str, list[float]]]] = field(default_factory=dict)


def evaluate(
    predictions: pd.DataFrame, prices: dict[str, pd.DataFrame], config: BacktestConfig, seed: int = 0
) -> Evaluation:
    """Backtest each variant on each ticker, with the baselines over the same dates.

    Parameters
    ----------
    predictions
        Out-of-sample predictions: date, ticker, variant, fold, proba, label.
    prices
        Prices frame per ticker.
    config
        Policy, sizing, execution and costs.
    seed
        Seed of the random predictor and the bootstraps.

    Returns
    -------
    Evaluation
    """
    result = Evaluation()
    decisions = {str(t): _decisions(rows) for t, rows in predictions.groupby("ticker", sort=True)}
    columns = {t: _ticker_columns(prices[t], d[0], config, seed) for t, d in decisions.items()}
    sims = _simulate_all(prices, columns, config)
    frames = [
        _evaluate_ticker(result, ticker, *decisions[ticker], sims[ticker], columns[ticker][3], config, seed)
        for ticker in decisions
    ]
    result.frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RETURN_COLUMNS)
    return result


def _decisions(rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """P(up) per date and variant; the label and fold per date (every variant's row of a date shares them)."""
    proba = rows.pivot(index="date", columns="variant", values="proba").sort_index()
    proba.index = pd.DatetimeIndex(proba.index)
    label = rows.pivot(index="date", columns="variant", values="label").max(axis=1).to_numpy().astype(bool)
    fold = rows.pivot(index="date", columns="variant", values="fold").max(axis=1).astype(int)
    fold.index = proba.index
    return proba, label, fold


def _simulate_all(prices, columns, config: BacktestConfig) -> dict:
    """Every ticker in one vectorbt call when they share the decision dates and bars, else one call each."""

    def run(panel, weights, fees, slippage):
        return simulate_weights(
            panel, weights, config.execution, fees, slippage, config.fixed_fee, config.init_cash
        )

    tickers = list(columns)
    if len(tickers) > 1 and all(columns[t][0].index.equals(columns[tickers[0]][0].index) for t in tickers):
        weights = pd.concat({t: columns[t][0] for t in tickers}, axis=1)
        fees = np.concatenate([columns[t][1] for t in tickers])
        slippage = np.concatenate([columns[t][2] for t in tickers])
        try:
            sim = run({t: prices[t] for t in tickers}, weights, fees, slippage)
            return {t: sim.select(t) for t in tickers}
        except ValueError:  # the tickers' bars differ (a holiday on one exchange): apart
            pass
    return {t: run(prices[t], *columns[t][:3]) for t in tickers}


def _evaluate_ticker(result, ticker, proba, label, fold, sim, random_proba, config, seed) -> pd.DataFrame:
    variants = list(proba.columns)
    bar_fold = fold.reindex(sim.net_return.index).ffill().shift(1).fillna(fold.iloc[0]).astype(int)
    metrics = result.metrics.setdefault(ticker, {})
    for name in [*variants, "always_long", "buy_and_hold"]:
        p = proba[name].to_numpy() if name in variants else None
        up = (
            p > config.threshold
            if p is not None
            else (np.ones(len(proba), bool) if name == "always_long" else None)
        )
        whole, per_fold, per_year = _score_all(sim, name, up, p, label, fold, bar_fold, config.init_cash)
        metrics[name] = whole
        result.per_fold.setdefault(ticker, {})[name] = per_fold
        result.per_year.setdefault(ticker, {})[name] = per_year
        result.returns[(ticker, name)] = sim.net_return[name].rename("return")
    draws = [
        score_window(_window(sim, f"random_{i}", p > config.threshold, p, label), config.init_cash)
        for i, p in enumerate(random_proba)
    ]
    metrics["random"] = {
        k: float(np.nanmean([d[k] for d in draws])) for k in draws[0] if not isinstance(draws[0][k], str)
    }
    result.baselines[ticker] = {"random": _spread(draws, metrics, variants)}
    _significance(result, ticker, sim, variants, config, seed)
    for name in [*variants, "always_long", "buy_and_hold", "random"]:
        metrics[name]["excess_return_vs_buy_and_hold"] = (
            metrics[name]["total_return"] - metrics["buy_and_hold"]["total_return"]
        )
    _warn_small(ticker, variants, len(proba))
    return _long_frame(ticker, sim, [*variants, "always_long", "buy_and_hold"])


def _ticker_columns(prices, proba: pd.DataFrame, config: BacktestConfig, seed: int):
    """Weights, fees and slippage of every column of a ticker, and the random draws behind some.

    Columns: the variants, always-long, buy-and-hold, the random draws and each
    variant's cost sweep (total cost per side charged as fees).
    """
    volatility = None
    if config.sizing == "volatility":
        volatility = (
            trailing_volatility(prices["close"], config.volatility_days).reindex(proba.index).to_numpy()
        )
    random_proba = np.random.default_rng(seed).uniform(0.0, 1.0, size=(config.random_draws, len(proba)))
    columns: dict[str, np.ndarray] = {}
    fees, slippage = [], []

    def add(name, weight, fees_bps=config.fees_bps, slippage_bps=config.slippage_bps):
        columns[name] = weight
        fees.append(fees_bps)
        slippage.append(slippage_bps)

    model = {
        v: _weights(proba[v].fillna(config.threshold).to_numpy(), volatility, config) for v in proba.columns
    }
    for variant, weight in model.items():
        add(variant, weight)
    add("always_long", _weights(np.ones(len(proba)), volatility, config))
    add("buy_and_hold", np.ones(len(proba)), 0.0, 0.0)
    for i, draw in enumerate(random_proba):
        add(f"random_{i}", _weights(draw, volatility, config))
    for variant, weight in model.items():
        for level in config.cost_levels_bps:
            add(f"{variant}@{level:g}", weight, level, 0.0)
    weights = pd.DataFrame(columns, index=proba.index)
    return weights, np.array(fees), np.array(slippage), random_proba


def _weights(proba: np.ndarray, volatility: np.ndarray | None, config: BacktestConfig) -> np.ndarray:
    direction = direction_from_proba(
        proba, config.policy, config.upper, config.lower, config.neutral, config.min_holding_days
    )
    return position_weights(
        direction, volatility, config.fraction, config.target_volatility, config.max_leverage
    )


def _window(sim, name, predicted_up, proba, label, decisions=None, bars=None) -> Window:
    decisions = slice(None) if decisions is None else decisions
    bars = np.ones(len(sim.net_return), bool) if bars is None else bars
    pnl = sim.trade_pnl[name]
    in_window = pnl.index.isin(sim.net_return.index[bars])
    return Window(
        net_return=sim.net_return[name].to_numpy()[bars],
        position=sim.position[name].to_numpy()[bars],
        traded=sim.traded[name].to_numpy()[bars],
        costs_cash=sim.costs_cash[name].to_numpy()[bars],
        trade_pnl=pnl.to_numpy()[in_window],
        label=label[decisions],
        predicted_up=None if predicted_up is None else predicted_up[decisions],
        proba=None if proba is None else proba[decisions],
    )


def _score_all(sim, name, predicted_up, proba, label, fold, bar_fold, init_cash):
    whole = score_window(_window(sim, name, predicted_up, proba, label), init_cash)
    per_fold, per_year = {}, {}
    years = fold.index.year
    bar_years = sim.net_return.index.year
    for key in sorted(fold.unique()):
        window = _window(
            sim, name, predicted_up, proba, label, (fold == key).to_numpy(), (bar_fold == key).to_numpy()
        )
        per_fold[str(key)] = score_window(window, init_cash)
    for key in sorted(set(years)):
        window = _window(
            sim, name, predicted_up, proba, label, np.asarray(years == key), np.asarray(bar_years == key)
        )
        per_year[str(key)] = score_window(window, init_cash)
    return whole, per_fold, per_year


def _spread(draws, metrics, variants) -> dict[str, object]:
    """Mean, standard deviation and 5-95% range over the random draws; how often each variant beats them."""
    spread: dict[str, object] = {"draws": len(draws)}
    for key in _SPREAD_NAMES:
        values = np.array([d[key] for d in draws], dtype="float64")
        spread[key] = {
            "mean": float(np.nanmean(values)),
            "std": float(np.nanstd(values, ddof=1)),
            "p05": float(np.nanpercentile(values, 5)),
            "p95": float(np.nanpercentile(values, 95)),
        }
    sharpes = np.array([d["sharpe"] for d in draws], dtype="float64")
    spread["share_of_draws_beaten_on_sharpe"] = {
        v: float(np.mean(metrics[v]["sharpe"] > sharpes)) for v in variants
    }
    return spread


def _significance(result, ticker, sim, variants, config, seed) -> None:
    metrics = result.metrics[ticker]
    net = sim.net_return
    per_period = [sharpe_ratio(net[v].to_numpy(), 1) for v in variants]
    sharpe_variance = float(np.nanvar(per_period, ddof=1)) if len(variants) > 1 else None
    trials = max(config.trials or 0, len(variants))  # never fewer than the variants run here
    for name in [*variants, "always_long", "buy_and_hold"]:
        low, high = sharpe_bootstrap_interval(net[name].to_numpy(), config.bootstrap_reps, seed=seed)
        metrics[name].update(sharpe_ci_low=low, sharpe_ci_high=high)
        metrics[name]["dsr"] = deflated_sharpe_ratio(net[name].to_numpy(), trials, sharpe_variance)
    spa = spa_test(net["buy_and_hold"].to_numpy(), net[variants].to_numpy(), config.bootstrap_reps, seed=seed)
    levels = list(config.cost_levels_bps)
    sweep, break_even = {}, {}
    bh_sharpe = metrics["buy_and_hold"]["sharpe"]
    for v in variants:
        sharpes = [sharpe_ratio(net[f"{v}@{level:g}"].to_numpy()) for level in levels]
        totals = [float(np.prod(1 + net[f"{v}@{level:g}"].to_numpy()) - 1) for level in levels]
        sweep[v] = {"cost_bps_per_side": levels, "sharpe": sharpes, "total_return": totals}
        break_even[v] = {
            "zero_sharpe": break_even_cost(np.array(levels), np.array(sharpes), 0.0),
            "buy_and_hold_sharpe": break_even_cost(np.array(levels), np.array(sharpes), bh_sharpe),
        }
    result.cost_sweep[ticker] = sweep
    result.significance[ticker] = {
        "trials": trials,
        "spa_vs_buy_and_hold": spa,
        "break_even_cost": break_even,
    }


def _warn_small(ticker: str, variants: list[str], n: int) -> None:
    if n < MIN_PREDICTIONS:
        warnings.warn(
            f"{ticker}: only {n} predictions per variant ({', '.join(variants)}), "
            f"fewer than {MIN_PREDICTIONS}; "
            "accuracy and Sharpe carry wide intervals (see accuracy_ci_* and sharpe_ci_* in metrics.json)",
            SmallSampleWarning,
            stacklevel=4,
        )


def _long_frame(ticker: str, sim, names: list[str]) -> pd.DataFrame:
    benchmark = sim.net_return["buy_and_hold"].to_numpy()
    parts = [
        pd.DataFrame(
            {
                "date": sim.net_return.index,
                "ticker": ticker,
                "variant": name,
                "position": sim.position[name].to_numpy(),
                "gross_return": sim.gross_return[name].to_numpy(),
                "cost": sim.cost[name].to_numpy(),
                "net_return": sim.net_return[name].to_numpy(),
                "benchmark_return": benchmark,
            }
        )
        for name in names
    ]
    return pd.concat(parts, ignore_index=True)
