"""Stress tests: historical windows, synthetic shocks re-predicted by the fold models."""

from alphacheck.stress.sections import stress_sections
from alphacheck.stress.shocked import (
    CHANGED_METRICS,
    ShockedRun,
    metric_changes,
    run_shocks,
    shocked_predictions,
    trade_multipliers,
)
from alphacheck.stress.shocks import apply_multipliers, in_ranges, shock_multipliers
from alphacheck.stress.strategies import STRESS_METRICS, score_strategies
from alphacheck.stress.windows import (
    WHOLE_WINDOW,
    fold_test_starts,
    qualifying_predictions,
    stress_windows,
    window_predictions,
)

__all__ = [
    "CHANGED_METRICS",
    "STRESS_METRICS",
    "WHOLE_WINDOW",
    "ShockedRun",
    "apply_multipliers",
    "fold_test_starts",
    "in_ranges",
    "metric_changes",
    "qualifying_predictions",
    "run_shocks",
    "score_strategies",
    "shock_multipliers",
    "shocked_predictions",
    "stress_sections",
    "stress_windows",
    "trade_multipliers",
    "window_predictions",
]
