"""What the walk-forward reads from a scenario, as Protocols.

The walk-forward reads its configuration by attribute and imports no pydantic,
so it runs where only torch, numpy and pandas are installed
(``bench/gpu_check.py``). The schema's frozen models
(:class:`alphacheck.scenarios.schema.Scenario` and its sections) satisfy these
Protocols as they are; a light stand-in satisfies them with plain frozen
dataclasses. Members are read-only properties: nothing here changes a setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = [
    "ComputeSettings",
    "TrainingSettings",
    "VariantSettings",
    "WalkForwardScenario",
    "WalkForwardSettings",
]


class WalkForwardSettings(Protocol):
    """How folds are cut (see :func:`alphacheck.walkforward.make_folds`)."""

    @property
    def train_days(self) -> int: ...
    @property
    def test_days(self) -> int: ...
    @property
    def step_days(self) -> int | None: ...
    @property
    def purge_days(self) -> int: ...
    @property
    def validation_days(self) -> int: ...
    @property
    def sequence_length(self) -> int: ...
    @property
    def mode(self) -> str: ...
    @property
    def retrain_frequency(self) -> str | None: ...
    @property
    def embargo_days(self) -> int: ...


class TrainingSettings(Protocol):
    """The training recipe of one variant (see :class:`alphacheck.walkforward.trainer.SequenceClassifier`)."""

    @property
    def epochs(self) -> int: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def patience(self) -> int: ...
    @property
    def weight_decay(self) -> float: ...
    @property
    def grad_clip(self) -> float: ...
    @property
    def learning_rate(self) -> float | None: ...
    @property
    def lr_schedule(self) -> str: ...
    @property
    def warm_start(self) -> bool: ...
    @property
    def checkpoint(self) -> bool: ...
    @property
    def cpu_threads(self) -> int: ...
    @property
    def calibration(self) -> str: ...


class VariantSettings(Protocol):
    """A model variant by registry name, its hyperparameters and its changes to the training recipe."""

    @property
    def name(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    def training_config(self, shared: Any) -> TrainingSettings:
        """The shared recipe with this variant's changes applied."""
        ...


class ComputeSettings(Protocol):
    """Where the walk-forward's tasks run (see :mod:`alphacheck.walkforward.executors`)."""

    @property
    def executor(self) -> str: ...
    @property
    def workers(self) -> int: ...
    @property
    def threads_per_worker(self) -> int | None: ...
    @property
    def ray_address(self) -> str | None: ...
    @property
    def fold_concurrency(self) -> str: ...
    @property
    def fold_group_size(self) -> int | None: ...


class WalkForwardScenario(Protocol):
    """Everything :func:`alphacheck.walkforward.run_walkforward` reads from a scenario.

    ``features`` and ``backtest`` (its ``execution``) only enter the fold
    checkpoints' key; ``seed`` seeds each fold (``seed + fold index``).
    """

    @property
    def seed(self) -> int: ...
    @property
    def features(self) -> Any: ...
    @property
    def backtest(self) -> Any: ...
    @property
    def walkforward(self) -> WalkForwardSettings: ...
    @property
    def training(self) -> TrainingSettings: ...
    @property
    def variants(self) -> Sequence[VariantSettings]: ...
    @property
    def compute(self) -> ComputeSettings: ...
