"""Does variant B really beat variant A? Paired tests, A/B test length and capital splits."""

from alphacheck.compare.blend import blend_returns, blended_metrics, parse_split
from alphacheck.compare.paired import (
    diebold_mariano,
    log_loss_per_row,
    mcnemar,
    min_track_record_length,
    model_confidence_set,
    newey_west_lag,
    sharpe_difference_interval,
)
from alphacheck.compare.rundir import Comparison, compare_run, format_comparison, write_comparison

__all__ = [
    "Comparison",
    "blend_returns",
    "blended_metrics",
    "compare_run",
    "diebold_mariano",
    "format_comparison",
    "log_loss_per_row",
    "mcnemar",
    "min_track_record_length",
    "model_confidence_set",
    "newey_west_lag",
    "parse_split",
    "sharpe_difference_interval",
    "write_comparison",
]
