"""Classification and trading metrics as pure functions of arrays.

Trading metrics take a series of per-period simple returns, compound them
(never sum), and annualise with ``periods_per_year`` (252 everywhere). An
undefined value (a ratio over zero) is ``nan``, written as ``null`` in JSON.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PERIODS_PER_YEAR",
    "annual_volatility",
    "cagr",
    "calmar_ratio",
    "classification_metrics",
    "confusion_metrics",
    "hit_rate",
    "max_drawdown",
    "max_drawdown_calendar_days",
    "max_drawdown_duration",
    "probability_metrics",
    "sharpe_ratio",
    "sortino_ratio",
    "total_return",
    "trade_metrics",
    "trading_metrics",
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


def cagr(returns: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Compound annual growth rate: ``(1 + total) ** (periods_per_year / n) - 1``."""
    n = len(returns)
    if n == 0:
        return float("nan")
    growth = 1.0 + total_return(returns)
    return float(growth ** (periods_per_year / n) - 1.0) if growth > 0 else -1.0


def annual_volatility(returns: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Standard deviation (ddof=1) of the returns times ``sqrt(periods_per_year)``."""
    returns = np.asarray(returns, dtype="float64")
    return float(returns.std(ddof=1) * np.sqrt(periods_per_year)) if len(returns) > 1 else float("nan")


def sortino_ratio(returns: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Mean over downside deviation ``sqrt(mean(min(r, 0)^2))``, annualised.

    Same definition as quantstats: the downside deviation averages the squared
    losses over all periods. ``nan`` when no period lost.
    """
    returns = np.asarray(returns, dtype="float64")
    downside = np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2)) if len(returns) else 0.0
    if downside == 0:
        return float("nan")
    return float(returns.mean() / downside * np.sqrt(periods_per_year))


def calmar_ratio(returns: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """CAGR over the size of the maximum drawdown; ``nan`` without a drawdown."""
    drawdown = max_drawdown(returns)
    return float(cagr(returns, periods_per_year) / -drawdown) if drawdown < 0 else float("nan")


def max_drawdown_duration(returns: np.ndarray) -> int:
    """Longest run of periods (bars, not calendar days) with compounded equity below its running peak."""
    equity = np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(returns, dtype="float64"))])
    under = equity < np.maximum.accumulate(equity)
    longest = current = 0
    for flag in under:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return int(longest)


def max_drawdown_calendar_days(returns: np.ndarray, dates: np.ndarray) -> float:
    """Calendar days of the longest spell below the running peak, first to last bar under water, inclusive.

    Counted as quantstats counts its "Longest DD Days" (``(last - first).days + 1``
    over each spell, the longest kept), on alphacheck's equity, which starts at 1
    before the first return (so a loss on the first bar starts a spell). 0
    without a drawdown; ``nan`` without dates.
    """
    returns = np.asarray(returns, dtype="float64")
    days = np.asarray(dates, dtype="datetime64[D]")
    if len(days) != len(returns) or not len(returns):
        return float("nan")
    equity = np.cumprod(1.0 + returns)
    under = equity < np.maximum.accumulate(np.concatenate([[1.0], equity]))[1:]
    longest, first = 0, None
    for i, flag in enumerate(under):
        if flag and first is None:
            first = i
        if first is not None and (not flag or i == len(under) - 1):
            last = i if flag else i - 1
            longest = max(longest, int((days[last] - days[first]).astype(int)) + 1)
            first = None
    return float(longest)


def trade_metrics(pnl: np.ndarray) -> dict[str, float]:
    """Per closed trade: win rate, profit factor, average win over average loss, count.

    ``win_rate`` is the share of trades with positive PnL (the daily hit rate
    is :func:`hit_rate`); ``profit_factor`` is gross profit over gross loss.
    """
    pnl = np.asarray(pnl, dtype="float64")
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    return {
        "win_rate": float(len(wins) / len(pnl)) if len(pnl) else float("nan"),
        "profit_factor": float(wins.sum() / -losses.sum()) if len(losses) else float("nan"),
        "avg_win_loss": float(wins.mean() / -losses.mean()) if len(wins) and len(losses) else float("nan"),
        "n_trades": len(pnl),
    }


def hit_rate(returns: np.ndarray, position: np.ndarray) -> float:
    """Share of the invested periods (position not 0) whose return was positive."""
    returns = np.asarray(returns, dtype="float64")
    invested = np.asarray(position) != 0
    return float(np.mean(returns[invested] > 0)) if invested.any() else float("nan")


def trading_metrics(returns: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR) -> dict[str, float]:
    """The return-based trading metrics of one series of per-period returns."""
    return {
        "total_return": total_return(returns),
        "cagr": cagr(returns, periods_per_year),
        "volatility": annual_volatility(returns, periods_per_year),
        "sharpe": sharpe_ratio(returns, periods_per_year),
        "sortino": sortino_ratio(returns, periods_per_year),
        "calmar": calmar_ratio(returns, periods_per_year),
        "max_drawdown": max_drawdown(returns),
        "max_drawdown_bars": max_drawdown_duration(returns),
    }


def probability_metrics(proba: np.ndarray, label: np.ndarray) -> dict[str, float]:
    """Balanced accuracy needs predictions; these need P(up): ROC AUC, log loss and the Brier score.

    ROC AUC is the Mann-Whitney statistic with ties counted half; ``nan`` when
    only one class is present. Log loss clips P(up) to [1e-15, 1 - 1e-15]. The
    Brier score is the mean of ``(P(up) - label)^2``: 0 is perfect, and a
    constant forecast of the realised up rate ``u`` scores ``u (1 - u)``
    (0.2484 at u = 0.54), the reference to read it against.
    """
    proba = np.asarray(proba, dtype="float64")
    true = np.asarray(label, dtype=bool)
    n_pos, n_neg = int(true.sum()), int((~true).sum())
    if n_pos and n_neg:
        order = np.argsort(proba, kind="mergesort")
        ranks = np.empty(len(proba))
        sorted_proba = proba[order]
        # average ranks over ties
        _, first, counts = np.unique(sorted_proba, return_index=True, return_counts=True)
        average = first + (counts + 1) / 2.0
        ranks[order] = np.repeat(average, counts)
        auc = (ranks[true].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
    else:
        auc = float("nan")
    clipped = np.clip(proba, 1e-15, 1 - 1e-15)
    log_loss = -np.mean(np.where(true, np.log(clipped), np.log(1 - clipped))) if len(proba) else float("nan")
    brier = np.mean((proba - true) ** 2) if len(proba) else float("nan")
    return {"roc_auc": float(auc), "log_loss": float(log_loss), "brier": float(brier)}


def confusion_metrics(predicted_up: np.ndarray, label: np.ndarray) -> dict[str, float]:
    """Confusion counts, balanced accuracy and the share of "up" predictions."""
    pred = np.asarray(predicted_up, dtype=bool)
    true = np.asarray(label, dtype=bool)
    tp, fp = int(np.sum(pred & true)), int(np.sum(pred & ~true))
    fn, tn = int(np.sum(~pred & true)), int(np.sum(~pred & ~true))
    tpr = tp / (tp + fn) if tp + fn else float("nan")
    tnr = tn / (tn + fp) if tn + fp else float("nan")
    return {
        "balanced_accuracy": float(np.nanmean([tpr, tnr])) if tp + fn or tn + fp else float("nan"),
        "share_up": float(pred.mean()) if len(pred) else float("nan"),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }
