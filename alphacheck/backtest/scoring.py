"""Score one strategy over one window: classification, trading and significance figures.

A window is a set of decision dates (their predictions) and the bars whose
returns those decisions earned. The same function scores a whole run, a fold
and a calendar year, so every breakdown means the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alphacheck.backtest.metrics import (
    PERIODS_PER_YEAR,
    classification_metrics,
    confusion_metrics,
    hit_rate,
    max_drawdown_calendar_days,
    probability_metrics,
    trade_metrics,
    trading_metrics,
)
from alphacheck.backtest.significance import MIN_PREDICTIONS, accuracy_test

__all__ = ["CLASSIFICATION_NAMES", "Window", "score_window"]

CLASSIFICATION_NAMES = (
    "accuracy",
    "precision",
    "recall",
    "f1",
    "balanced_accuracy",
    "roc_auc",
    "log_loss",
    "brier",
    "share_up",
    "tp",
    "fp",
    "fn",
    "tn",
    "majority_rate",
    "accuracy_ci_low",
    "accuracy_ci_high",
    "binomial_p_value",
)


@dataclass
class Window:
    """What one strategy did over one window.

    ``proba`` is ``None`` for a strategy that predicts nothing (buy-and-hold);
    ``predicted_up`` and ``label`` are per decision date; the rest per bar,
    except ``trade_pnl`` (per closed trade) and ``costs_cash`` (cash per bar).
    ``bar_dates`` are the bars' dates, for the drawdown in calendar days.
    """

    net_return: np.ndarray
    position: np.ndarray
    traded: np.ndarray
    costs_cash: np.ndarray
    trade_pnl: np.ndarray
    label: np.ndarray
    predicted_up: np.ndarray | None = None
    proba: np.ndarray | None = None
    bar_dates: np.ndarray | None = None


def score_window(
    window: Window, init_cash: float, periods_per_year: int = PERIODS_PER_YEAR
) -> dict[str, object]:
    """Every metric of one window, as a flat dict (``nan`` where undefined).

    Classification figures are ``nan`` without predictions. ``turnover`` is
    the traded value over equity, annualised; ``exposure`` the share of bars
    with a position at the close; ``max_drawdown_bars`` and
    ``max_drawdown_calendar_days`` the longest time under water in bars and in
    calendar days; ``costs_paid`` fees plus slippage in cash over the
    starting equity. With fewer than ``MIN_PREDICTIONS`` predictions a
    ``warning`` entry says to read the interval, not the percentage.
    """
    net = np.asarray(window.net_return, dtype="float64")
    scores: dict[str, object] = dict(_classification(window))
    scores.update(trading_metrics(net, periods_per_year))
    scores.update(trade_metrics(window.trade_pnl))
    n_bars = len(net)
    scores.update(
        hit_rate=hit_rate(net, window.position),
        turnover=float(np.sum(window.traded) / n_bars * periods_per_year) if n_bars else float("nan"),
        exposure=float(np.mean(np.asarray(window.position) != 0)) if n_bars else float("nan"),
        max_drawdown_calendar_days=(
            float("nan") if window.bar_dates is None else max_drawdown_calendar_days(net, window.bar_dates)
        ),
        costs_paid=float(np.sum(window.costs_cash) / init_cash),
        n_predictions=0 if window.predicted_up is None else len(window.predicted_up),
        n_bars=n_bars,
    )
    if window.predicted_up is not None and len(window.predicted_up) < MIN_PREDICTIONS:
        scores["warning"] = (
            f"only {len(window.predicted_up)} predictions (< {MIN_PREDICTIONS}): "
            "read accuracy_ci_low..accuracy_ci_high, not the accuracy alone"
        )
    return scores


def _classification(window: Window) -> dict[str, float]:
    label = np.asarray(window.label, dtype=bool)
    up_rate = float(label.mean()) if len(label) else float("nan")
    majority = max(up_rate, 1 - up_rate)
    if window.predicted_up is None:
        scores = dict.fromkeys(CLASSIFICATION_NAMES, float("nan"))
        scores["majority_rate"] = majority
        return scores
    up = np.asarray(window.predicted_up, dtype=bool)
    scores = classification_metrics(up, label)
    scores.update(confusion_metrics(up, label))
    if window.proba is not None:
        scores.update(probability_metrics(window.proba, label))
    else:
        scores.update(roc_auc=float("nan"), log_loss=float("nan"), brier=float("nan"))
    scores["majority_rate"] = majority
    scores.update(accuracy_test(int(np.sum(up == label)), len(up), majority))
    return scores
