"""Backtest: predictions to positions to costs-aware returns, and their metrics."""

from alphacheck.backtest.evaluate import BASELINES, METRIC_NAMES, Evaluation, evaluate
from alphacheck.backtest.metrics import (
    PERIODS_PER_YEAR,
    classification_metrics,
    max_drawdown,
    sharpe_ratio,
    total_return,
)

__all__ = [
    "BASELINES",
    "METRIC_NAMES",
    "PERIODS_PER_YEAR",
    "Evaluation",
    "classification_metrics",
    "evaluate",
    "max_drawdown",
    "sharpe_ratio",
    "total_return",
]
