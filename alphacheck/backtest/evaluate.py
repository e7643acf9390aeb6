"""Score predictions: each variant against buy-and-hold, always-long and random predictors.

The trades come from :func:`alphacheck.backtest.strategies.run_backtest`: the
variants at the configured costs, the baselines, the random draws and the cost
sweep of each variant. Baselines use the same decision dates as the variants:

- ``buy_and_hold`` holds the ticker through the same bars, without costs;
- ``always_long`` says "up" every day, traded by the same policy and costs;
- ``random`` draws P(up) uniformly (seeded), ``random_draws`` times; its
  metrics are the mean over draws, its spread is in ``baselines``.

Every variant on every ticker is a trial: the probabilistic Sharpe ratio
(``psr``) and, with more than one trial counted, the deflated one (``dsr``)
are computed over all of them (:mod:`alphacheck.backtest.trials`); baselines
get neither. Each variant also gets its matched null (``null_draws`` circular
shifts of its own weights, :mod:`alphacheck.backtest.null`) and a
:class:`~alphacheck.backtest.evidence.StrategyRecord` from which the run's
verdicts are judged.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import Simulation
from alphacheck.backtest.evidence import StrategyRecord
from alphacheck.backtest.metrics import sharpe_ratio
from alphacheck.backtest.significance import (
    MIN_PREDICTIONS,
    break_even_cost,
    sharpe_bootstrap_interval,
    spa_test,
)
from alphacheck.backtest.strategies import TickerBacktest, run_backtest
from alphacheck.backtest.trials import Trials, count_trials, deflated_sharpe
from alphacheck.exceptions import SmallSampleWarning
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
    ``trials`` are the run's trials; ``matched_null[ticker][variant]`` where
    each variant falls among its null draws; ``records[(ticker, variant)]``
    what its verdict is judged from.
    """

    metrics: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    returns: dict[tuple[str, str], pd.Series] = field(default_factory=dict)
    frame: pd.DataFrame | None = None
    per_fold: dict[str, dict[str, dict[str, dict[str, object]]]] = field(default_factory=dict)
    per_year: dict[str, dict[str, dict[str, dict[str, object]]]] = field(default_factory=dict)
    baselines: dict[str, dict[str, object]] = field(default_factory=dict)
    significance: dict[str, dict[str, object]] = field(default_factory=dict)
    cost_sweep: dict[str, dict[str, dict[str, list[float]]]] = field(default_factory=dict)
    trials: Trials | None = None
    matched_null: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    records: dict[tuple[str, str], StrategyRecord] = field(default_factory=dict)


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
    backtests = run_backtest(predictions, prices, config, null_draws=config.null_draws, seed=seed)
    frames = [_evaluate_ticker(result, ticker, bt, config, seed) for ticker, bt in backtests.items()]
    result.frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RETURN_COLUMNS)
    for ticker, bt in backtests.items():
        for variant in bt.decisions.variants:
            result.records[(ticker, variant)] = _record(result, ticker, variant, bt, prices[ticker], config)
    if result.records:
        result.trials = count_trials({key: r.returns for key, r in result.records.items()}, config.trials)
        for (ticker, variant), record in result.records.items():
            result.metrics[ticker][variant].update(deflated_sharpe(record.returns, result.trials))
    return result


def _record(
    result: Evaluation,
    ticker: str,
    variant: str,
    bt: TickerBacktest,
    prices: pd.DataFrame,
    config: BacktestConfig,
) -> StrategyRecord:
    """What a variant's verdict on one ticker is judged from; its matched-null summary on the way."""
    from alphacheck.data.validation import stale_open_years

    scores = result.metrics[ticker][variant]
    net = bt.sim.net_return
    null = bt.null[variant]
    result.matched_null.setdefault(ticker, {})[variant] = null.summary(scores["sharpe"], scores["turnover"])
    sweep = result.cost_sweep[ticker][variant]
    stale = {}
    if config.execution == "next_open":  # the fills are at opens: are they real ones?
        stale = stale_open_years(prices.loc[net.index[0] : net.index[-1]])
    return StrategyRecord(
        returns=net[variant].to_numpy(),
        benchmark_returns=net["buy_and_hold"].to_numpy(),
        null_sharpes=null.sharpe,
        cost_sweep=(sweep["cost_bps_per_side"], sweep["sharpe"]),
        n_predictions=int(scores["n_predictions"]),
        exposure=float(scores["exposure"]),
        classification={k: scores[k] for k in ("accuracy", "majority_rate", "binomial_p_value")},
        stale_opens=tuple(stale.items()),
    )


