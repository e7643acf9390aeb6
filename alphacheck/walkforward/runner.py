"""Run the walk-forward for every variant and fold: out-of-sample predictions.

:func:`run_walkforward` plans the (variant, fold-group) tasks
(:mod:`alphacheck.walkforward.tasks`), hands them to an executor (in-process,
worker processes or Ray: :mod:`alphacheck.walkforward.executors`) and
assembles what comes back, the same way whichever executor ran them: the
predictions (each fold's calibrated ``proba`` beside the model's own
``proba_raw``), a record per fold, the last model of each variant and every
fold's model with its calibrator for the stress shocks. Finished folds are checkpointed (see
:mod:`alphacheck.walkforward.checkpoint`), so running the same configuration
again resumes after the last finished fold, under any executor.

Configuration is read by attribute only: this module, the splits and the
trainer import neither pydantic nor any of the backtest or tracking libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from alphacheck.models.calibration import CalibratedModel, CalibratedProba
from alphacheck.walkforward import folds as fold_steps
from alphacheck.walkforward.executors import Executor, make_executor
from alphacheck.walkforward.folds import common_calendar, feature_columns, module_from_state
from alphacheck.walkforward.progress import NullProgress
from alphacheck.walkforward.splits import Fold, make_folds
from alphacheck.walkforward.stacks import stack_plan
from alphacheck.walkforward.tasks import FoldOutcome, TaskResult, checkpoint_folder, plan_tasks

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.settings import VariantSettings, WalkForwardScenario

__all__ = ["PREDICTION_COLUMNS", "TrainedModel", "WalkForwardResult", "prediction_rows", "run_walkforward"]

PREDICTION_COLUMNS = ["date", "ticker", "variant", "fold", "proba", "proba_raw", "label", "fwd_return"]


@dataclass
class TrainedModel:
    """The last fold's model of a variant, with what it takes to rebuild and use it."""

    module: Any  # torch.nn.Module, in eval mode, on the CPU
    variant: str
    params: dict[str, Any]
    n_features: int
    sequence_length: int
    feature_columns: list[str]
    scaler_mean: list[float]
    scaler_scale: list[float]
    fold: int
    # The fold's fitted calibrator (ProbabilityCalibrator.to_dict()): module -> calibrated P(up).
    calibration: dict[str, Any] = field(default_factory=dict)
    # The fold's dates (Fold.as_dict()): trained on fit_start .. val_end, predicted test_start .. test_end.
    fold_dates: dict[str, Any] = field(default_factory=dict)


@dataclass
class WalkForwardResult:
    """Predictions (one row per date, ticker, variant), a record per fold, the last models."""

    predictions: pd.DataFrame
    folds: list[dict[str, object]]
    models: dict[str, TrainedModel] = field(default_factory=dict)
    # Every (variant, fold)'s trained module with its calibrator (CalibratedModel), for the stress shocks.
    fold_models: dict[tuple[str, int], Any] = field(default_factory=dict)
    # Per variant, the folder of its fold checkpoints (none when checkpoints are off).
    checkpoints: dict[str, Path] = field(default_factory=dict)

    def reused(self) -> dict[str, tuple[int, int]]:
        """Per variant that resumed any fold: (folds read from checkpoints, folds in all)."""
        counts: dict[str, list[int]] = {}
        for record in self.folds:
            count = counts.setdefault(str(record["variant"]), [0, 0])
            count[0] += bool(record.get("resumed"))
            count[1] += 1
        return {variant: (done, total) for variant, (done, total) in counts.items() if done}


