"""The unit of walk-forward work: one variant's group of folds, on the scenario's tickers.

The tickers are pooled into one model per fold, so a task is a
(variant, fold-group) over the scenario's ticker set. Folds of a variant are
independent unless ``training.warm_start`` chains them (a fold starts from the
previous fold's weights): then all of a variant's folds form one group, run in
order. :func:`run_task` prepares and trains each fold with
:mod:`alphacheck.walkforward.folds` (same scaler, sequences, seed and
checkpoints wherever it runs), so where a task runs does not change what it
predicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from alphacheck.models.calibration import CalibratedProba
from alphacheck.walkforward import folds as fold_steps
from alphacheck.walkforward.progress import NullProgress

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.settings import WalkForwardScenario

__all__ = ["FoldOutcome", "FoldTask", "TaskResult", "checkpoint_folder", "plan_tasks", "run_task"]


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
    # compute.fold_concurrency batched: the variant's stack plan (its checkpoint key part); the
    # task's folds are one stack, trained at once. None: the folds train one after another.
    stacked: str | None = None


@dataclass
class FoldOutcome:
    """One trained (or resumed) fold: P(up) of its test rows, the rows, its record and weights (CPU).

    ``proba`` holds the model's own P(up) and the fold's calibrator, fitted
    wherever the fold ran exactly as it would be fitted in this process.
    """

    fold: int
    proba: CalibratedProba
    rows: pd.DataFrame  # date, fwd_return, label, ticker of each test row
    record: dict[str, Any]
    state: dict[str, Any]


@dataclass
class TaskResult:
    """A task's folds, in order."""

    task: FoldTask
    outcomes: list[FoldOutcome] = field(default_factory=list)


def plan_tasks(
    scenario: WalkForwardScenario,
    n_folds: int,
    group_size: int | None = 1,
    stacks: dict[int, list[list[int]] | None] | None = None,
) -> list[FoldTask]:
    """Split every variant's folds into tasks.

    Parameters
    ----------
    scenario
        The scenario; its variants and their ``warm_start`` are read.
    n_folds
        Folds of the walk-forward.
    group_size
        Folds per task when folds are independent (None: 1).
    stacks
        Per variant position, its stack plan (:func:`alphacheck.walkforward.stacks.stack_plan`)
        when its folds train stacked: then one task per stack.

    Returns
    -------
    list of FoldTask
        Variant by variant, folds in order. With warm starts, one task per variant.
    """
    from alphacheck.walkforward.stacks import concurrency_key

    tasks = []
    for position, variant in enumerate(scenario.variants):
        plan = (stacks or {}).get(position)
        if plan is not None:
            tasks += [FoldTask(position, tuple(group), concurrency_key(plan)) for group in plan]
            continue
        warm = variant.training_config(scenario.training).warm_start
        size = n_folds if warm else max(1, group_size or 1)
        for start in range(0, n_folds, size):
            tasks.append(FoldTask(position, tuple(range(start, min(start + size, n_folds)))))
    return tasks


def run_task(
    task: FoldTask,
    datasets: dict[str, pd.DataFrame],
    scenario: WalkForwardScenario,
    device: torch.device | str,
    checkpoint_dir: Path | None = None,
    progress: NullProgress | None = None,
) -> TaskResult:
    """Train (or resume) a task's folds.

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
    progress
        Told when each fold starts, after each epoch and when each fold ends.

    Returns
    -------
    TaskResult
    """
    import torch

    from alphacheck.walkforward.checkpoint import FoldStore
    from alphacheck.walkforward.splits import make_folds

    device = torch.device(device)
    progress = progress or NullProgress()
    variant = scenario.variants[task.variant]
    calendar = fold_steps.common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    folder = checkpoint_folder(task, datasets, scenario, device, checkpoint_dir)
    store = None if folder is None else FoldStore(folder)
    if task.stacked is not None:
        return _run_stack_task(task, datasets, scenario, calendar, folds, device, store, progress)
    result, state = TaskResult(task), None
    for position in task.folds:
        fold = folds[position]
        parts, _ = fold_steps.prepare_fold(datasets, calendar, fold, scenario.walkforward.sequence_length)
        trained = fold_steps.train_fold(scenario, variant, fold, parts, device, store, state, progress)
        state = trained.state
        weights = {k: v.detach().cpu() for k, v in state.items()}
        result.outcomes.append(
            FoldOutcome(position, trained.proba, parts["test"].meta, trained.record, weights)
        )
        progress.end_fold(trained.record)
    return result


def checkpoint_folder(
    task: FoldTask,
    datasets: dict[str, pd.DataFrame],
    scenario: WalkForwardScenario,
    device: torch.device | str,
    checkpoint_dir: Path | None = None,
) -> Path | None:
    """Where a task's fold checkpoints live (``<root>/<key>``); None when checkpoints are off."""
    from alphacheck.walkforward.checkpoint import cache_root, data_fingerprint, run_key

    if not scenario.training.checkpoint:
        return None
    root = Path(checkpoint_dir) if checkpoint_dir else cache_root() / "folds"
    variant = scenario.variants[task.variant]
    return root / run_key(data_fingerprint(datasets), scenario, variant, device, task.stacked)


def _run_stack_task(task, datasets, scenario, calendar, folds, device, store, progress) -> TaskResult:
    """A stacked task: its folds prepared, then trained at once as one stack."""
    from alphacheck.walkforward.stacks import run_stack

    length = scenario.walkforward.sequence_length
    stack = [folds[position] for position in task.folds]
    parts = [fold_steps.prepare_fold(datasets, calendar, fold, length)[0] for fold in stack]
    variant = scenario.variants[task.variant]
    result = TaskResult(task)
    for position, fold_parts, trained in zip(
        task.folds, parts, run_stack(scenario, variant, stack, parts, device, store, progress)
    ):
        weights = {k: v.detach().cpu() for k, v in trained.state.items()}
        result.outcomes.append(
            FoldOutcome(position, trained.proba, fold_parts["test"].meta, trained.record, weights)
        )
        progress.end_fold(trained.record)
    return result
