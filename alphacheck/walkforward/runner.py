"""Run the walk-forward for every variant and fold: out-of-sample predictions.

Per fold, features are standardised with a scaler fitted on the fold's fitting
rows only (pooled over tickers), sequences are cut within each ticker (a
sequence never mixes two tickers), one model is trained on the pooled
sequences, and it predicts the fold's test dates. A calibrator fitted on the
fold's validation tail (:mod:`alphacheck.models.calibration`) maps the model's
own sigmoid (``proba_raw``) to the calibrated P(up) (``proba``) that the
backtest trades on. Finished folds are
checkpointed (see :mod:`alphacheck.walkforward.checkpoint`), so running the
same configuration again resumes after the last finished fold.

Configuration is read by attribute only: this module, the splits and the
trainer import neither pydantic nor any of the backtest or tracking libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError
from alphacheck.models.calibration import CalibratedModel, CalibratedProba, ProbabilityCalibrator
from alphacheck.walkforward.checkpoint import FoldStore, cache_root, data_fingerprint, run_key
from alphacheck.walkforward.progress import NullProgress
from alphacheck.walkforward.splits import Fold, make_folds

if TYPE_CHECKING:
    from alphacheck.scenarios.schema import Scenario

__all__ = [
    "PREDICTION_COLUMNS",
    "TrainedModel",
    "WalkForwardResult",
    "common_calendar",
    "fold_test_sequences",
    "prediction_rows",
    "run_walkforward",
]

log = logging.getLogger(__name__)

PREDICTION_COLUMNS = ["date", "ticker", "variant", "fold", "proba", "proba_raw", "label", "fwd_return"]
_META_COLUMNS = ("fwd_return", "label")


@dataclass
class TrainedModel:
    """The last fold's model of a variant, with what it takes to rebuild and use it."""

    module: Any  # torch.nn.Module, in eval mode, on the CPU
    variant: str
    params: dict[str, Any]
    n_features: int
    sequence_length: int
    feature_columns: list[str]
    scaler_mean: list[float]
    scaler_scale: list[float]
    fold: int
    # The fold's fitted calibrator (ProbabilityCalibrator.to_dict()): module -> calibrated P(up).
    calibration: dict[str, Any] = field(default_factory=dict)


@dataclass
class WalkForwardResult:
    """Predictions (one row per date, ticker, variant), a record per fold, the last models."""

    predictions: pd.DataFrame
    folds: list[dict[str, object]]
    models: dict[str, TrainedModel] = field(default_factory=dict)
    # Every (variant, fold)'s trained module with its calibrator (CalibratedModel), for the stress shocks.
    fold_models: dict[tuple[str, int], Any] = field(default_factory=dict)


def common_calendar(datasets: dict[str, pd.DataFrame]) -> pd.DatetimeIndex:
    """Dates present in every ticker's dataset (nothing is forward-filled)."""
    calendar = None
    for data in datasets.values():
        calendar = data.index if calendar is None else calendar.intersection(data.index)
    return pd.DatetimeIndex(calendar).sort_values()


def run_walkforward(
    datasets: dict[str, pd.DataFrame],
    scenario: Scenario,
    device: object,
    on_fold: Callable[[str, Fold, dict[str, object]], None] | None = None,
    progress: NullProgress | None = None,
    checkpoint_dir: Path | None = None,
) -> WalkForwardResult:
    """Train every variant on every fold and collect out-of-sample predictions.

    Parameters
    ----------
    datasets
        Per ticker, features plus ``fwd_return`` and ``label`` (see ``build_dataset``).
    scenario
        Walk-forward, training and variant settings, and the seed.
    device
        ``torch.device`` to train on.
    on_fold
        Called after each fold with ``(variant, fold, record)``, for progress.
    progress
        Progress display (bars); nothing is shown when ``None``.
    checkpoint_dir
        Root of the fold checkpoints (default: ``cache_root() / "folds"``);
        ignored when ``scenario.training.checkpoint`` is false.
    """
    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    progress = progress or NullProgress()
    root = Path(checkpoint_dir) if checkpoint_dir else cache_root() / "folds"
    fingerprint = data_fingerprint(datasets) if scenario.training.checkpoint else ""
    rows, records, models, fold_models = [], [], {}, {}
    for variant in scenario.variants:
        store = None
        if scenario.training.checkpoint:
            store = FoldStore(root / run_key(fingerprint, scenario, variant, device))
        progress.start_variant(variant.name, len(folds))
        state, last = None, None
        for fold in folds:
            scaler = _fit_scaler(datasets, fold)
            parts = _fold_arrays(datasets, calendar, fold, scenario.walkforward.sequence_length, scaler)
            proba, record, state, module = _run_fold(
                scenario, variant, fold, parts, device, store, state, progress
            )
            rows.append(prediction_rows(parts["test"][2], variant.name, fold.index, proba))
            module = module if module is not None else _module_from_state(variant, parts, state)
            fold_models[(variant.name, fold.index)] = CalibratedModel(module, proba.calibrator)
            records.append(record)
            last = (fold, parts, scaler, module, state, proba.calibrator)
            progress.end_fold(record)
            if on_fold:
                on_fold(variant.name, fold, record)
        progress.end_variant()
        models[variant.name] = _trained_model(scenario, variant, datasets, *last)
    predictions = pd.concat(rows, ignore_index=True)[PREDICTION_COLUMNS]
    predictions = predictions.sort_values(["variant", "ticker", "date"], ignore_index=True)
    return WalkForwardResult(predictions, records, models, fold_models)


