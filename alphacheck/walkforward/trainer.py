"""Train one variant on one fold: the training recipe, as a scikit-learn-style estimator.

AdamW, ``BCEWithLogitsLoss`` with ``pos_weight`` from the training labels,
gradient clipping, early stopping on the validation tail that restores the best
weights. Probabilities come from the one sigmoid in :meth:`predict_proba`.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import numpy as np
import torch

from alphacheck.models.registry import get_variant
from alphacheck.scenarios.schema import TrainingConfig

__all__ = ["SequenceClassifier"]

_MIN_IMPROVEMENT = 1e-6


class SequenceClassifier:
    """A model variant fitted on ``(samples, time, features)`` sequences.

    Parameters
    ----------
    variant
        Registry name of the variant.
    params
        Hyperparameter overrides for the variant.
    training
        Epochs, batch size, patience, weight decay and gradient clipping.
    device
        ``torch.device`` to train and predict on.
    seed
        Seeds weight initialisation and batch order.
    """

    def __init__(
        self,
        variant: str,
        params: dict[str, Any] | None = None,
        training: TrainingConfig | None = None,
        device: Any = "cpu",
        seed: int = 0,
    ) -> None:
        self.variant = variant
        self.params = params or {}
        self.training = training or TrainingConfig()
        self.device = device
        self.seed = seed

    def fit(self, x: np.ndarray, y: np.ndarray, x_val: np.ndarray, y_val: np.ndarray) -> SequenceClassifier:
        """Train with early stopping on ``(x_val, y_val)``; keeps the best weights."""
        spec = get_variant(self.variant)
        self.params_ = spec.resolve(self.params)
        device = torch.device(self.device)
        torch.manual_seed(self.seed)
        model = spec.build_model(x.shape[2], self.params_).to(device)
        cfg = self.training
        optimiser = torch.optim.AdamW(
            model.parameters(), lr=self.params_["learning_rate"], weight_decay=cfg.weight_decay
        )
        positives = float(y.sum())
        negatives = float(len(y) - positives)
        pos_weight = torch.tensor(negatives / positives if positives else 1.0, device=device)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)

        xt, yt = _tensor(x, device), _tensor(y, device)
        xv, yv = _tensor(x_val, device), _tensor(y_val, device)
        generator = torch.Generator().manual_seed(self.seed)
        best_loss, best_state, best_epoch, waited = float("inf"), None, 0, 0
        started = time.perf_counter()
        epoch = 0
        for epoch in range(1, cfg.epochs + 1):
            model.train()
            order = torch.randperm(len(xt), generator=generator).to(device)
            for batch in order.split(cfg.batch_size):
                optimiser.zero_grad(set_to_none=True)
                loss = loss_fn(model(xt[batch]), yt[batch])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                optimiser.step()
            model.eval()
            with torch.no_grad():
                val_loss = float(loss_fn(model(xv), yv))
            if val_loss < best_loss - _MIN_IMPROVEMENT:
                best_loss, best_epoch, waited = val_loss, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
                if waited >= cfg.patience:
                    break
        model.load_state_dict(best_state)
        model.eval()
        self.model_ = model
        self.epochs_run_ = epoch
        self.best_epoch_ = best_epoch
        self.best_val_loss_ = best_loss
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(up) per sequence, shape ``(samples,)``."""
        if not hasattr(self, "model_"):
            raise RuntimeError("SequenceClassifier is not fitted; call fit() first")
        device = next(self.model_.parameters()).device
        outputs = []
        with torch.no_grad():
            for chunk in _tensor(x, device).split(4096):
                outputs.append(torch.sigmoid(self.model_(chunk)).cpu())
        return torch.cat(outputs).numpy().astype("float64")


def _tensor(array: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(array), dtype=torch.float32, device=device)
