"""Fold-concurrent training: a variant's independent folds trained at once, as one stacked model.

The recipe is :class:`~alphacheck.walkforward.trainer.SequenceClassifier`'s,
fold by fold: each fold is initialised under its own seed, shuffles its own
samples with its own generator (seeded as the sequential trainer seeds it),
takes its own batches, and has its own ``pos_weight``, AdamW state, cosine
learning rate, gradient-norm clipping and early stopping with best-weight
restore. What changes is that the folds' weights are stacked along a leading
dimension and every operation runs on all of them at once
(:mod:`alphacheck.models.stacked_variants`): F small models cost one kernel
launch per operation instead of F, which is what a GPU needs.

A step gathers batch ``s`` of every fold; a fold whose epoch has fewer batches
(fewer samples) is masked out of the later steps, a short last batch is padded
and masked, and a fold that stopped early leaves the stack (its best weights
are kept). With dropout 0, predictions equal the sequential trainer's up to
float rounding (the tests hold them within 1e-5); with dropout, the masks come
from per-fold counter-based streams (:class:`~alphacheck.models.stacked.FoldNoise`),
so results differ from the sequential trainer's but are the same for a given
seed whatever folds share the stack.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from alphacheck.models.registry import get_variant
from alphacheck.models.stacked import FoldNoise
from alphacheck.models.stacked_optim import StackedAdamW, clip_grad_norm_per_fold
from alphacheck.models.stacked_variants import FlatParameters, fold_state, stacked_forward
from alphacheck.walkforward.trainer import _MIN_IMPROVEMENT, SequenceClassifier, _learning_rate, _pos_weight

__all__ = ["FoldArrays", "batching_obstacle", "fit_folds"]

log = logging.getLogger(__name__)

#: (x, y, x_val, y_val) of one fold: sequences ``(samples, time, features)`` and 0/1 labels.
FoldArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def batching_obstacle(variant: str, params: dict[str, Any], n_features: int) -> str | None:
    """Why the variant's folds cannot train stacked (a short reason), or None when they can."""
    spec = get_variant(variant)
    resolved = spec.resolve(params)
    for member in resolved["members"] if spec.is_ensemble else [variant]:
        member_spec = get_variant(member)
        member_params = resolved if member == variant else member_spec.resolve({})
        module = member_spec.build_model(n_features, member_params)
        if stacked_forward(module) is None:
            return f"{member}'s module {type(module).__name__} has no stacked form"
    return None


def fit_folds(
    variant: str,
    params: dict[str, Any] | None,
    training: Any,
    device: Any,
    folds: Sequence[FoldArrays],
    seeds: Sequence[int],
    on_epoch: Callable[[int, int, float], None] | None = None,
) -> list[SequenceClassifier]:
    """Train one model per fold, all folds at once; what ``SequenceClassifier.fit`` gives per fold.

    Parameters
    ----------
    variant, params, training, device
        As for :class:`~alphacheck.walkforward.trainer.SequenceClassifier`.
    folds
        Each fold's training and validation arrays.
    seeds
        Each fold's seed (the sequential trainer's ``seed`` for that fold).
    on_epoch
        Called after each epoch with ``(epoch, epochs, mean validation loss of the training folds)``.

    Returns
    -------
    list of SequenceClassifier
        Fitted, one per fold, in order; ``fit_seconds_`` is the fold's share of the stack's time.

    Raises
    ------
    ValueError
        When a layer of the variant has no stacked form (see :func:`batching_obstacle`).
    """
    if training is None:
        from alphacheck.scenarios.schema import TrainingConfig

        training = TrainingConfig()
    params = params or {}
    spec = get_variant(variant)
    resolved = spec.resolve(params)
    device = torch.device(device)
    started = time.perf_counter()
    data = _Stack.from_arrays(folds, device)
    if spec.is_ensemble:
        members = resolved["members"]
        runs = [_train(m, get_variant(m).resolve({}), {}, training, data, seeds, on_epoch) for m in members]
    else:
        runs = [_train(variant, resolved, params, training, data, seeds, on_epoch)]
    seconds = (time.perf_counter() - started) / len(folds)
    return [
        _classifier(variant, params, resolved, training, device, seeds[k], runs, k, folds[k], seconds)
        for k in range(len(folds))
    ]


