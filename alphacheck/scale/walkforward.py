"""The walk-forward through an executor: same predictions, tasks spread out.

:func:`run_walkforward_scaled` plans the (variant, fold-group) tasks, hands
them to the scenario's executor and assembles the results exactly as
:func:`alphacheck.walkforward.run_walkforward` does (same row order, same
fold records, the same last model per variant, every fold's module for the
stress shocks). With ``compute.executor: local`` it simply calls the
in-process runner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from alphacheck.scale.executors import make_executor
from alphacheck.scale.tasks import TaskResult, plan_tasks

__all__ = ["run_walkforward_scaled"]


def run_walkforward_scaled(
    datasets: dict[str, pd.DataFrame],
    scenario: Any,
    device: Any,
    executor: Any = None,
    on_fold: Callable[[str, Any, dict[str, object]], None] | None = None,
    progress: Any = None,
    checkpoint_dir: Path | None = None,
) -> Any:
    """Train every variant on every fold through an executor.

    Parameters
    ----------
    datasets
        Per ticker, features plus ``fwd_return`` and ``label``.
    scenario
        The scenario; ``scenario.compute`` picks the executor when ``executor`` is None.
    device
        ``torch.device`` to train on (each worker trains on the same device).
    executor
        A :mod:`alphacheck.scale.executors` executor; closed here only when made here.
    on_fold
        Called with ``(variant, fold, record)`` as folds finish (in finishing order).
    progress
        Progress display; it gets one variant line and a tick per finished fold.
    checkpoint_dir
        Root of the fold checkpoints (default: ``<alphacheck home>/folds``).

    Returns
    -------
    WalkForwardResult
        Identical to the in-process runner's for the same scenario and seed.
    """
    from alphacheck.walkforward import WalkForwardResult, run_walkforward
    from alphacheck.walkforward.runner import (
        PREDICTION_COLUMNS,
        _fit_scaler,
        _fold_arrays,
        _module_from_state,
        _trained_model,
        common_calendar,
        prediction_rows,
    )
    from alphacheck.models.calibration import CalibratedModel
    from alphacheck.walkforward.splits import make_folds

    compute = getattr(scenario, "compute", None)
    owned = executor is None
    if owned:
        name = compute.executor if compute else "local"
        if name == "local":
            return run_walkforward(datasets, scenario, device, on_fold, progress, checkpoint_dir)
        threads = compute.threads_per_worker or getattr(scenario.training, "cpu_threads", None)
        executor = make_executor(name, compute.workers, compute.ray_address, threads)
    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    tasks = plan_tasks(scenario, len(folds), compute.fold_group_size if compute else 1)
    try:
        results = _collect(
            executor, tasks, datasets, scenario, device, checkpoint_dir, folds, on_fold, progress
        )
    finally:
        if owned:
            executor.close()
    rows, records, models, fold_models = [], [], {}, {}
    length = scenario.walkforward.sequence_length
    for position, variant in enumerate(scenario.variants):
        outcomes = sorted(
            (o for r in results if r.task.variant == position for o in r.outcomes), key=lambda o: o.fold
        )
        for outcome in outcomes:
            parts = _fold_arrays(datasets, calendar, folds[outcome.fold], length)
            index = folds[outcome.fold].index
            rows.append(prediction_rows(parts["test"][2], variant.name, index, outcome.proba))
            module = _module_from_state(variant, parts, outcome.state)
            fold_models[(variant.name, index)] = CalibratedModel(module, outcome.proba.calibrator)
            records.append(outcome.record)
        last = max((r for r in results if r.task.variant == position), key=lambda r: r.task.folds[-1])
        fold = folds[last.task.folds[-1]]
        scaler = _fit_scaler(datasets, fold)
        parts = _fold_arrays(datasets, calendar, fold, length, scaler)
        models[variant.name] = _trained_model(
            scenario, variant, datasets, fold, parts, scaler, None, last.last_state,
            last.outcomes[-1].proba.calibrator,
        )
    predictions = pd.concat(rows, ignore_index=True)[PREDICTION_COLUMNS]
    predictions = predictions.sort_values(["variant", "ticker", "date"], ignore_index=True)
    return WalkForwardResult(predictions, records, models, fold_models)


def _collect(executor, tasks, datasets, scenario, device, checkpoint_dir, folds, on_fold, progress):
    """Run the tasks; report each fold as its task finishes."""
    results: list[TaskResult] = []
    if progress is not None:
        progress.start_variant(", ".join(v.name for v in scenario.variants), sum(len(t.folds) for t in tasks))
    for result in executor.map(tasks, datasets, scenario, device, checkpoint_dir):
        results.append(result)
        for outcome in result.outcomes:
            if progress is not None:
                progress.end_fold(outcome.record)
            if on_fold:
                on_fold(scenario.variants[result.task.variant].name, folds[outcome.fold], outcome.record)
    if progress is not None:
        progress.end_variant()
    return results
