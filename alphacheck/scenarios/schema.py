"""The scenario schema: frozen pydantic models, unknown keys refused.

Every default of a run lives here. A scenario YAML file is parsed into
:class:`Scenario`; command-line flags override its fields with
:meth:`Scenario.override`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "BacktestConfig",
    "DataConfig",
    "FeatureConfig",
    "Scenario",
    "TrainingConfig",
    "VariantConfig",
    "WalkForwardConfig",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Frozen):
    """Where the prices come from."""

    source: Literal["sample"] = "sample"
    tickers: list[str] = Field(default_factory=lambda: ["SP500"], min_length=1)
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _start_before_end(self) -> DataConfig:
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class FeatureConfig(_Frozen):
    """Which causal feature set feeds the models."""

    set: Literal["basic"] = "basic"


class WalkForwardConfig(_Frozen):
    """Rolling walk-forward folds, counted in trading days.

    ``purge_days`` rows are dropped between the last training row and the first
    test row (and between the fitting rows and the validation tail), so no label
    used in training is realised after the model starts predicting. It must be
    at least the label horizon (2 bars for both executions).
    """

    train_days: int = Field(1000, ge=100)
    test_days: int = Field(250, ge=1)
    step_days: int | None = Field(None, ge=1)
    purge_days: int = Field(2, ge=0)
    validation_days: int = Field(150, ge=20)
    sequence_length: int = Field(20, ge=1)
    # rolling: the last train_days before each test window; expanding: every day from the start.
    mode: Literal["rolling", "expanding"] = "rolling"
    # Calendar retraining: one fold per week/month/quarter/year of test dates (replaces test_days/step_days).
    retrain_frequency: Literal["W", "M", "Q", "Y"] | None = None
    # Extra trading days skipped after the purge, before each test window.
    embargo_days: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _validation_inside_training(self) -> WalkForwardConfig:
        if self.step_days is not None and self.step_days < self.test_days:
            raise ValueError(
                f"step_days ({self.step_days}) is shorter than test_days ({self.test_days}): "
                "test windows would overlap and a date would be predicted twice"
            )
        if self.validation_days + self.purge_days >= self.train_days // 2:
            raise ValueError(
                f"validation_days ({self.validation_days}) + purge_days ({self.purge_days}) "
                f"must be less than half of train_days ({self.train_days})"
            )
        return self

    @property
    def step(self) -> int:
        """Days between the starts of two consecutive test windows."""
        return self.step_days or self.test_days


class TrainingConfig(_Frozen):
    """The training recipe shared by every variant (a variant may override)."""

    epochs: int = Field(30, ge=1)
    batch_size: int = Field(128, ge=1)
    patience: int = Field(5, ge=1)
    weight_decay: float = Field(1e-4, ge=0)
    grad_clip: float = Field(1.0, gt=0)
    # None keeps each variant's own default; a variant's params.learning_rate wins over this.
    learning_rate: float | None = Field(None, gt=0)
    lr_schedule: Literal["cosine", "constant"] = "cosine"
    # Fold k starts from fold k-1's trained weights instead of a fresh initialisation.
    warm_start: bool = False
    # Keep each finished fold in the cache so an interrupted run resumes from the next fold.
    checkpoint: bool = True


class VariantConfig(_Frozen):
    """A model variant chosen by registry name, with hyperparameter overrides."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    # Per-variant changes to the shared training recipe, e.g. {epochs: 10}.
    training: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_variant_and_params(self) -> VariantConfig:
        from alphacheck.exceptions import ConfigError
        from alphacheck.models.registry import get_variant

        try:
            get_variant(self.name).resolve(self.params)
        except ConfigError as exc:  # as ValueError, so the loader names the file and key
            raise ValueError(str(exc)) from None
        unknown = sorted(set(self.training) - set(TrainingConfig.model_fields))
        if unknown:
            raise ValueError(
                f"variant {self.name!r}: unknown training keys {unknown}; "
                f"allowed: {', '.join(TrainingConfig.model_fields)}"
            )
        return self

    def training_config(self, shared: TrainingConfig) -> TrainingConfig:
        """The shared training recipe with this variant's changes applied."""
        return TrainingConfig.model_validate({**shared.model_dump(), **self.training})


class BacktestConfig(_Frozen):
    """How predictions become trades.

    ``execution`` fixes both the fill price and the label: with ``next_open``
    the signal at close t is filled at the open of t+1 and the position earns
    open t+1 -> open t+2; with ``next_close`` it is filled at the close of t+1
    and earns close t+1 -> close t+2.
    """

    execution: Literal["next_open", "next_close"] = "next_open"
    threshold: float = Field(0.5, gt=0, lt=1)
    fees_bps: float = Field(5.0, ge=0)
    slippage_bps: float = Field(5.0, ge=0)
    init_cash: float = Field(100_000.0, gt=0)


class Scenario(_Frozen):
    """A whole study, as declared in one YAML file."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = 42
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    data: DataConfig = DataConfig()
    features: FeatureConfig = FeatureConfig()
    walkforward: WalkForwardConfig = WalkForwardConfig()
    training: TrainingConfig = TrainingConfig()
    variants: list[VariantConfig] = Field(
        default_factory=lambda: [VariantConfig(name="baseline")], min_length=1
    )
    backtest: BacktestConfig = BacktestConfig()

    @field_validator("variants", mode="before")
    @classmethod
    def _names_to_variants(cls, value: Any) -> Any:
        # `variants: [baseline]` is shorthand for `variants: [{name: baseline}]`.
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _purge_covers_label_horizon(self) -> Scenario:
        from alphacheck.features.labels import label_horizon

        horizon = label_horizon(self.backtest.execution)
        if self.walkforward.purge_days < horizon:
            raise ValueError(
                f"walkforward.purge_days={self.walkforward.purge_days} is shorter than the label "
                f"horizon of {horizon} bars for execution {self.backtest.execution!r}; "
                f"set purge_days >= {horizon}"
            )
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants are listed twice: {names}")
        return self

    def override(self, **changes: Any) -> Scenario:
        """Return a copy with dotted-path fields replaced, validated again.

        ``scenario.override(**{"data.tickers": ["SP500"], "seed": 7})``
        """
        tree = self.model_dump()
        for path, value in changes.items():
            node = tree
            *parents, leaf = path.split(".")
            for key in parents:
                node = node[key]
            node[leaf] = value
        from alphacheck.scenarios.loader import validate_scenario

        return validate_scenario(tree, source="command-line overrides")
