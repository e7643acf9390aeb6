"""The scenario schema: frozen pydantic models, unknown keys refused.

Every default of a run lives here and in the modules of the larger blocks
beside it (``backtest``, ``portfolio``, ``stress``). A scenario YAML file is parsed into
:class:`Scenario`; environment variables, command-line flags and the API's
``overrides=`` change its fields through
:func:`alphacheck.scenarios.overrides.apply_overrides`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveInt, ValidationError, field_validator, model_validator

from alphacheck.scenarios.backtest import BacktestConfig
from alphacheck.scenarios.frozen import FrozenModel
from alphacheck.scenarios.portfolio import PortfolioConfig, check_universe
from alphacheck.scenarios.report import ReportConfig
from alphacheck.scenarios.stress import StressConfig

__all__ = [
    "BacktestConfig",
    "ComputeConfig",
    "DataConfig",
    "FeatureConfig",
    "ReportConfig",
    "Scenario",
    "TrainingConfig",
    "VariantConfig",
    "WalkForwardConfig",
]


class _Frozen(FrozenModel):
    """Frozen, unknown keys refused, booleans never read as numbers."""


class DataConfig(_Frozen):
    """Where the prices come from.

    ``sample`` reads the embedded SP500 and NASDAQ, and any other ticker by
    name from the price cache (imported or fetched), over the dates it holds.
    ``yahoo`` reads the cache first and downloads only the days the dates ask
    for: a cached ticker without ``start``/``end`` keeps its cached dates, so
    recent days are fetched only when ``end`` (or ``--update``) asks for them;
    an uncached ticker needs ``start``.

    ``tickers_file`` names a universe file (one symbol a line, ``#`` comments;
    see :mod:`alphacheck.scenarios.universe`) read into ``tickers``. Both may be
    given only when they agree (a resolved run's config.yaml); when the file
    cannot be read then, the listed tickers stand.
    """

    source: Literal["sample", "yahoo", "csv"] = "sample"
    tickers: list[str] = Field(default_factory=lambda: ["SP500"], min_length=1)
    tickers_file: Path | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    # How several tickers' calendars are aligned: "common" keeps the days every
    # ticker traded (and logs what was dropped); "none" keeps each ticker's own days.
    align: Literal["common", "none"] = "common"
    # Source csv: a folder of <TICKER>.csv / <TICKER>.parquet files, and/or one file per ticker.
    directory: Path | None = None
    files: dict[str, Path] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _tickers_from_file(cls, raw: Any) -> Any:
        if not isinstance(raw, dict) or not raw.get("tickers_file"):
            return raw
        from alphacheck.exceptions import ConfigError
        from alphacheck.scenarios.universe import read_tickers_file

        given = raw.get("tickers")
        try:
            listed = read_tickers_file(raw["tickers_file"])
        except ConfigError as exc:  # as ValueError, so the loader names the file and key
            if given and not Path(raw["tickers_file"]).exists():
                return raw  # a resolved config whose universe file is gone: its tickers stand
            raise ValueError(str(exc)) from None
        if given is not None and [str(t).upper() for t in given] != listed:
            raise ValueError(
                f"data.tickers ({', '.join(map(str, given))}) and data.tickers_file ({raw['tickers_file']}: "
                f"{', '.join(listed)}) name different tickers; keep one of them"
            )
        return {**raw, "tickers": listed}

    @model_validator(mode="after")
    def _start_before_end(self) -> DataConfig:
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        if self.source != "csv" and (self.directory or self.files):
            raise ValueError(f"directory and files are read only with source 'csv', not {self.source!r}")
        if self.source == "csv" and not self.directory:
            named = {t.upper() for t in self.files}
            unnamed = [t for t in self.tickers if t.upper() not in named]
            if unnamed:
                raise ValueError(f"source 'csv' needs data.directory, or data.files entries for {unnamed}")
        return self


class FeatureConfig(_Frozen):
    """Which causal features feed the models: a named set, plus or minus features by name.

    ``windows`` changes a feature's windows in bars: ``{rsi_14: 10}`` for a
    one-window feature, ``{macd: {fast: 8, slow: 21}}`` by window name. Names
    are checked against the feature registry (custom features come from
    ``--plugin MODULE`` or entry points, never from a path written here).

    ``allow_lookahead`` names added features whose look-ahead the run accepts
    instead of stopping, to measure what a known leak does (the case study's
    ``target_class``). The run still audits every feature, so each of its
    verdicts is ``leak_suspected``; no other feature may look ahead.
    """

    set: Literal["basic", "advanced"] = "basic"
    add: list[str] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)
    windows: dict[str, PositiveInt | dict[str, PositiveInt]] = Field(default_factory=dict)
    allow_lookahead: list[str] = Field(default_factory=list)

    @field_validator("add", "drop", "allow_lookahead", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        # `add: rsi_9, atr_14` is shorthand for `add: [rsi_9, atr_14]`.
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @model_validator(mode="after")
    def _add_drop_disjoint(self) -> FeatureConfig:
        both = sorted(set(self.add) & set(self.drop))
        if both:
            raise ValueError(f"features {both} are both added and dropped; keep them in one list")
        # Built-in features never look ahead: only a feature added by name can be a known leak.
        stray = [name for name in self.allow_lookahead if name not in self.add]
        if stray:
            raise ValueError(
                f"allow_lookahead names {stray}, which features.add does not list; it accepts the "
                "look-ahead of added (custom) features only"
            )
        return self


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
    # torch intra-op threads when training on the CPU. These small recurrent models
    # train fastest on one: with two threads on a busy 2-core machine the quick
    # scenario's walk-forward took 3-5x the wall time and 5x the CPU time.
    cpu_threads: int = Field(1, ge=1)
    # Map each fold's P(up) to a calibrated probability, fitted on the fold's validation
    # tail only (alphacheck.models.calibration): platt (default; two parameters suit short
    # tails and undo the pos_weight shift exactly), isotonic (long tails), or none.
    calibration: Literal["platt", "isotonic", "none"] = "platt"


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
        """The shared training recipe with this variant's changes applied.

        Raises
        ------
        ValueError
            Naming the variant, the key and the allowed range, for a value the recipe refuses.
        """
        try:
            return TrainingConfig.model_validate({**shared.model_dump(), **self.training})
        except ValidationError as exc:
            problems = "; ".join(_training_problem(e) for e in exc.errors())
            raise ValueError(f"variant {self.name!r}: {problems}") from None

    @property
    def is_estimator(self) -> bool:
        """Whether the variant is a scikit-learn-style estimator (no epochs, no warm start)."""
        from alphacheck.models.registry import get_variant

        return get_variant(self.name).estimator

    def check_sequence_length(self, length: int) -> None:
        """Refuse a sequence length the variant's module cannot take (see the variant's checks)."""
        from alphacheck.exceptions import ConfigError
        from alphacheck.models.registry import get_variant

        try:
            get_variant(self.name).check_sequence_length(self.params, length)
        except ConfigError as exc:
            raise ValueError(str(exc)) from None


def _training_problem(error: dict[str, Any]) -> str:
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return f"training: {error['ctx']['error']}"
    return f"training.{'.'.join(str(p) for p in error['loc'])} = {error.get('input')!r}: {error['msg']}"


class ComputeConfig(_Frozen):
    """Where the walk-forward's (variant, fold-group) tasks run; never changes the predictions."""

    # local: in-process; processes: `workers` spawned processes; ray: Ray tasks
    # (a local cluster on the loopback address unless ray_address names one).
    executor: Literal["local", "processes", "ray"] = "local"
    workers: int = Field(2, ge=1)
    # Torch threads per worker; default: training.cpu_threads.
    threads_per_worker: int | None = Field(None, ge=1)
    ray_address: str | None = None
    # sequential: a variant's folds train one after another. batched: its independent folds
    # (no warm_start) train at once as one stacked model, many times faster on a GPU; equal to
    # sequential within float rounding at dropout 0, other (but seeded) dropout masks otherwise.
    fold_concurrency: Literal["sequential", "batched"] = "sequential"
    # Folds per task when folds are independent (warm starts chain a variant's folds into one task);
    # in batched mode, the most folds in one stack (unset: as many as the memory estimate allows).
    fold_group_size: int | None = Field(None, ge=1)