def run_walkforward(
    datasets: dict[str, pd.DataFrame],
    scenario: WalkForwardScenario,
    device: torch.device | str,
    executor: Executor | None = None,
    on_fold: Callable[[str, Fold, dict[str, object]], None] | None = None,
    progress: NullProgress | None = None,
    checkpoint_dir: Path | None = None,
    fresh: bool = False,
) -> WalkForwardResult:
    """Train every variant on every fold and collect out-of-sample predictions.

    Parameters
    ----------
    datasets
        Per ticker, features plus ``fwd_return`` and ``label`` (see ``build_dataset``).
    scenario
        Walk-forward, training and variant settings, the seed, and ``compute``
        (the executor, when ``executor`` is None).
    device
        ``torch.device`` to train on (every worker trains on the same device).
    executor
        Where the tasks run; made from ``scenario.compute`` (and closed here) when None.
    on_fold
        Called with ``(variant, fold, record)`` as folds finish (in finishing order).
    progress
        Progress display (bars); nothing is shown when ``None``.
    checkpoint_dir
        Root of the fold checkpoints (default: ``<alphacheck home>/folds``);
        ignored when ``scenario.training.checkpoint`` is false.
    fresh
        Delete this run's fold checkpoints first, so every fold trains again
        (and is checkpointed anew).

    Returns
    -------
    WalkForwardResult
        The same for the same scenario and seed, whichever executor ran the tasks.
    """
    compute = scenario.compute
    owned = executor is None
    if executor is None:
        threads = compute.threads_per_worker or scenario.training.cpu_threads
        executor = make_executor(compute.executor, compute.workers, compute.ray_address, threads)
    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    stacks = {
        position: stack_plan(scenario, variant, datasets, calendar, folds, device)
        for position, variant in enumerate(scenario.variants)
    }
    tasks = plan_tasks(scenario, len(folds), compute.fold_group_size, stacks)
    checkpoints = _checkpoint_folders(tasks, datasets, scenario, device, checkpoint_dir, fresh)
    results: list[TaskResult] = []
    try:
        for result in executor.map(tasks, datasets, scenario, device, checkpoint_dir, progress):
            results.append(result)
            for outcome in result.outcomes:
                if on_fold:
                    on_fold(scenario.variants[result.task.variant].name, folds[outcome.fold], outcome.record)
    finally:
        if owned:
            executor.close()
    walked = _assemble(datasets, scenario, folds, results)
    walked.checkpoints = checkpoints
    return walked


def _checkpoint_folders(tasks, datasets, scenario, device, checkpoint_dir, fresh) -> dict[str, Path]:
    """Each variant's checkpoint folder; with ``fresh``, emptied first (the folds then train again)."""
    import shutil

    import torch

    folders = {}
    for task in tasks:
        folder = checkpoint_folder(task, datasets, scenario, torch.device(device), checkpoint_dir)
        if folder is not None:
            folders[scenario.variants[task.variant].name] = folder
    if fresh:
        for folder in set(folders.values()):
            shutil.rmtree(folder, ignore_errors=True)
    return folders


def _assemble(
    datasets: dict[str, pd.DataFrame],
    scenario: WalkForwardScenario,
    folds: list[Fold],
    results: list[TaskResult],
) -> WalkForwardResult:
    """Predictions, fold records and models in variant, then fold order, however the tasks finished."""
    n_features = len(feature_columns(datasets))
    rows, records, models, fold_models = [], [], {}, {}
    for position, variant in enumerate(scenario.variants):
        outcomes = sorted(
            (o for r in results if r.task.variant == position for o in r.outcomes), key=lambda o: o.fold
        )
        for outcome in outcomes:
            index = folds[outcome.fold].index
            rows.append(prediction_rows(outcome.rows, variant.name, index, outcome.proba))
            module = module_from_state(variant, n_features, outcome.state)
            fold_models[(variant.name, index)] = CalibratedModel(module, outcome.proba.calibrator)
            records.append(outcome.record)
        last = outcomes[-1]
        models[variant.name] = _last_model(scenario, variant, datasets, folds[last.fold], last)
    predictions = pd.concat(rows, ignore_index=True)[PREDICTION_COLUMNS]
    predictions = predictions.sort_values(["variant", "ticker", "date"], ignore_index=True)
    return WalkForwardResult(predictions, records, models, fold_models)


def prediction_rows(meta: pd.DataFrame, variant: str, fold: int, proba: CalibratedProba) -> pd.DataFrame:
    """A fold's test rows with its calibrated ``proba`` and the model's own ``proba_raw``."""
    return meta.assign(variant=variant, fold=fold, proba=proba.proba, proba_raw=proba.raw)


def _last_model(
    scenario: WalkForwardScenario,
    variant: VariantSettings,
    datasets: dict[str, pd.DataFrame],
    fold: Fold,
    outcome: FoldOutcome,
) -> TrainedModel:
    """A variant's last fold model on the CPU, with its scaler and what it takes to use it."""
    from alphacheck.models.registry import get_variant

    columns = feature_columns(datasets)
    mean, scale = fold_steps.fit_scaler(datasets, fold)  # looked up at call time, like the tasks do
    return TrainedModel(
        module_from_state(variant, len(columns), outcome.state),
        variant.name,
        get_variant(variant.name).resolve(variant.params),
        len(columns),
        scenario.walkforward.sequence_length,
        columns,
        [float(v) for v in mean],
        [float(v) for v in scale],
        fold.index,
        outcome.proba.calibrator.to_dict(),
        fold.as_dict(),
    )
