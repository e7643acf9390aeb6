"""One fold of the walk-forward: its preparation and its training.

Preparation: features are standardised with a scaler fitted on the fold's
fitting rows only (pooled over tickers), and sequences are cut within each
ticker (a sequence never mixes two tickers). Training: one model on the pooled
sequences, which then predicts the fold's test dates; a calibrator fitted on
the fold's validation tail (:mod:`alphacheck.models.calibration`) maps the
model's own sigmoid (``proba_raw``) to the calibrated P(up) (``proba``) that
the backtest trades on. A finished fold is checkpointed, and found again
instead of retrained.

Every executor and the audit run these same functions, looked up here at call
time: the audit's leak test replaces :func:`fit_scaler` and expects the whole
walk-forward to use its replacement.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError
from alphacheck.models.calibration import CalibratedProba, ProbabilityCalibrator
from alphacheck.walkforward.checkpoint import FoldStore
from alphacheck.walkforward.progress import NullProgress
from alphacheck.walkforward.splits import Fold

if TYPE_CHECKING:
    import torch

    from alphacheck.walkforward.settings import TrainingSettings, VariantSettings, WalkForwardScenario
    from alphacheck.walkforward.trainer import SequenceClassifier

__all__ = [
    "META_COLUMNS",
    "FoldRows",
    "TrainedFold",
    "common_calendar",
    "feature_columns",
    "fit_scaler",
    "fold_arrays",
    "fold_test_sequences",
    "module_from_state",
    "prepare_fold",
    "train_fold",
]

log = logging.getLogger(__name__)

#: Dataset columns that are not features: what a test row carries besides its prediction.
META_COLUMNS = ("fwd_return", "label")

#: Per-feature mean and standard deviation of a fold's fitting rows.
Scaler = tuple[np.ndarray, np.ndarray]


class FoldRows(NamedTuple):
    """One role's rows of a fold (fit, val or test): sequences, labels and what each row is."""

    x: np.ndarray  # (rows, sequence_length, features), standardised
    y: np.ndarray  # float32 labels
    meta: pd.DataFrame  # date, fwd_return, label, ticker


@dataclass
class TrainedFold:
    """What training (or resuming) one fold gives: P(up) of its test rows, its record, its weights.

    ``proba`` holds the model's own P(up) and the fold's calibrator. ``module``
    is the trained module when the fold was trained here, ``None`` when it was
    resumed from a checkpoint (rebuild it with :func:`module_from_state`).
    """

    proba: CalibratedProba
    record: dict[str, object]
    state: dict[str, Any]
    module: Any = None


def common_calendar(datasets: dict[str, pd.DataFrame]) -> pd.DatetimeIndex:
    """Dates present in every ticker's dataset (nothing is forward-filled)."""
    calendar = None
    for data in datasets.values():
        calendar = data.index if calendar is None else calendar.intersection(data.index)
    return pd.DatetimeIndex(calendar).sort_values()


def feature_columns(datasets: dict[str, pd.DataFrame]) -> list[str]:
    """The feature columns of the datasets (every ticker's dataset has the same)."""
    return [c for c in next(iter(datasets.values())).columns if c not in META_COLUMNS]


