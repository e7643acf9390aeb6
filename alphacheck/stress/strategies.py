"""Score a set of predictions and buy-and-hold over the same days: the stress records.

Stress windows and shocks score the variants on a subset of the run's dates
(or on shocked prices) through the run's backtest
(:func:`alphacheck.backtest.strategies.run_backtest`): same policy, sizing and
costs, buy-and-hold through the same bars without costs. This module only
picks the figures a stress record keeps.
"""

from __future__ import annotations

import pandas as pd

from alphacheck.backtest.strategies import CostOverride, run_backtest
from alphacheck.scenarios.schema import BacktestConfig

__all__ = ["STRESS_METRICS", "score_strategies"]

#: The figures a stress record keeps from the full score of a window.
STRESS_METRICS = (
    "accuracy",
    "accuracy_ci_low",
    "accuracy_ci_high",
    "total_return",
    "sharpe",
    "max_drawdown",
    "n_trades",
    "costs_paid",
    "n_predictions",
    "n_bars",
)


def score_strategies(
    rows: pd.DataFrame,
    prices: pd.DataFrame,
    config: BacktestConfig,
    costs: CostOverride | None = None,
    volatility: pd.Series | None = None,
) -> dict[str, dict[str, object]]:
    """Score every variant of one ticker's predictions, and buy-and-hold over the same bars.

    Parameters
    ----------
    rows
        Predictions of one ticker: ``date, ticker, variant, proba, label`` on consecutive dates.
    prices
        That ticker's prices (the bars the positions earn on).
    config
        Policy, thresholds, sizing, execution and costs of the run.
    costs
        Costs per side for the variants (default: the config's).
    volatility
        The trailing volatility ``sizing: volatility`` reads per decision date
        (default: from ``prices``).

    Returns
    -------
    dict
        ``{strategy: {metric: value}}`` with :data:`STRESS_METRICS`, the first
        and last decision dates and, for variants, the excess total return over
        buy-and-hold.
    """
    (ticker,) = rows["ticker"].unique()
    sizing = None if volatility is None else {str(ticker): volatility}
    bt = run_backtest(
        rows, {ticker: prices}, config, costs, baselines=False, cost_sweep=False, volatility=sizing
    )[str(ticker)]
    dates = bt.decisions.proba.index
    variants = bt.decisions.variants
    scores = {}
    for name in [*variants, "buy_and_hold"]:
        full = bt.score(name)
        scores[name] = {
            "first_date": str(dates[0].date()),
            "last_date": str(dates[-1].date()),
            **{key: full[key] for key in STRESS_METRICS},
        }
    for name in variants:
        scores[name]["excess_return_vs_buy_and_hold"] = (
            scores[name]["total_return"] - scores["buy_and_hold"]["total_return"]
        )
    return scores
