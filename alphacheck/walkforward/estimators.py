"""Train an estimator variant on one fold, with the interface the fold runner expects of a trainer.

The torch trainer (:class:`~alphacheck.walkforward.trainer.SequenceClassifier`)
runs epochs with early stopping on the validation tail; an estimator is
fitted once on the fold's fitting rows (``fit(X, y)``), and the validation
tail is left for the fold's calibrator, exactly as for a torch variant. Its
record has one epoch, and ``best_val_loss`` is the same ``pos_weight``-weighted
binary cross-entropy the torch trainer reports, so fold records compare.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from alphacheck.models.registry import get_variant
from alphacheck.walkforward.classifier import FoldClassifier

__all__ = ["EstimatorClassifier", "fold_classifier"]

_CLIP = 1e-7


class EstimatorClassifier(FoldClassifier):
    """An estimator variant fitted on ``(samples, time, features)`` sequences.

    Parameters are :class:`~alphacheck.walkforward.classifier.FoldClassifier`'s:
    ``training`` does not apply (only ``warm_start`` would, and the scenario
    refuses it), ``device`` is ignored (an estimator fits on the CPU), ``seed``
    is the estimator's ``random_state`` when it has one, and ``on_epoch`` hears
    once, with ``(1, 1, val_loss)``, after the fit.
    """

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        x_val: np.ndarray,
        y_val: np.ndarray,
        init_state: dict[str, Any] | None = None,
    ) -> EstimatorClassifier:
        """Fit the estimator on ``(x, y)``; ``(x_val, y_val)`` give the reported validation loss."""
        spec = get_variant(self.variant)
        self.params_ = spec.resolve(self.params)
        started = time.perf_counter()
        module = spec.build_model(x.shape[2], self.params_).seed(self.seed).fit(x, y)
        self.model_ = module.eval()
        self.epochs_run_ = 1
        self.best_epoch_ = 1
        self.best_val_loss_ = weighted_log_loss(module.predict_proba(x_val), y_val, y)
        self.fit_seconds_ = time.perf_counter() - started
        if self.on_epoch:
            self.on_epoch(1, 1, self.best_val_loss_)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(up) per sequence, shape ``(samples,)``."""
        if not hasattr(self, "model_"):
            raise RuntimeError("EstimatorClassifier is not fitted; call fit() first")
        return self.model_.predict_proba(x)


def weighted_log_loss(proba: np.ndarray, label: np.ndarray, train_label: np.ndarray) -> float:
    """Binary cross-entropy with the up class weighted by down/up days of ``train_label`` (as torch's)."""
    positives = float(np.sum(train_label))
    negatives = float(len(train_label) - positives)
    weight = negatives / positives if positives and negatives else 1.0
    p = np.clip(np.asarray(proba, dtype="float64"), _CLIP, 1 - _CLIP)
    y = np.asarray(label, dtype="float64")
    return float(np.mean(-(weight * y * np.log(p) + (1 - y) * np.log(1 - p))))


def fold_classifier(variant: str) -> type:
    """The trainer class of a variant: :class:`EstimatorClassifier` or the torch ``SequenceClassifier``."""
    if get_variant(variant).estimator:
        return EstimatorClassifier
    from alphacheck.walkforward.trainer import SequenceClassifier

    return SequenceClassifier