def _evaluate_ticker(
    result: Evaluation, ticker: str, bt: TickerBacktest, config: BacktestConfig, seed: int
) -> pd.DataFrame:
    variants = bt.decisions.variants
    sim, fold = bt.sim, bt.decisions.fold
    bar_fold = fold.reindex(sim.net_return.index).ffill().shift(1).fillna(fold.iloc[0]).astype(int)
    metrics = result.metrics.setdefault(ticker, {})
    for name in [*variants, "always_long", "buy_and_hold"]:
        whole, per_fold, per_year = _score_all(bt, name, bar_fold)
        metrics[name] = whole
        result.per_fold.setdefault(ticker, {})[name] = per_fold
        result.per_year.setdefault(ticker, {})[name] = per_year
        result.returns[(ticker, name)] = sim.net_return[name].rename("return")
    draws = [bt.score(f"random_{i}") for i in range(len(bt.random_proba))]
    metrics["random"] = {
        k: float(np.nanmean([d[k] for d in draws])) for k in draws[0] if not isinstance(draws[0][k], str)
    }
    result.baselines[ticker] = {"random": _spread(draws, metrics, variants)}
    _significance(result, ticker, bt, config, seed)
    for name in [*variants, "always_long", "buy_and_hold", "random"]:
        metrics[name]["excess_return_vs_buy_and_hold"] = (
            metrics[name]["total_return"] - metrics["buy_and_hold"]["total_return"]
        )
    _warn_small(ticker, variants, len(bt.decisions.proba))
    return _long_frame(ticker, sim, [*variants, "always_long", "buy_and_hold"])


def _score_all(bt: TickerBacktest, name: str, bar_fold: pd.Series) -> tuple[dict, dict, dict]:
    """A strategy's score over the whole run, per fold and per calendar year."""
    fold = bt.decisions.fold
    whole = bt.score(name)
    per_fold, per_year = {}, {}
    years = fold.index.year
    bar_years = bt.sim.net_return.index.year
    for key in sorted(fold.unique()):
        per_fold[str(key)] = bt.score(name, (fold == key).to_numpy(), (bar_fold == key).to_numpy())
    for key in sorted(set(years)):
        per_year[str(key)] = bt.score(name, np.asarray(years == key), np.asarray(bar_years == key))
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


def _significance(
    result: Evaluation, ticker: str, bt: TickerBacktest, config: BacktestConfig, seed: int
) -> None:
    metrics = result.metrics[ticker]
    variants = bt.decisions.variants
    net = bt.sim.net_return
    for name in [*variants, "always_long", "buy_and_hold"]:
        low, high = sharpe_bootstrap_interval(net[name].to_numpy(), config.bootstrap_reps, seed=seed)
        metrics[name].update(sharpe_ci_low=low, sharpe_ci_high=high)
    spa = spa_test(net["buy_and_hold"].to_numpy(), net[variants].to_numpy(), config.bootstrap_reps, seed=seed)
    levels = list(config.cost_levels_bps)
    swept = bt.sweep.net_return
    sweep, break_even = {}, {}
    bh_sharpe = metrics["buy_and_hold"]["sharpe"]
    for v in variants:
        sharpes = [sharpe_ratio(swept[(v, level)].to_numpy()) for level in levels]
        totals = [float(np.prod(1 + swept[(v, level)].to_numpy()) - 1) for level in levels]
        sweep[v] = {"cost_bps_per_side": levels, "sharpe": sharpes, "total_return": totals}
        break_even[v] = {
            "zero_sharpe": break_even_cost(np.array(levels), np.array(sharpes), 0.0),
            "buy_and_hold_sharpe": break_even_cost(np.array(levels), np.array(sharpes), bh_sharpe),
        }
    result.cost_sweep[ticker] = sweep
    result.significance[ticker] = {
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


def _long_frame(ticker: str, sim: Simulation, names: list[str]) -> pd.DataFrame:
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
