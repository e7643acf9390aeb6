"""Trade a set of predictions and buy-and-hold over the same days, and score both.

Stress windows and shocks score the variants on a subset of the run's dates
(or on shocked prices) with the run's policy, sizing and costs; buy-and-hold
holds the ticker through the same bars without costs, as in the main backtest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import simulate_weights
from alphacheck.backtest.positions import direction_from_proba, position_weights, trailing_volatility
from alphacheck.backtest.scoring import Window, score_window
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
    fees_bps: float | None = None,
    slippage_bps: float | None = None,
) -> dict[str, dict[str, object]]:
    """Score every variant of one ticker's predictions, and buy-and-hold over the same bars.

    Parameters
    ----------
    rows
        Predictions of one ticker: ``date, variant, proba, label`` on consecutive dates.
    prices
        That ticker's prices (the bars the positions earn on).
    config
        Policy, thresholds, sizing, execution and costs of the run.
    fees_bps, slippage_bps
        Costs per side for the variants (default: the config's).

    Returns
    -------
    dict
        ``{strategy: {metric: value}}`` with :data:`STRESS_METRICS`, the first
        and last decision dates and, for variants, the excess total return over
        buy-and-hold.
    """
    proba = rows.pivot(index="date", columns="variant", values="proba").sort_index()
    proba.index = pd.DatetimeIndex(proba.index)
    label = rows.pivot(index="date", columns="variant", values="label").max(axis=1).to_numpy().astype(bool)
    volatility = None
    if config.sizing == "volatility":
        volatility = (
            trailing_volatility(prices["close"], config.volatility_days).reindex(proba.index).to_numpy()
        )
    weights = {
        v: _weights(proba[v].fillna(config.threshold).to_numpy(), volatility, config) for v in proba.columns
    }
    weights["buy_and_hold"] = np.ones(len(proba))
    fees = [config.fees_bps if fees_bps is None else fees_bps] * len(proba.columns) + [0.0]
    slippage = [config.slippage_bps if slippage_bps is None else slippage_bps] * len(proba.columns) + [0.0]
    sim = simulate_weights(
        prices,
        pd.DataFrame(weights, index=proba.index),
        config.execution,
        np.array(fees),
        np.array(slippage),
        config.fixed_fee,
        config.init_cash,
    )
    scores = {}
    for name in weights:
        p = proba[name].to_numpy() if name in proba.columns else None
        window = Window(
            net_return=sim.net_return[name].to_numpy(),
            position=sim.position[name].to_numpy(),
            traded=sim.traded[name].to_numpy(),
            costs_cash=sim.costs_cash[name].to_numpy(),
            trade_pnl=sim.trade_pnl[name].to_numpy(),
            label=label,
            predicted_up=None if p is None else p > config.threshold,
            proba=p,
        )
        full = score_window(window, config.init_cash)
        scores[name] = {
            "first_date": str(proba.index[0].date()),
            "last_date": str(proba.index[-1].date()),
            **{key: full[key] for key in STRESS_METRICS},
        }
    for name in proba.columns:
        scores[name]["excess_return_vs_buy_and_hold"] = (
            scores[name]["total_return"] - scores["buy_and_hold"]["total_return"]
        )
    return scores


def _weights(proba: np.ndarray, volatility: np.ndarray | None, config: BacktestConfig) -> np.ndarray:
    direction = direction_from_proba(
        proba, config.policy, config.upper, config.lower, config.neutral, config.min_holding_days
    )
    return position_weights(
        direction, volatility, config.fraction, config.target_volatility, config.max_leverage
    )
