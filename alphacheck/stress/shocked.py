"""Synthetic shocks: the trained fold models predict shocked test periods again.

For a price shock (volatility, crash, gaps) and each fold, the shock is applied
to that fold's test period only; features are recomputed from the shocked
prices (training rows are unchanged, so the fold's scaler, fitted on its
fitting rows, is the same), and the fold's already-trained model predicts the
test dates again. The shocked runs of all folds are traded on one price path
holding every test period's shock, and labels are read from that path: the
model faces a market it was not trained on. A cost shock keeps the
predictions and prices and trades them at higher costs.

Each record holds the shocked figures and their change from the unshocked run
scored the same way (``*_change`` = shocked - unshocked).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphacheck.backtest.strategies import CostOverride
from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.schema import Scenario
from alphacheck.scenarios.stress import CostShock, CrashShock, GapShock, VolatilityShock
from alphacheck.stress.shocks import apply_multipliers, in_ranges, shock_multipliers
from alphacheck.stress.strategies import score_strategies

if TYPE_CHECKING:
    from alphacheck.models.calibration import CalibratedModel

__all__ = ["CHANGED_METRICS", "run_shocks", "shocked_predictions"]

log = logging.getLogger(__name__)

#: Figures whose change from the unshocked run is reported.
CHANGED_METRICS = ("accuracy", "total_return", "sharpe", "max_drawdown", "costs_paid")


def run_shocks(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    datasets: dict[str, pd.DataFrame],
    predictions: pd.DataFrame,
    fold_models: dict[tuple[str, int], CalibratedModel],
) -> dict[str, dict[str, dict[str, dict[str, object]]]]:
    """Score every shock of ``scenario.stress.shocks`` against the unshocked run.

    Parameters
    ----------
    scenario
        The run's configuration (features, walk-forward, backtest, shocks, seed).
    prices, datasets
        Per ticker, the prices and the (unshocked) dataset the run trained on.
    predictions
        The run's out-of-sample predictions.
    fold_models
        The trained model of each ``(variant, fold)`` with its calibrator
        (:class:`~alphacheck.models.calibration.CalibratedModel`): its
        ``predict_proba(x)`` is the calibrated P(up), as in the run.

    Returns
    -------
    dict
        ``{shock: {ticker: {strategy: record}}}``, strategies being the
        variants and buy-and-hold.
    """
    config = scenario.backtest
    tickers = sorted(str(t) for t in predictions["ticker"].unique())
    base = {t: score_strategies(predictions[predictions["ticker"] == t], prices[t], config) for t in tickers}
    out: dict[str, dict[str, dict[str, dict[str, object]]]] = {}
    for shock in scenario.stress.shocks:
        if isinstance(shock, CostShock):
            rows, shocked_prices = predictions, prices
            costs = CostOverride(
                fees_bps=config.fees_bps * shock.cost_multiplier,
                slippage_bps=config.slippage_bps * shock.cost_multiplier + shock.extra_slippage_bps,
            )
        else:
            rows, shocked_prices = shocked_predictions(scenario, prices, datasets, fold_models, shock)
            costs = None
        out[shock.name] = {}
        for ticker in tickers:
            scores = score_strategies(rows[rows["ticker"] == ticker], shocked_prices[ticker], config, costs)
            out[shock.name][ticker] = {
                name: {**record, **_changes(record, base[ticker][name])} for name, record in scores.items()
            }
        log.info("shock %s scored", shock.name)
    return out


def shocked_predictions(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    datasets: dict[str, pd.DataFrame],
    fold_models: dict[tuple[str, int], CalibratedModel],
    shock: VolatilityShock | CrashShock | GapShock,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Predictions of the trained fold models on shocked test periods, and the shocked price path.

    Returns
    -------
    tuple
        The predictions (same columns as the run's, labels from the shocked
        path) and, per ticker, the prices with every test period shocked.
    """
    from alphacheck.features import build_dataset, forward_return, label_horizon
    from alphacheck.walkforward import common_calendar, make_folds
    from alphacheck.walkforward.folds import fold_test_sequences

    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    ranges = [(fold.test_start, fold.test_end) for fold in folds]
    execution = scenario.backtest.execution
    multipliers = {t: shock_multipliers(prices[t], shock, ranges, scenario.seed) for t in datasets}
    path = {t: apply_multipliers(prices[t], multipliers[t]) for t in datasets}
    rows = []
    for fold in folds:
        shocked = {}
        for ticker, frame in prices.items():
            if ticker not in datasets:
                continue
            inside = in_ranges(frame.index, [(fold.test_start, fold.test_end)])
            # Features at t read bars <= t: the bars after the fold's last label are not needed.
            last = int(np.searchsorted(frame.index, fold.test_end)) + label_horizon(execution) + 1
            one_fold = apply_multipliers(frame, np.where(inside, multipliers[ticker], 1.0))
            shocked[ticker] = build_dataset(one_fold.iloc[:last], scenario.features, execution)
        x, meta = fold_test_sequences(shocked, calendar, fold, scenario.walkforward.sequence_length)
        for variant in scenario.variants:
            model = fold_models.get((variant.name, fold.index))
            if model is None:
                raise ConfigError(
                    f"shock {shock.name!r}: the model of {variant.name} fold {fold.index} is not in memory"
                )
            rows.append(meta.assign(variant=variant.name, fold=fold.index, proba=_predict(model, x)))
    predictions = pd.concat(rows, ignore_index=True)
    for ticker, frame in path.items():
        mine = predictions["ticker"] == ticker
        fwd = forward_return(frame, execution).reindex(pd.DatetimeIndex(predictions.loc[mine, "date"]))
        predictions.loc[mine, "fwd_return"] = fwd.to_numpy()
        predictions.loc[mine, "label"] = (fwd.to_numpy() > 0).astype("int8")
    return predictions, path


def _predict(model: CalibratedModel, x: np.ndarray) -> np.ndarray:
    """Calibrated P(up) from a fold's model (a ``CalibratedModel``: the module with its fold's calibrator)."""
    return model.predict_proba(x)


def _changes(shocked: dict[str, object], base: dict[str, object]) -> dict[str, float]:
    return {f"{key}_change": _difference(shocked.get(key), base.get(key)) for key in CHANGED_METRICS}


def _difference(shocked: object, base: object) -> float:
    try:
        return float(shocked) - float(base)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
