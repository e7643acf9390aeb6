"""``compute.fold_concurrency: batched``: which of a variant's folds train together, and training a stack.

:func:`stack_plan` cuts a variant's folds into stacks (groups trained at once
by :func:`~alphacheck.walkforward.batched.fit_folds`), as large as the memory
estimate of :mod:`~alphacheck.walkforward.fold_groups` and
``compute.fold_group_size`` allow, or returns ``None`` when the variant
trains one fold at a time: ``sequential`` mode, ``warm_start`` (each fold
starts from the previous one's weights) or a layer without a stacked form
(a one-line note in the log says which).

:func:`run_stack` checkpoints at the level of the stack: a stack whose folds
are all checkpointed is loaded, any other is trained whole, so a run
interrupted anywhere ends with the stacks an uninterrupted run trains and the
same predictions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphacheck.walkforward.fold_groups import (
    BUDGET_SHARE,
    device_memory_bytes,
    fold_memory_bytes,
    split_groups,
    stack_size,
)

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.checkpoint import FoldStore
    from alphacheck.walkforward.folds import FoldRows, TrainedFold
    from alphacheck.walkforward.progress import NullProgress
    from alphacheck.walkforward.settings import VariantSettings, WalkForwardScenario
    from alphacheck.walkforward.splits import Fold

__all__ = ["concurrency_key", "run_stack", "stack_plan"]

log = logging.getLogger(__name__)


def stack_plan(
    scenario: WalkForwardScenario,
    variant: VariantSettings,
    datasets: dict[str, pd.DataFrame],
    calendar: pd.DatetimeIndex,
    folds: list[Fold],
    device: torch.device | str,
) -> list[list[int]] | None:
    """Positions of the folds of each stack, in order, or None when the variant trains fold by fold.

    Parameters
    ----------
    scenario
        The scenario (``compute.fold_concurrency``, ``compute.fold_group_size``, walk-forward, training).
    variant
        The variant's entry of ``scenario.variants``.
    datasets, calendar, folds
        Per-ticker datasets, their common calendar and the walk-forward folds.
    device
        Where the stacks train; its total memory bounds the stack size.
    """
    if scenario.compute.fold_concurrency != "batched":
        return None
    if variant.training_config(scenario.training).warm_start:
        log.warning("%s: warm_start chains its folds, so they train one at a time", variant.name)
        return None
    from alphacheck.walkforward.batched import batching_obstacle

    from alphacheck.walkforward.folds import feature_columns

    n_features = len(feature_columns(datasets))
    obstacle = batching_obstacle(variant.name, variant.params, n_features)
    if obstacle is not None:
        log.warning("%s: %s; its folds train one at a time", variant.name, obstacle)
        return None
    size = _stack_size(scenario, variant, datasets, calendar, folds, device, n_features)
    return split_groups(list(range(len(folds))), size)


def _stack_size(scenario, variant, datasets, calendar, folds, device, n_features) -> int:
    """Folds per stack for the largest fold: the memory budget's count, capped by fold_group_size."""
    dates = np.asarray(calendar)

    def rows(start, end):  # an upper bound of the fold's sequences, from the dates alone
        return int(((dates >= np.datetime64(start)) & (dates <= np.datetime64(end))).sum()) * len(datasets)

    n_fit = max(rows(f.fit_start, f.fit_end) for f in folds)
    n_val = max(rows(f.val_start, f.val_end) for f in folds)
    training = variant.training_config(scenario.training)
    per_fold = fold_memory_bytes(
        variant.name,
        variant.params,
        n_features,
        scenario.walkforward.sequence_length,
        training.batch_size,
        n_fit,
        n_val,
    )
    budget = int(BUDGET_SHARE * device_memory_bytes(device))
    return stack_size(per_fold, budget, len(folds), scenario.compute.fold_group_size)


def concurrency_key(plan: list[list[int]] | None) -> str | None:
    """What the checkpoint key adds for stacked training (None for fold by fold): the stack sizes."""
    return None if plan is None else "batched:" + ",".join(str(len(group)) for group in plan)


def run_stack(
    scenario: WalkForwardScenario,
    variant: VariantSettings,
    folds: list[Fold],
    parts: list[dict[str, FoldRows]],
    device: torch.device | str,
    store: FoldStore | None,
    progress: NullProgress,
) -> list[TrainedFold]:
    """Train one stack of folds at once, or load it when every fold of it is checkpointed.

    Parameters
    ----------
    scenario, variant, device
        As for :func:`alphacheck.walkforward.folds.train_fold`.
    folds, parts
        The stack's folds and each fold's prepared rows (``fit``, ``val``, ``test``).
    store
        The variant's :class:`~alphacheck.walkforward.checkpoint.FoldStore`, or None.
    progress
        Progress display: one epoch bar for the whole stack.

    Returns
    -------
    list of TrainedFold
        Per fold, in order, as :func:`~alphacheck.walkforward.folds.train_fold` gives
        them (``proba`` calibrated on the fold's validation tail).
    """
    from alphacheck.walkforward.folds import _check_classes, _finish_fold, _load_trained

    saved = [_load_trained(store, variant, fold, fold_parts) for fold, fold_parts in zip(folds, parts)]
    if all(s is not None for s in saved):
        log.info("%s folds %s: resumed from checkpoints", variant.name, [f.index for f in folds])
        return saved
    from alphacheck.walkforward.batched import fit_folds

    for fold, fold_parts in zip(folds, parts):
        _check_classes(fold, fold_parts)
    training = variant.training_config(scenario.training)
    progress.start_fold(folds[0].index, training.epochs)
    models = fit_folds(
        variant.name,
        variant.params,
        training,
        device,
        [(p["fit"].x, p["fit"].y, p["val"].x, p["val"].y) for p in parts],
        [scenario.seed + fold.index for fold in folds],
        on_epoch=progress.epoch,
    )
    stacked = {"fold_stack": len(folds)}
    return [
        _finish_fold(variant, fold, fold_parts, model, device, store, training, stacked)
        for fold, fold_parts, model in zip(folds, parts, models)
    ]