class Scenario(_Frozen):
    """A whole study, as declared in one YAML file."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    # numpy's and torch's seeds are unsigned 32-bit: a seed outside [0, 2**32) fails mid-run.
    seed: int = Field(42, ge=0, lt=2**32)
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    data: DataConfig = DataConfig()
    features: FeatureConfig = FeatureConfig()
    walkforward: WalkForwardConfig = WalkForwardConfig()
    training: TrainingConfig = TrainingConfig()
    variants: list[VariantConfig] = Field(
        default_factory=lambda: [VariantConfig(name="baseline")], min_length=1
    )
    backtest: BacktestConfig = BacktestConfig()
    stress: StressConfig = StressConfig()
    compute: ComputeConfig = ComputeConfig()
    # One book across the tickers (None: each ticker is backtested on its own only).
    portfolio: PortfolioConfig | None = None
    report: ReportConfig = ReportConfig()

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
        for variant in self.variants:
            recipe = variant.training_config(self.training)  # a variant's own recipe, range-checked now
            variant.check_sequence_length(self.walkforward.sequence_length)
            if recipe.warm_start and variant.is_estimator:
                raise ValueError(
                    f"variant {variant.name!r} is an estimator, fitted afresh on each fold: "
                    "training.warm_start does not apply; set it false for this variant "
                    f"({variant.name}.training.warm_start=false)"
                )
        if self.portfolio is not None:
            check_universe(self.portfolio, self.data.tickers, self.backtest.policy)
        return self
