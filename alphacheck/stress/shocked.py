"""Synthetic shocks: the trained fold models predict shocked test periods again.

A cost shock keeps the predictions and prices and trades them at higher costs.
A price shock (volatility, crash, gaps) gives each fold **its own shocked
path**: the real prices, with the shock applied inside that fold's test period
only. On that one path, for that fold:

- the model's input: features are recomputed from it and the fold's
  already-trained model (with its calibrator) predicts the test dates again.
  Its training rows lie before the test period, so they are unchanged, and so
  are the fold's scaler and the history the model learnt from;
- the labels and ``fwd_return`` of its predictions;
- the returns its positions earn, and the trailing volatility that
  ``sizing: volatility`` reads.

Why one path per fold rather than one path with every test period shocked: on
such a global path, fold k's input would carry fold k-1's shocked test period,
a history its model never trained on (its training rows are the real ones),
and the labels of its last days would read fold k+1's shock. Making that
history consistent would mean retraining every fold on the shocked path. With
one path per fold, the model, its inputs and its outcomes live in one world:
the real past, then a shocked test period.

The folds are traded as one continuous backtest, on a price path spliced from
theirs (:func:`trade_multipliers`): each bar moves as it does on the path of
the fold whose position earns that move. A position decided at the close of t
earns bar t+2's move under both executions (``fill[t+2] / fill[t+1]``), so
bar t+2 follows the path of the fold that predicted t, and every decision
earns exactly its own fold's ``fwd_return``. One consequence: the first two
bars of each test period after the first fold's are earned by the previous
fold's last positions, on the previous fold's path, where they are not
shocked; a crash shock should start two or more bars into the test periods
(``offset_days`` defaults to 20).

Each record holds the shocked figures and their change from the unshocked run
scored the same way (``*_change`` = shocked - unshocked).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphacheck.backtest.strategies import CostOverride, sizing_volatility
from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.schema import Scenario
from alphacheck.scenarios.stress import CostShock, CrashShock, GapShock, VolatilityShock
from alphacheck.stress.shocks import apply_multipliers, in_ranges, shock_multipliers
from alphacheck.stress.strategies import score_strategies

if TYPE_CHECKING:
    from alphacheck.models.calibration import CalibratedModel
    from alphacheck.walkforward import Fold

__all__ = [
    "CHANGED_METRICS",
    "ShockedRun",
    "metric_changes",
    "run_shocks",
    "shocked_predictions",
    "trade_multipliers",
]

log = logging.getLogger(__name__)

#: Figures whose change from the unshocked run is reported.
CHANGED_METRICS = ("accuracy", "total_return", "sharpe", "max_drawdown", "costs_paid")


@dataclass
class ShockedRun:
    """The fold models' predictions under a price shock, and what their trades run on.

    Attributes
    ----------
    predictions
        The run's columns; each fold's rows (``proba``, ``proba_raw``,
        ``label``, ``fwd_return``) come from that fold's own shocked path.
    trade_prices
        Per ticker, the spliced path the positions trade on (see the module docstring).
    volatility
        Per ticker, the trailing volatility at each decision date, read on the deciding fold's path.
    """

    predictions: pd.DataFrame
    trade_prices: dict[str, pd.DataFrame]
    volatility: dict[str, pd.Series]


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
        (:class:`~alphacheck.models.calibration.CalibratedModel`), as in the run.

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
            shocked = ShockedRun(predictions, prices, {})
            costs = CostOverride(
                fees_bps=config.fees_bps * shock.cost_multiplier,
                slippage_bps=config.slippage_bps * shock.cost_multiplier + shock.extra_slippage_bps,
            )
        else:
            shocked = shocked_predictions(scenario, prices, datasets, fold_models, shock)
            costs = None
        rows = shocked.predictions
        out[shock.name] = {}
        for ticker in tickers:
            scores = score_strategies(
                rows[rows["ticker"] == ticker],
                shocked.trade_prices[ticker],
                config,
                costs,
                shocked.volatility.get(ticker),
            )
            out[shock.name][ticker] = {
                name: {**record, **metric_changes(record, base[ticker][name])} for name, record in scores.items()
            }
        log.info("shock %s scored", shock.name)
    return out


def shocked_predictions(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    datasets: dict[str, pd.DataFrame],
    fold_models: dict[tuple[str, int], CalibratedModel],
    shock: VolatilityShock | CrashShock | GapShock,
) -> ShockedRun:
    """Each fold's model on its own shocked path, and the spliced path its positions trade on.

    Parameters
    ----------
    scenario
        The run's configuration (features, walk-forward, execution, volatility days, seed).
    prices, datasets
        Per ticker, the real prices and the dataset the run trained on.
    fold_models
        Each ``(variant, fold)``'s :class:`~alphacheck.models.calibration.CalibratedModel`.
    shock
        A volatility, crash or gap shock.

    Raises
    ------
    ConfigError
        When a fold's model is not in memory.
    """
    from alphacheck.walkforward import common_calendar, make_folds

    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    ranges = [(fold.test_start, fold.test_end) for fold in folds]
    execution = scenario.backtest.execution
    tickers = [t for t in prices if t in datasets]
    multipliers = {t: shock_multipliers(prices[t], shock, ranges, scenario.seed) for t in tickers}
    rows, volatility = [], {t: [] for t in tickers}
    for fold in folds:
        own = [(fold.test_start, fold.test_end)]
        paths = {
            t: apply_multipliers(prices[t], np.where(in_ranges(prices[t].index, own), multipliers[t], 1.0))
            for t in tickers
        }
        rows += _fold_rows(scenario, paths, calendar, fold, fold_models, shock.name)
        for ticker, path in paths.items():
            sizing = sizing_volatility(path, scenario.backtest)
            volatility[ticker].append(sizing.loc[fold.test_start : fold.test_end])
    trade = {
        t: apply_multipliers(prices[t], trade_multipliers(prices[t].index, multipliers[t], folds, execution))
        for t in tickers
    }
    return ShockedRun(
        pd.concat(rows, ignore_index=True), trade, {t: pd.concat(v) for t, v in volatility.items()}
    )


def trade_multipliers(
    index: pd.DatetimeIndex, multipliers: np.ndarray, folds: list[Fold], execution: str
) -> np.ndarray:
    """Per bar, the multiplier of the path of the fold whose position earns that bar's move.

    A position decided at the close of t earns bar ``t + horizon``'s move, so
    that bar takes its multiplier from the path of the fold that predicted t:
    the shock's where the bar lies in that fold's test period, 1 elsewhere.
    Bars that no decision earns keep ``multipliers``.
    """
    from alphacheck.features import label_horizon

    index = pd.DatetimeIndex(index)
    positions = np.arange(len(index))
    out = np.asarray(multipliers, dtype="float64").copy()
    for fold in folds:
        decided = positions[(index >= fold.test_start) & (index <= fold.test_end)]
        earned = decided + label_horizon(execution)
        earned = earned[earned < len(index)]
        outside = (index[earned] < fold.test_start) | (index[earned] > fold.test_end)
        out[earned[outside]] = 1.0
    return out


def _fold_rows(scenario, paths, calendar, fold, fold_models, shock_name) -> list[pd.DataFrame]:
    """The fold's test rows, features and labels from its own path, predicted by each variant's model."""
    from alphacheck.features import build_dataset, label_horizon
    from alphacheck.walkforward.folds import fold_test_sequences

    execution = scenario.backtest.execution
    shocked = {}
    for ticker, path in paths.items():
        # Features at t read bars <= t, labels bars <= t + horizon: later bars are not needed.
        last = int(np.searchsorted(path.index, fold.test_end, side="right")) + label_horizon(execution)
        shocked[ticker] = build_dataset(path.iloc[:last], scenario.features, execution)
    x, meta = fold_test_sequences(shocked, calendar, fold, scenario.walkforward.sequence_length)
    rows = []
    for variant in scenario.variants:
        model = fold_models.get((variant.name, fold.index))
        if model is None:
            raise ConfigError(
                f"shock {shock_name!r}: the model of {variant.name} fold {fold.index} is not in memory"
            )
        raw = model.predict_proba_raw(x)
        proba = model.calibrator.predict_proba(raw)
        rows.append(meta.assign(variant=variant.name, fold=fold.index, proba=proba, proba_raw=raw))
    return rows


def metric_changes(shocked: dict[str, object], base: dict[str, object]) -> dict[str, float]:
    """``{metric_change: shocked - unshocked}`` for the :data:`CHANGED_METRICS` a record has.

    A figure that is undefined on either side (buy-and-hold's accuracy) changes by NaN;
    a figure the record does not have (a portfolio book's accuracy) is left out.
    """
    return {
        f"{key}_change": _difference(shocked[key], base.get(key)) for key in CHANGED_METRICS if key in shocked
    }


def _difference(shocked: object, base: object) -> float:
    try:
        return float(shocked) - float(base)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