def _classifier(variant, params, resolved, training, device, seed, runs, k, arrays, seconds):
    """Fold ``k``'s fitted classifier: its module (an ensemble of the members' modules) with best weights."""
    modules = [run.modules[k] for run in runs]
    if get_variant(variant).is_ensemble:
        from alphacheck.models.ensemble import MeanProbabilityEnsemble

        model = MeanProbabilityEnsemble(modules).to(device)
    else:
        model = modules[0]
    summaries = [run.summary(k) for run in runs]
    classifier = SequenceClassifier(variant, params, training, device, seed=seed)
    classifier.params_ = resolved
    x_val, y_val = (
        torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32, device=device) for a in arrays[2:]
    )
    return classifier._fitted(model, summaries, x_val, y_val, _pos_weight(arrays[1], device), seconds)


@dataclass
class _Stack:
    """Every fold's training and validation rows, zero-padded to the longest fold, on the device."""

    x: torch.Tensor  # (fold, samples, time, features)
    y: torch.Tensor  # (fold, samples)
    n: list[int]
    x_val: torch.Tensor
    y_val: torch.Tensor
    n_val: list[int]
    pos_weight: torch.Tensor  # (fold,)

    @classmethod
    def from_arrays(cls, folds: Sequence[FoldArrays], device: torch.device) -> _Stack:
        def pad(arrays):
            longest = max(len(a) for a in arrays)
            out = np.zeros((len(arrays), longest, *arrays[0].shape[1:]), dtype="float32")
            for k, a in enumerate(arrays):
                out[k, : len(a)] = a
            return torch.as_tensor(out, device=device)

        weights = torch.stack([_pos_weight(f[1], device) for f in folds])
        return cls(
            pad([f[0] for f in folds]),
            pad([f[1] for f in folds]),
            [len(f[1]) for f in folds],
            pad([f[2] for f in folds]),
            pad([f[3] for f in folds]),
            [len(f[3]) for f in folds],
            weights,
        )


@dataclass
class _Run:
    """One architecture's stack after training: each fold's module (best weights) and its record."""

    modules: list[Any]
    epochs_run: list[int]
    best_epoch: list[int] = field(default_factory=list)
    best_loss: list[float] = field(default_factory=list)

    def summary(self, k: int) -> dict[str, Any]:
        return {
            "epochs_run": self.epochs_run[k],
            "best_epoch": self.best_epoch[k],
            "best_val_loss": self.best_loss[k],
        }


def _train(name, resolved, overrides, cfg, data: _Stack, seeds, on_epoch) -> _Run:
    """Train one architecture on every fold of ``data`` at once; returns the modules with best weights."""
    device = data.x.device
    modules = []
    for seed in seeds:
        torch.manual_seed(seed)  # each fold's initial weights exactly as the sequential trainer draws them
        modules.append(get_variant(name).build_model(data.x.shape[3], resolved).to(device))
    forward = stacked_forward(modules[0])
    if forward is None:
        raise ValueError(f"variant {name!r}: {type(modules[0]).__name__} has no stacked form")
    state = _State(FlatParameters(modules), cfg, seeds, device)
    rates = _rate_table(_learning_rate(name, overrides, resolved, cfg), cfg)
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    run = _Run(modules, [cfg.epochs] * len(seeds), [0] * len(seeds), [math.inf] * len(seeds))
    waited = [0] * len(seeds)
    for epoch in range(1, cfg.epochs + 1):
        orders = [torch.randperm(data.n[k], generator=generators[k]) for k in state.live]
        _epoch(forward, state, data, orders, cfg, epoch, rates[epoch - 1])
        losses = _val_losses(forward, state, data)
        if on_epoch:
            on_epoch(epoch, cfg.epochs, float(np.mean(losses)))
        keep = []
        for position, (k, loss) in enumerate(zip(state.live, losses)):
            if loss < run.best_loss[k] - _MIN_IMPROVEMENT:
                run.best_loss[k], run.best_epoch[k], waited[k] = loss, epoch, 0
                state.save_best(position, k)
            else:
                waited[k] += 1
                if waited[k] >= cfg.patience:
                    run.epochs_run[k] = epoch
            keep.append(waited[k] < cfg.patience)
        state.keep(keep)
        if not state.live:
            break
    for k, module in enumerate(modules):
        module.load_state_dict(fold_state(state.weights.views(state.best), k))
    return run