def fit_scaler(datasets: dict[str, pd.DataFrame], fold: Fold) -> Scaler:
    """Mean and standard deviation of each feature over the fold's fitting rows, pooled over tickers."""
    columns = feature_columns(datasets)
    fit_rows = pd.concat([d.loc[fold.fit_start : fold.fit_end, columns] for d in datasets.values()])
    fit_rows = fit_rows.to_numpy()
    mean = fit_rows.mean(axis=0)
    scale = fit_rows.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def fold_arrays(
    datasets: dict[str, pd.DataFrame],
    calendar: pd.DatetimeIndex,
    fold: Fold,
    length: int,
    scaler: Scaler | None = None,
) -> dict[str, FoldRows]:
    """Sequences, labels and row metadata of the fit, validation and test rows.

    Features are standardised with ``scaler`` (default: :func:`fit_scaler` of the fold).
    """
    ranges = {
        "fit": (fold.fit_start, fold.fit_end),
        "val": (fold.val_start, fold.val_end),
        "test": (fold.test_start, fold.test_end),
    }
    columns = feature_columns(datasets)
    mean, scale = scaler if scaler is not None else fit_scaler(datasets, fold)

    out: dict[str, list] = {role: [[], [], []] for role in ranges}
    for ticker, data in datasets.items():
        data = data.loc[data.index.isin(calendar)]
        scaled = (data[columns].to_numpy() - mean) / scale
        # windows[i] holds rows i .. i+length-1, so the sequence ending at row r is windows[r-length+1]
        windows = np.lib.stride_tricks.sliding_window_view(scaled, length, axis=0).transpose(0, 2, 1)
        positions = np.arange(len(data))
        for role, (start, end) in ranges.items():
            mask = (data.index >= start) & (data.index <= end) & (positions >= length - 1)
            idx = positions[mask]
            out[role][0].append(windows[idx - length + 1])
            out[role][1].append(data["label"].to_numpy()[idx])
            meta = data.iloc[idx][list(META_COLUMNS)].reset_index()
            out[role][2].append(meta.assign(ticker=ticker))
    return {
        role: FoldRows(
            np.concatenate(x), np.concatenate(y).astype("float32"), pd.concat(m, ignore_index=True)
        )
        for role, (x, y, m) in out.items()
    }


def prepare_fold(
    datasets: dict[str, pd.DataFrame], calendar: pd.DatetimeIndex, fold: Fold, length: int
) -> tuple[dict[str, FoldRows], Scaler]:
    """The fold's rows standardised with the scaler of its fitting rows, and that scaler."""
    scaler = fit_scaler(datasets, fold)
    return fold_arrays(datasets, calendar, fold, length, scaler), scaler


