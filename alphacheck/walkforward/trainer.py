"""Train one variant on one fold: the training recipe, as a scikit-learn-style estimator.

AdamW with weight decay, a cosine-annealed learning rate, ``BCEWithLogitsLoss``
with ``pos_weight`` from the training labels, gradient clipping, early stopping
on the validation tail that restores the best weights, and an optional warm
start from a previous fold's weights. An ensemble fits each member the same
way (same seed) and averages their probabilities. Probabilities come from the
one sigmoid in :meth:`predict_proba`.

The training config is read by attribute only, so this runs without pydantic.
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from alphacheck.models.registry import get_variant
from alphacheck.walkforward.classifier import FoldClassifier

if TYPE_CHECKING:
    from alphacheck.walkforward.settings import TrainingSettings

__all__ = ["SequenceClassifier"]

_MIN_IMPROVEMENT = 1e-6


class SequenceClassifier(FoldClassifier):
    """A torch variant fitted on ``(samples, time, features)`` sequences.

    Parameters are :class:`~alphacheck.walkforward.classifier.FoldClassifier`'s:
    ``training`` is the whole recipe (epochs, batch size, patience, weight
    decay, gradient clipping, learning rate, schedule), ``seed`` seeds weight
    initialisation and batch order, ``on_epoch`` hears after every epoch.
    """

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        x_val: np.ndarray,
        y_val: np.ndarray,
        init_state: dict[str, Any] | None = None,
    ) -> SequenceClassifier:
        """Train with early stopping on ``(x_val, y_val)``; keeps the best weights.

        Parameters
        ----------
        x, y
            Training sequences and 0/1 labels.
        x_val, y_val
            The validation tail for early stopping.
        init_state
            A state dict to start from (warm start) instead of a fresh initialisation.
        """
        if self.training is None:
            from alphacheck.scenarios.schema import TrainingConfig

            self.training = TrainingConfig()
        spec = get_variant(self.variant)
        self.params_ = spec.resolve(self.params)
        device = torch.device(self.device)
        data = tuple(_tensor(a, device) for a in (x, y, x_val, y_val))
        started = time.perf_counter()
        if spec.is_ensemble:
            model, runs = self._fit_ensemble(self.params_["members"], data, device, init_state)
        else:
            model, run = self._fit_one(spec.name, self.params_, data, device, init_state)
            runs = [run]
        seconds = time.perf_counter() - started
        return self._fitted(model, runs, data[2], data[3], _pos_weight(y, device), seconds)

    def _fitted(self, model, runs, x_val, y_val, pos_weight, seconds) -> SequenceClassifier:
        """Set the fitted attributes from the trained module (best weights) and its run summaries."""
        model.eval()
        self.model_ = model
        self.epochs_run_ = max(r["epochs_run"] for r in runs)
        self.best_epoch_ = max(r["best_epoch"] for r in runs)
        self.best_val_loss_ = _loss(model, x_val, y_val, pos_weight)
        self.fit_seconds_ = seconds
        return self

    def _fit_ensemble(self, members, data, device, init_state):
        from alphacheck.models.ensemble import MeanProbabilityEnsemble

        modules, runs = [], []
        for i, member in enumerate(members):
            spec = get_variant(member)
            state = None
            if init_state is not None:
                prefix = f"members.{i}."
                state = {k[len(prefix) :]: v for k, v in init_state.items() if k.startswith(prefix)}
            module, run = self._fit_one(member, spec.resolve({}), data, device, state)
            modules.append(module)
            runs.append(run)
        return MeanProbabilityEnsemble(modules).to(device), runs

    def _fit_one(self, name, params, data, device, init_state):
        """Build and train one module; returns it with its best weights and a run summary."""
        xt, yt, xv, yv = data
        cfg = self.training
        torch.manual_seed(self.seed)
        model = get_variant(name).build_model(xt.shape[2], params).to(device)
        if init_state is not None:
            model.load_state_dict(init_state)
        _check_output(name, model, xt[:2])
        learning_rate = _learning_rate(name, self.params if name == self.variant else {}, params, cfg)
        optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=cfg.weight_decay)
        schedule = None
        if cfg.lr_schedule == "cosine":
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=cfg.epochs)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=_pos_weight(yt.cpu().numpy(), device))
        generator = torch.Generator().manual_seed(self.seed)
        best_loss, best_state, best_epoch, waited, epoch = float("inf"), None, 0, 0, 0
        for epoch in range(1, cfg.epochs + 1):
            model.train()
            order = torch.randperm(len(xt), generator=generator).to(device)
            for batch in order.split(cfg.batch_size):
                optimiser.zero_grad(set_to_none=True)
                loss = loss_fn(model(xt[batch]), yt[batch])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimiser.step()
            if schedule is not None:
                schedule.step()
            val_loss = _loss(model, xv, yv, loss_fn.pos_weight)
            if self.on_epoch:
                self.on_epoch(epoch, cfg.epochs, val_loss)
            if val_loss < best_loss - _MIN_IMPROVEMENT:
                best_loss, best_epoch, waited = val_loss, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
                if waited >= cfg.patience:
                    break
        model.load_state_dict(best_state)
        return model, {"epochs_run": epoch, "best_epoch": best_epoch, "best_val_loss": best_loss}

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(up) per sequence, shape ``(samples,)``."""
        if not hasattr(self, "model_"):
            raise RuntimeError("SequenceClassifier is not fitted; call fit() first")
        device = next(self.model_.parameters()).device
        outputs = []
        self.model_.eval()
        with torch.no_grad():
            for chunk in _tensor(x, device).split(4096):
                outputs.append(torch.sigmoid(self.model_(chunk)).cpu())
        return torch.cat(outputs).numpy().astype("float64")


def _check_output(name: str, model: torch.nn.Module, x: torch.Tensor) -> None:
    """Refuse a module that does not return one finite-shaped logit per sequence (a plugin's, typically)."""
    from alphacheck.exceptions import ConfigError

    model.eval()  # no dropout: this forward pass draws nothing from the random generators
    with torch.no_grad():
        out = model(x)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (len(x),):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(
            f"variant {name!r}: its module returned {shape} for a batch of {len(x)} sequences; "
            "it must return "
            f"one logit per sequence, shape ({len(x)},) (e.g. .squeeze(-1) a (batch, 1) output)"
        )


def _learning_rate(
    name: str, overrides: dict[str, Any], resolved: dict[str, Any], cfg: TrainingSettings
) -> float:
    """A variant's params win, then the shared ``training.learning_rate``, then the registry default."""
    if "learning_rate" in overrides:
        return float(overrides["learning_rate"])
    if cfg.learning_rate is not None:
        return float(cfg.learning_rate)
    return float(resolved["learning_rate"])


def _pos_weight(y: np.ndarray, device: torch.device) -> torch.Tensor:
    """negatives / positives of the training labels (1 when a class is missing)."""
    positives = float(np.sum(y))
    negatives = float(len(y) - positives)
    return torch.tensor(negatives / positives if positives and negatives else 1.0, device=device)


def _loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, pos_weight: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float(torch.nn.functional.binary_cross_entropy_with_logits(model(x), y, pos_weight=pos_weight))


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(array), dtype=torch.float32, device=device)
