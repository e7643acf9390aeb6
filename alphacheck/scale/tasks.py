"""The unit of scale-out work: one variant's group of folds, on the scenario's tickers.

The runner pools the tickers into one model per fold, so a task is a
(variant, fold-group) over the scenario's ticker set; a study over several
ticker sets runs one scenario per set. Folds of a variant are independent
unless ``training.warm_start`` chains them (a fold starts from the previous
fold's weights): then all of a variant's folds form one group, run in order.

A task runs :func:`alphacheck.walkforward.runner._run_fold` exactly as the
in-process runner does (same scaler, same sequences, same seed per fold,
same checkpoint store), so where it runs does not change what it predicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alphacheck.models.calibration import CalibratedProba

__all__ = ["FoldOutcome", "FoldTask", "TaskResult", "plan_tasks", "run_task"]


@dataclass(frozen=True)
class FoldTask:
    """One variant's folds to train in order.

    Attributes
    ----------
    variant
        Position of the variant in ``scenario.variants``.
    folds
        Positions of the folds in the walk-forward's fold list, in order.
    """

    variant: int
    folds: tuple[int, ...]


@dataclass
class FoldOutcome:
    """What one trained (or resumed) fold gives back: its predictions, record and weights (on the CPU).

    ``proba`` holds the model's own P(up) and the fold's calibrator, fitted in the
    worker on the fold's validation tail exactly as the in-process runner fits it.
    """

    fold: int
    proba: CalibratedProba
    record: dict[str, Any]
    state: dict[str, Any]


@dataclass
class TaskResult:
    """A task's folds, in order, and the weights of its last fold."""

    task: FoldTask
    outcomes: list[FoldOutcome] = field(default_factory=list)
    last_state: dict[str, Any] | None = None


def plan_tasks(scenario: Any, n_folds: int, group_size: int = 1) -> list[FoldTask]:
    """Split every variant's folds into tasks.

    Parameters
    ----------
    scenario
        The scenario; its variants and ``training.warm_start`` are read.
    n_folds
        Folds of the walk-forward.
    group_size
        Folds per task when folds are independent.

    Returns
    -------
    list of FoldTask
        Variant by variant, folds in order. With warm starts, one task per variant.
    """
    tasks = []
    for position, variant in enumerate(scenario.variants):
        training = (
            variant.training_config(scenario.training)
            if hasattr(variant, "training_config")
            else scenario.training
        )
        size = n_folds if training.warm_start else max(1, group_size)
        for start in range(0, n_folds, size):
            tasks.append(FoldTask(position, tuple(range(start, min(start + size, n_folds)))))
    return tasks


def run_task(
    task: FoldTask,
    datasets: dict[str, Any],
    scenario: Any,
    device: Any,
    checkpoint_dir: Path | None = None,
) -> TaskResult:
    """Train (or resume) a task's folds, as the in-process runner would.

    Parameters
    ----------
    task
        The variant and folds to run.
    datasets
        Per ticker, features plus ``fwd_return`` and ``label``.
    scenario
        The whole scenario (walk-forward, training, variants, seed).
    device
        ``torch.device`` or its name.
    checkpoint_dir
        Root of the fold checkpoints (default: ``<alphacheck home>/folds``).

    Returns
    -------
    TaskResult
    """
    import torch

    from alphacheck.walkforward.checkpoint import FoldStore, cache_root, data_fingerprint, run_key
    from alphacheck.walkforward.progress import NullProgress
    from alphacheck.walkforward.runner import _fit_scaler, _fold_arrays, _run_fold, common_calendar
    from alphacheck.walkforward.splits import make_folds

    device = torch.device(device)
    variant = scenario.variants[task.variant]
    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    store = None
    if scenario.training.checkpoint:
        root = Path(checkpoint_dir) if checkpoint_dir else cache_root() / "folds"
        store = FoldStore(root / run_key(data_fingerprint(datasets), scenario, variant, device))
    result, state = TaskResult(task), None
    for position in task.folds:
        fold = folds[position]
        scaler = _fit_scaler(datasets, fold)
        parts = _fold_arrays(datasets, calendar, fold, scenario.walkforward.sequence_length, scaler)
        proba, record, state, _ = _run_fold(
            scenario, variant, fold, parts, device, store, state, NullProgress()
        )
        weights = {k: v.detach().cpu() for k, v in state.items()}
        result.outcomes.append(FoldOutcome(position, proba, record, weights))
    result.last_state = result.outcomes[-1].state
    return result
