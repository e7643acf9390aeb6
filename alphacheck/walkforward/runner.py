"""Run the walk-forward for every variant and fold: out-of-sample predictions.

Per fold, features are standardised with a scaler fitted on the fold's fitting
rows only (pooled over tickers), sequences are cut within each ticker (a
sequence never mixes two tickers), one model is trained on the pooled
sequences, and it predicts the fold's test dates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.schema import Scenario
from alphacheck.walkforward.splits import Fold, make_folds

__all__ = ["PREDICTION_COLUMNS", "WalkForwardResult", "common_calendar", "fold_test_sequences", "run_walkforward"]

log = logging.getLogger(__name__)

PREDICTION_COLUMNS = ["date", "ticker", "variant", "fold", "proba", "label", "fwd_return"]
_META_COLUMNS = ("fwd_return", "label")


@dataclass
class WalkForwardResult:
    """Predictions (one row per date, ticker, variant) and a record per trained fold."""

    predictions: pd.DataFrame
    folds: list[dict[str, object]]
    # The trained model of every (variant, fold), for the stress shocks to predict again.
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
    """
    from alphacheck.walkforward.trainer import SequenceClassifier

    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    length = scenario.walkforward.sequence_length
    rows, records, fold_models = [], [], {}
    for variant in scenario.variants:
        for fold in folds:
            parts = _fold_arrays(datasets, calendar, fold, length)
            for role in ("fit", "val"):
                if len(parts[role][1]) == 0 or len(np.unique(parts[role][1])) < 2:
                    raise ConfigError(
                        f"fold {fold.index}: the {role} rows hold fewer than two classes; "
                        "lengthen walkforward.train_days or validation_days"
                    )
            model = SequenceClassifier(
                variant.name, variant.params, scenario.training, device, seed=scenario.seed + fold.index
            ).fit(*parts["fit"][:2], *parts["val"][:2])
            x_test, _, meta = parts["test"]
            proba = model.predict_proba(x_test)
            fold_models[(variant.name, fold.index)] = model
            rows.append(meta.assign(variant=variant.name, fold=fold.index, proba=proba))
            record = {
                "variant": variant.name,
                **fold.as_dict(),
                "n_fit": len(parts["fit"][1]),
                "n_val": len(parts["val"][1]),
                "n_test": len(proba),
                "epochs_run": model.epochs_run_,
                "best_epoch": model.best_epoch_,
                "best_val_loss": model.best_val_loss_,
                "seconds": round(model.fit_seconds_, 3),
                "device": str(device),
            }
            records.append(record)
            log.info("%s fold %d: %d test rows, %d epochs", variant.name, fold.index, len(proba), model.epochs_run_)
            if on_fold:
                on_fold(variant.name, fold, record)
    predictions = pd.concat(rows, ignore_index=True)[PREDICTION_COLUMNS]
    return WalkForwardResult(
        predictions.sort_values(["variant", "ticker", "date"], ignore_index=True), records, fold_models
    )


def fold_test_sequences(
    datasets: dict[str, pd.DataFrame], calendar: pd.DatetimeIndex, fold: Fold, length: int
) -> tuple[np.ndarray, pd.DataFrame]:
    """A fold's test sequences, scaled as in training, and their rows (date, ticker, fwd_return, label)."""
    x_test, _, meta = _fold_arrays(datasets, calendar, fold, length)["test"]
    return x_test, meta


def _fold_arrays(
    datasets: dict[str, pd.DataFrame], calendar: pd.DatetimeIndex, fold: Fold, length: int
) -> dict[str, tuple[np.ndarray, np.ndarray, pd.DataFrame]]:
    """Sequences, labels and row metadata for the fit, validation and test rows."""
    ranges = {
        "fit": (fold.fit_start, fold.fit_end),
        "val": (fold.val_start, fold.val_end),
        "test": (fold.test_start, fold.test_end),
    }
    feature_columns = [c for c in next(iter(datasets.values())).columns if c not in _META_COLUMNS]
    fit_rows = pd.concat(
        [d.loc[fold.fit_start : fold.fit_end, feature_columns] for d in datasets.values()]
    ).to_numpy()
    mean = fit_rows.mean(axis=0)
    scale = fit_rows.std(axis=0)
    scale[scale == 0] = 1.0

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
