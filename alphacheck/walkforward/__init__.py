"""Walk-forward splits, the per-fold trainer and the fold runner."""

from alphacheck.walkforward.runner import (
    PREDICTION_COLUMNS,
    TrainedModel,
    WalkForwardResult,
    common_calendar,
    run_walkforward,
)
from alphacheck.walkforward.splits import Fold, make_folds

__all__ = [
    "PREDICTION_COLUMNS",
    "Fold",
    "TrainedModel",
    "WalkForwardResult",
    "common_calendar",
    "make_folds",
    "run_walkforward",
]
