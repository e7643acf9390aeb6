"""Score predictions: the model's strategy against buy-and-hold and always-long."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphacheck.backtest.engine import simulate
from alphacheck.backtest.metrics import classification_metrics, max_drawdown, sharpe_ratio, total_return
from alphacheck.scenarios.schema import BacktestConfig

__all__ = ["BASELINES", "METRIC_NAMES", "Evaluation", "evaluate"]

BASELINES = ("buy_and_hold", "always_long")
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


@dataclass
class Evaluation:
    """Metrics per strategy and ticker, and the daily returns behind them."""

    metrics: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    returns: dict[tuple[str, str], pd.Series] = field(default_factory=dict)


def evaluate(
    predictions: pd.DataFrame, prices: dict[str, pd.DataFrame], config: BacktestConfig
) -> Evaluation:
    """Backtest each variant on each ticker, with the baselines over the same dates.

    ``buy_and_hold`` holds the ticker over exactly the bars the strategy could
    be invested in, without costs; ``always_long`` is a predictor that says "up"
    every day, traded with the same costs as the model.
    """
    result = Evaluation()
    for (variant, ticker), rows in predictions.groupby(["variant", "ticker"], sort=True):
        rows = rows.sort_values("date")
        dates = pd.DatetimeIndex(rows["date"])
        predicted_up = rows["proba"].to_numpy() > config.threshold
        signal = pd.Series(predicted_up.astype(float), index=dates)
        label = rows["label"].to_numpy()
        strategies = {
            variant: (signal, config.fees_bps, config.slippage_bps, predicted_up),
            "always_long": (signal * 0 + 1.0, config.fees_bps, config.slippage_bps, np.ones(len(rows), bool)),
            "buy_and_hold": (signal * 0 + 1.0, 0.0, 0.0, None),
        }
        for name, (sig, fees, slippage, up) in strategies.items():
            if name in BASELINES and name in result.metrics.get(ticker, {}):
                continue  # baselines depend on the dates only, which every variant shares
            run = simulate(prices[ticker], sig, config.execution, fees, slippage, config.init_cash)
            scores = _scores(run.returns.to_numpy(), up, label)
            scores.update(
                win_rate=run.win_rate,
                n_trades=run.n_trades,
                n_predictions=len(rows) if up is not None else 0,
            )
            result.metrics.setdefault(ticker, {})[name] = {k: scores[k] for k in METRIC_NAMES}
            result.returns[(ticker, name)] = run.returns
    return result


def _scores(returns: np.ndarray, predicted_up: np.ndarray | None, label: np.ndarray) -> dict[str, float]:
    if predicted_up is None:
        scores = dict.fromkeys(("accuracy", "precision", "recall", "f1"), float("nan"))
    else:
        scores = classification_metrics(predicted_up, label)
    scores.update(
        total_return=total_return(returns),
        sharpe=sharpe_ratio(returns),
        max_drawdown=max_drawdown(returns),
    )
    return scores
