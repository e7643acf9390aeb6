"""What every fold trainer takes: the variant, its hyperparameters, the recipe, the device, a seed.

:class:`~alphacheck.walkforward.trainer.SequenceClassifier` (torch variants)
and :class:`~alphacheck.walkforward.estimators.EstimatorClassifier`
(scikit-learn-style variants) share this constructor, so the fold runner
builds either the same way. As in scikit-learn, ``__init__`` stores the
parameters only; ``fit`` sets ``model_``, ``epochs_run_``, ``best_epoch_``,
``best_val_loss_`` and ``fit_seconds_``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.settings import TrainingSettings

__all__ = ["FoldClassifier"]


class FoldClassifier:
    """A variant to fit on one fold's ``(samples, time, features)`` sequences.

    Parameters
    ----------
    variant
        Registry name of the variant.
    params
        Hyperparameter overrides for the variant.
    training
        The training recipe (a ``TrainingConfig``).
    device
        ``torch.device`` to train and predict on.
    seed
        Seeds the fit (weights and batch order, or an estimator's ``random_state``).
    on_epoch
        Called after each epoch with ``(epoch, epochs, val_loss)``, for progress.
    """

    def __init__(
        self,
        variant: str,
        params: dict[str, Any] | None = None,
        training: TrainingSettings | None = None,
        device: torch.device | str = "cpu",
        seed: int = 0,
        on_epoch: Callable[[int, int, float], None] | None = None,
    ) -> None:
        self.variant = variant
        self.params = params or {}
        self.training = training
        self.device = device
        self.seed = seed
        self.on_epoch = on_epoch
