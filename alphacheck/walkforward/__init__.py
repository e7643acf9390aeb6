"""The walk-forward: splits, fold preparation and training, tasks, executors and the one runner."""

from alphacheck.walkforward.executors import (
    EXECUTORS,
    Executor,
    LocalExecutor,
    ProcessExecutor,
    RayExecutor,
    make_executor,
)
from alphacheck.walkforward.folds import (
    FoldRows,
    TrainedFold,
    common_calendar,
    fit_scaler,
    fold_arrays,
    fold_test_sequences,
    module_from_state,
    prepare_fold,
    train_fold,
)
from alphacheck.walkforward.runner import (
    PREDICTION_COLUMNS,
    TrainedModel,
    WalkForwardResult,
    prediction_rows,
    run_walkforward,
)
from alphacheck.walkforward.splits import Fold, make_folds
from alphacheck.walkforward.tasks import FoldOutcome, FoldTask, TaskResult, plan_tasks, run_task

__all__ = [
    "EXECUTORS",
    "PREDICTION_COLUMNS",
    "Executor",
    "Fold",
    "FoldOutcome",
    "FoldRows",
    "FoldTask",
    "LocalExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "TaskResult",
    "TrainedFold",
    "TrainedModel",
    "WalkForwardResult",
    "common_calendar",
    "fit_scaler",
    "fold_arrays",
    "fold_test_sequences",
    "make_executor",
    "make_folds",
    "module_from_state",
    "plan_tasks",
    "prediction_rows",
    "prepare_fold",
    "run_task",
    "run_walkforward",
    "train_fold",
]