def fold_test_sequences(
    datasets: dict[str, pd.DataFrame], calendar: pd.DatetimeIndex, fold: Fold, length: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """A fold's test sequences, scaled as in training, and their rows (date, ticker, fwd_return, label)."""
    parts, _ = prepare_fold(datasets, calendar, fold, length)
    return parts["test"].x, parts["test"].meta


def module_from_state(variant: VariantSettings, n_features: int, state: dict[str, Any]) -> Any:
    """A fold's module rebuilt on the CPU from its weights, in eval mode."""
    from alphacheck.models.registry import get_variant

    spec = get_variant(variant.name)
    module = spec.build_model(n_features, spec.resolve(variant.params))
    module.load_state_dict(state)
    return module.eval()


def train_fold(
    scenario: WalkForwardScenario,
    variant: VariantSettings,
    fold: Fold,
    parts: dict[str, FoldRows],
    device: torch.device,
    store: FoldStore | None = None,
    state: dict[str, Any] | None = None,
    progress: NullProgress | None = None,
) -> TrainedFold:
    """Train one fold of a variant, or load it from ``store`` when it was checkpointed.

    Parameters
    ----------
    scenario
        Training recipe and seed (the fold trains with ``seed + fold.index``).
    variant
        The variant; its own training changes apply.
    fold, parts
        The fold and its prepared rows (:func:`prepare_fold`).
    device
        ``torch.device`` to train on.
    store
        Checkpoints of this (data, scenario, variant, device); ``None``: none.
    state
        The previous fold's weights, the start of a warm-started fold.
    progress
        Told when training starts and after each epoch.

    Raises
    ------
    ConfigError
        When the fitting or validation rows hold fewer than two classes.
    """
    saved = _load_trained(store, variant, fold, parts)
    if saved is not None:
        log.info("%s fold %d: resumed from checkpoint", variant.name, fold.index)
        return saved
    from alphacheck.walkforward.estimators import fold_classifier

    _check_classes(fold, parts)
    training = variant.training_config(scenario.training)
    progress = progress or NullProgress()
    progress.start_fold(fold.index, training.epochs)
    model = fold_classifier(variant.name)(
        variant.name,
        variant.params,
        training,
        device,
        seed=scenario.seed + fold.index,
        on_epoch=progress.epoch,
    )
    init = state if training.warm_start else None
    model.fit(parts["fit"].x, parts["fit"].y, parts["val"].x, parts["val"].y, init_state=init)
    return _finish_fold(variant, fold, parts, model, device, store, training)


def _load_trained(
    store: FoldStore | None, variant: VariantSettings, fold: Fold, parts: dict[str, FoldRows]
) -> TrainedFold | None:
    """The fold's checkpoint as a :class:`TrainedFold`, or None when there is none that fits."""
    saved = store.load(fold.index) if store is not None else None
    if saved is not None and not _weights_fit(variant, parts, saved["state"]):
        store.set_aside(fold.index, "its weights do not fit the variant's module")
        saved = None
    if saved is None or len(saved["proba_raw"]) != len(parts["test"].y):
        return None
    proba = CalibratedProba(saved["proba_raw"], ProbabilityCalibrator.from_dict(saved["calibration"]))
    return TrainedFold(proba, {**saved["record"], "resumed": True}, saved["state"])


def _check_classes(fold: Fold, parts: dict[str, FoldRows]) -> None:
    """Refuse a fold whose fitting or validation rows hold a single class (no loss, no early stopping)."""
    for role in ("fit", "val"):
        if len(parts[role].y) == 0 or len(np.unique(parts[role].y)) < 2:
            raise ConfigError(
                f"fold {fold.index}: the {role} rows hold fewer than two classes; "
                "lengthen walkforward.train_days or validation_days"
            )


def _finish_fold(
    variant: VariantSettings,
    fold: Fold,
    parts: dict[str, FoldRows],
    model: Any,
    device: torch.device,
    store: FoldStore | None,
    training: TrainingSettings,
    extra: dict[str, object] | None = None,
) -> TrainedFold:
    """Calibrate a fitted fold's model, predict its test rows, record and checkpoint it."""
    # Fitted on the validation tail only: the test rows never shape their own calibration.
    calibrator = ProbabilityCalibrator(training.calibration)
    calibrator.fit(model.predict_proba(parts["val"].x), parts["val"].y)
    proba = CalibratedProba(model.predict_proba(parts["test"].x), calibrator)
    record = {**_record(variant.name, fold, parts, model, device), **calibrator.summary(), **(extra or {})}
    state = {k: v.detach().cpu().clone() for k, v in model.model_.state_dict().items()}
    if store is not None:
        store.save(fold.index, proba.raw, calibrator.to_dict(), record, state)
    log.info(
        "%s fold %d: %d test rows, %d epochs", variant.name, fold.index, len(proba.raw), model.epochs_run_
    )
    return TrainedFold(proba, {**record, "resumed": False}, state, model.model_)


def _weights_fit(variant: VariantSettings, parts: dict[str, FoldRows], state: dict[str, Any]) -> bool:
    """Whether checkpointed weights load into the variant's module (a foreign or stale file does not)."""
    try:
        module_from_state(variant, parts["fit"].x.shape[2], state)
    except (RuntimeError, KeyError, ValueError, TypeError):
        return False
    return True


def _record(
    name: str, fold: Fold, parts: dict[str, FoldRows], model: SequenceClassifier, device: torch.device
) -> dict[str, object]:
    return {
        "variant": name,
        **fold.as_dict(),
        "n_fit": len(parts["fit"].y),
        "n_val": len(parts["val"].y),
        "n_test": len(parts["test"].y),
        "epochs_run": model.epochs_run_,
        "best_epoch": model.best_epoch_,
        "best_val_loss": model.best_val_loss_,
        "seconds": round(model.fit_seconds_, 3),
        "device": str(device),
    }