class _State:
    """The training folds' stacked weights, optimiser and dropout streams, and every fold's best weights."""

    def __init__(self, weights: FlatParameters, cfg, seeds, device) -> None:
        self.weights = weights
        self.best = weights.flat.detach().clone()
        self.optimiser = StackedAdamW([weights.flat], cfg.weight_decay)
        self.noise = FoldNoise(list(seeds), device)
        self.live = list(range(len(seeds)))
        self.rows = torch.arange(len(seeds), device=device)

    def save_best(self, position: int, fold: int) -> None:
        self.best[fold] = self.weights.flat.detach()[position]

    def keep(self, keep: list[bool]) -> None:
        """Drop the folds that stopped: later steps compute only the folds still training."""
        if all(keep):
            return
        mask = torch.tensor(keep, device=self.rows.device)
        self.weights.keep(mask)
        self.optimiser.params = [self.weights.flat]
        self.optimiser.keep(mask)
        self.noise = self.noise.keep(mask)
        self.live = [k for k, kept in zip(self.live, keep) if kept]
        self.rows = self.rows[mask]


def _rate_table(learning_rate: float, cfg: Any) -> list[float]:
    """The learning rate of each epoch, read from the scheduler the sequential trainer steps."""
    dummy = torch.nn.Parameter(torch.zeros(1))
    optimiser = torch.optim.AdamW([dummy], lr=learning_rate)
    schedule = None
    if cfg.lr_schedule == "cosine":
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=cfg.epochs)
    rates = []
    for _ in range(cfg.epochs):
        rates.append(optimiser.param_groups[0]["lr"])
        if schedule is not None:
            optimiser.step()  # keeps the scheduler from warning that it stepped before the optimiser
            schedule.step()
    return rates


def _epoch(forward, state: _State, data: _Stack, orders, cfg, epoch: int, rate: float) -> None:
    """One epoch of every training fold: batch ``s`` of each fold's own order at step ``s``."""
    size = cfg.batch_size
    steps = max(math.ceil(len(order) / size) for order in orders)
    index = torch.zeros(len(orders), steps * size, dtype=torch.int64)
    mask = torch.zeros(len(orders), steps * size, dtype=torch.bool)
    for position, order in enumerate(orders):
        index[position, : len(order)] = order
        mask[position, : len(order)] = True
    device = data.x.device
    index, mask = index.to(device), mask.to(device)
    rows = state.rows.unsqueeze(1)
    weights = data.pos_weight[state.rows].unsqueeze(1)
    rates = torch.full((len(orders),), rate, dtype=torch.float64, device=device)
    for step in range(steps):
        batch, taken = index[:, step * size : (step + 1) * size], mask[:, step * size : (step + 1) * size]
        state.noise.start(epoch, step)
        logits = forward(state.weights.views(), data.x[rows, batch], state.noise)
        targets = data.y[rows, batch]
        losses = F.binary_cross_entropy_with_logits(logits, targets, pos_weight=weights, reduction="none")
        counts = taken.sum(dim=1)
        # The sum of each fold's mean loss: fold k's gradient is that of its own mean.
        loss = ((losses * taken).sum(dim=1) / counts.clamp(min=1)).sum()
        state.optimiser.zero_grad()
        loss.backward()
        clip_grad_norm_per_fold(state.optimiser.params, cfg.grad_clip)
        state.optimiser.step(counts > 0, rates)


def _val_losses(forward, state: _State, data: _Stack) -> list[float]:
    """Each training fold's validation loss, reduced over its own rows as the sequential trainer does."""
    with torch.no_grad():
        logits = forward(state.weights.views(), data.x_val[state.rows], None)
        losses = [
            F.binary_cross_entropy_with_logits(
                logits[position, : data.n_val[k]],
                data.y_val[k, : data.n_val[k]],
                pos_weight=data.pos_weight[k],
            )
            for position, k in enumerate(state.live)
        ]
    return torch.stack(losses).tolist()