def prediction_rows(meta: pd.DataFrame, variant: str, fold: int, proba: CalibratedProba) -> pd.DataFrame:
    """A fold's test rows with its calibrated ``proba`` and the model's own ``proba_raw``."""
    return meta.assign(variant=variant, fold=fold, proba=proba.proba, proba_raw=proba.raw)


def fold_test_sequences(
    datasets: dict[str, pd.DataFrame], calendar: pd.DatetimeIndex, fold: Fold, length: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """A fold's test sequences, scaled as in training, and their rows (date, ticker, fwd_return, label)."""
    x_test, _, meta = _fold_arrays(datasets, calendar, fold, length, _fit_scaler(datasets, fold))["test"]
    return x_test, meta


def _module_from_state(variant, parts, state) -> Any:
    """A resumed fold's module, rebuilt on the CPU from its checkpointed weights."""
    from alphacheck.models.registry import get_variant

    spec = get_variant(variant.name)
    module = spec.build_model(parts["fit"][0].shape[2], spec.resolve(variant.params))
    module.load_state_dict(state)
    return module.eval()


def _weights_fit(variant, parts, state) -> bool:
    """Whether checkpointed weights load into the variant's module (a foreign or stale file does not)."""
    try:
        _module_from_state(variant, parts, state)
    except (RuntimeError, KeyError, ValueError, TypeError):
        return False
    return True


def _run_fold(scenario, variant, fold, parts, device, store, state, progress):
    """Train one fold (or load its checkpoint).

    Returns its :class:`CalibratedProba`, record, weights and the module if trained here.
    """
    saved = store.load(fold.index) if store is not None else None
    if saved is not None and not _weights_fit(variant, parts, saved["state"]):
        store.set_aside(fold.index, "its weights do not fit the variant's module")
        saved = None
    if saved is not None and len(saved["proba_raw"]) == len(parts["test"][1]):
        log.info("%s fold %d: resumed from checkpoint", variant.name, fold.index)
        proba = CalibratedProba(saved["proba_raw"], ProbabilityCalibrator.from_dict(saved["calibration"]))
        return proba, {**saved["record"], "resumed": True}, saved["state"], None
    from alphacheck.walkforward.trainer import SequenceClassifier

    for role in ("fit", "val"):
        if len(parts[role][1]) == 0 or len(np.unique(parts[role][1])) < 2:
            raise ConfigError(
                f"fold {fold.index}: the {role} rows hold fewer than two classes; "
                "lengthen walkforward.train_days or validation_days"
            )
    training = (
        variant.training_config(scenario.training)
        if hasattr(variant, "training_config")
        else scenario.training
    )
    progress.start_fold(fold.index, training.epochs)
    model = SequenceClassifier(
        variant.name,
        variant.params,
        training,
        device,
        seed=scenario.seed + fold.index,
        on_epoch=progress.epoch,
    )
    init = state if training.warm_start else None
    model.fit(*parts["fit"][:2], *parts["val"][:2], init_state=init)
    # Fitted on the validation tail only: the test rows never shape their own calibration.
    calibrator = ProbabilityCalibrator(training.calibration)
    calibrator.fit(model.predict_proba(parts["val"][0]), parts["val"][1])
    proba = CalibratedProba(model.predict_proba(parts["test"][0]), calibrator)
    record = {**_record(variant.name, fold, parts, model, device), **calibrator.summary()}
    state = {k: v.detach().cpu().clone() for k, v in model.model_.state_dict().items()}
    if store is not None:
        store.save(fold.index, proba.raw, calibrator.to_dict(), record, state)
    log.info("%s fold %d: %d test rows, %d epochs", variant.name, fold.index, len(proba.raw),
             model.epochs_run_)
    return proba, {**record, "resumed": False}, state, model.model_


def _record(name: str, fold: Fold, parts: dict, model: Any, device: Any) -> dict[str, object]:
    return {
        "variant": name,
        **fold.as_dict(),
        "n_fit": len(parts["fit"][1]),
        "n_val": len(parts["val"][1]),
        "n_test": len(parts["test"][1]),
        "epochs_run": model.epochs_run_,
        "best_epoch": model.best_epoch_,
        "best_val_loss": model.best_val_loss_,
        "seconds": round(model.fit_seconds_, 3),
        "device": str(device),
    }


def _trained_model(
    scenario, variant, datasets, fold, parts, scaler, module, state, calibrator
) -> TrainedModel:
    """The last fold's module on the CPU (rebuilt from its weights when the fold was resumed)."""
    from alphacheck.models.registry import get_variant

    spec = get_variant(variant.name)
    params = spec.resolve(variant.params)
    n_features = parts["fit"][0].shape[2]
    if module is None:
        module = spec.build_model(n_features, params)
        module.load_state_dict(state)
    module = module.cpu().eval()
    columns = [c for c in next(iter(datasets.values())).columns if c not in _META_COLUMNS]
    return TrainedModel(
        module,
        variant.name,
        params,
        n_features,
        scenario.walkforward.sequence_length,
        columns,
        [float(v) for v in scaler[0]],
        [float(v) for v in scaler[1]],
        fold.index,
        calibrator.to_dict(),
    )


def _fit_scaler(datasets: dict[str, pd.DataFrame], fold: Fold) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each feature over the fold's fitting rows, pooled over tickers."""
    feature_columns = [c for c in next(iter(datasets.values())).columns if c not in _META_COLUMNS]
    fit_rows = pd.concat(
        [d.loc[fold.fit_start : fold.fit_end, feature_columns] for d in datasets.values()]
    ).to_numpy()
    mean = fit_rows.mean(axis=0)
    scale = fit_rows.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def _fold_arrays(
    datasets: dict[str, pd.DataFrame],
    calendar: pd.DatetimeIndex,
    fold: Fold,
    length: int,
    scaler: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray, pd.DataFrame]]:
    """Sequences, labels and row metadata for the fit, validation and test rows.

    Features are standardised with ``scaler`` (default: :func:`_fit_scaler` of the fold).
    """
    ranges = {
        "fit": (fold.fit_start, fold.fit_end),
        "val": (fold.val_start, fold.val_end),
        "test": (fold.test_start, fold.test_end),
    }
    feature_columns = [c for c in next(iter(datasets.values())).columns if c not in _META_COLUMNS]
    mean, scale = scaler if scaler is not None else _fit_scaler(datasets, fold)

    out: dict[str, list] = {role: [[], [], []] for role in ranges}
    for ticker, data in datasets.items():
        data = data.loc[data.index.isin(calendar)]
        scaled = (data[feature_columns].to_numpy() - mean) / scale
        # windows[i] holds rows i .. i+length-1, so the sequence ending at row r is windows[r-length+1]
        windows = np.lib.stride_tricks.sliding_window_view(scaled, length, axis=0).transpose(0, 2, 1)
        positions = np.arange(len(data))
        for role, (start, end) in ranges.items():
            mask = (data.index >= start) & (data.index <= end) & (positions >= length - 1)
            idx = positions[mask]
            out[role][0].append(windows[idx - length + 1])
            out[role][1].append(data["label"].to_numpy()[idx])
            meta = data.iloc[idx][list(_META_COLUMNS)].reset_index()
            out[role][2].append(meta.assign(ticker=ticker))
    return {
        role: (np.concatenate(x), np.concatenate(y).astype("float32"), pd.concat(m, ignore_index=True))
        for role, (x, y, m) in out.items()
    }
