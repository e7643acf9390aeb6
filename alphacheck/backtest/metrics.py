"""Classification and trading metrics as pure functions of arrays.

Trading metrics take a series of per-period simple returns, compound them
(never sum), and annualise with ``periods_per_year`` (252 everywhere). An
undefined value (a ratio over zero) is ``nan``, written as ``null`` in JSON.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PERIODS_PER_YEAR",
    "classification_metrics",
    "max_drawdown",
    "sharpe_ratio",
    "total_return",
]

PERIODS_PER_YEAR = 252


def total_return(returns: np.ndarray) -> float:
    """Compounded return over the whole series: ``prod(1 + r) - 1``."""
    return float(np.prod(1.0 + np.asarray(returns, dtype="float64")) - 1.0)


def sharpe_ratio(returns: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR, risk_free: float = 0.0) -> float:
    """Annualised Sharpe ratio: ``mean / std (ddof=1) * sqrt(periods_per_year)``.

    ``risk_free`` is per period. ``nan`` when the returns do not vary.
    """
    excess = np.asarray(returns, dtype="float64") - risk_free
    if len(excess) < 2:
        return float("nan")
    std = excess.std(ddof=1)
    if std == 0 or not np.isfinite(std):
        return float("nan")
    return float(excess.mean() / std * np.sqrt(periods_per_year))


def max_drawdown(returns: np.ndarray) -> float:
    """Largest fall of compounded equity from a running peak, as a negative fraction.

    The equity starts at 1 before the first return, so a loss on day one counts.
    """
    equity = np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(returns, dtype="float64"))])
    peaks = np.maximum.accumulate(equity)
    return float((equity / peaks - 1.0).min())


def classification_metrics(predicted_up: np.ndarray, label: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of "up" predictions against labels.

    Precision is ``nan`` when nothing was predicted up; recall when no day was up.
    """
    pred = np.asarray(predicted_up, dtype=bool)
    true = np.asarray(label, dtype=bool)
    tp = float(np.sum(pred & true))
    fp = float(np.sum(pred & ~true))
    fn = float(np.sum(~pred & true))
    n = len(pred)
    accuracy = float(np.mean(pred == true)) if n else float("nan")
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}
