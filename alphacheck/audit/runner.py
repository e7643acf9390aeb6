"""Run every audit check on a scenario: its data, features (built-in and custom) and variants.

The training checks run a short walk-forward (the first ``folds`` folds,
optionally fewer epochs) three times: on the data, on prices cut inside the
last test window, and on permuted labels. :func:`audit_without_training` runs
the checks that need no training on a finished run's prices and predictions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.audit.drift import drift
from alphacheck.audit.features import feature_causality, target_leakage
from alphacheck.audit.predictions import (
    degenerate_predictor,
    prediction_causality,
    shuffled_labels,
    too_good_to_be_true,
)
from alphacheck.audit.splits import split_hygiene
from alphacheck.audit.verdict import AuditReport
from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.overrides import apply_overrides
from alphacheck.scenarios.schema import Scenario

__all__ = ["CHECKS_WITHOUT_TRAINING", "audit_dataset", "audit_without_training", "run_audit"]

#: The checks :func:`audit_without_training` runs, in order.
CHECKS_WITHOUT_TRAINING = ("feature_causality", "target_leakage", "split_hygiene", "too_good_to_be_true")

_META = ("fwd_return", "label")


def audit_dataset(
    prices: pd.DataFrame, feature_set: Any, execution: str, keep_unlabelled: bool = False
) -> pd.DataFrame:
    """Features, ``fwd_return`` and ``label`` on every date where all are known.

    Unlike ``build_dataset`` this neither refuses look-ahead features nor the
    gap they leave at the end: the audit names them, then scores them. With
    ``keep_unlabelled`` the last dates, whose return is not known yet, stay
    (``fwd_return`` NaN, ``label`` 0): they can be predicted, never trained on.
    """
    from alphacheck.features.labels import forward_return
    from alphacheck.features.sets import compute_features

    data = compute_features(prices, feature_set)
    complete = np.isfinite(data.to_numpy(dtype="float64")).all(axis=1)
    data = data.assign(fwd_return=forward_return(prices, execution))[complete]
    if not keep_unlabelled:
        data = data[data["fwd_return"].notna()]
    return data.assign(label=(data["fwd_return"] > 0).astype("int8"))


def run_audit(
    scenario: Scenario,
    folds: int = 2,
    epochs: int | None = None,
    cuts: int = 5,
    on_progress: Callable[[str], None] | None = None,
) -> AuditReport:
    """Audit a scenario; the report's ``exit_code`` is 1 when any check fails.

    Parameters
    ----------
    scenario
        The resolved scenario (plugins already loaded).
    folds
        Walk-forward folds trained by the training checks (the first ones).
    epochs
        Training epochs for those checks; the scenario's when ``None``.
    cuts
        Cut dates of the feature causality check.
    on_progress
        Receives one line per check.

    Raises
    ------
    ConfigError
        When ``folds`` or ``epochs`` is below 1, or the data is too short for a fold.
    """
    from alphacheck.data import load_prices

    if folds < 1 or (epochs is not None and epochs < 1):
        raise ConfigError(f"--folds ({folds}) and --epochs ({epochs}) must be at least 1")
    say = on_progress or (lambda message: None)
    scenario = _short_training(scenario, epochs)
    report = AuditReport(scenario.name)
    prices = load_prices(scenario.data)
    say("checking feature causality")
    report.checks.append(feature_causality(prices, scenario.features, cuts))
    datasets, _, all_folds = _datasets_and_folds(prices, scenario)
    columns = _feature_columns(datasets)
    say(f"scoring {len(columns)} features alone over {len(all_folds)} folds")
    report.checks.append(target_leakage(datasets, all_folds, columns))

    report.checks.extend(
        _training_checks(scenario, prices, datasets, all_folds[: min(folds, len(all_folds))], say)
    )
    report.checks.append(drift(datasets, all_folds, columns))
    return report


def audit_without_training(
    scenario: Scenario,
    prices: dict[str, pd.DataFrame],
    predictions: pd.DataFrame,
    sharpe_after_costs: dict[str, float] | None = None,
    cuts: int = 5,
) -> AuditReport:
    """The audit checks a finished run can have without training again.

    Feature causality and target leakage on the run's prices and features,
    split hygiene on its folds, predictions and fold preparation, too good to
    be true on its predictions and Sharpe ratios after costs: about 3 s for
    ``default``. For a verdict: ``report.failed`` lists the failing checks
    (empty: no failing check is known), and
    ``report.verdict_of("too_good_to_be_true") == WARN`` says that check fired.

    Parameters
    ----------
    scenario
        The run's resolved scenario (plugins already loaded).
    prices
        The run's prices per ticker.
    predictions
        The run's out-of-sample predictions (``date, ticker, variant, fold, proba, label``).
    sharpe_after_costs
        ``{"<variant> on <ticker>": Sharpe}`` from the run's backtest; ``None``
        judges the accuracy alone.
    cuts
        Cut dates of the feature causality check.

    Returns
    -------
    AuditReport
        The checks of :data:`CHECKS_WITHOUT_TRAINING`.
    """
    from alphacheck.features.labels import label_horizon

    report = AuditReport(scenario.name, [feature_causality(prices, scenario.features, cuts)])
    datasets, calendar, folds = _datasets_and_folds(prices, scenario)
    report.checks.append(target_leakage(datasets, folds, _feature_columns(datasets)))
    wf = scenario.walkforward
    horizon = label_horizon(scenario.backtest.execution)
    rows = predictions.reset_index(drop=True)
    report.checks.append(
        split_hygiene(calendar, folds, wf.purge_days, horizon, rows, datasets, wf.sequence_length)
    )
    report.checks.append(
        too_good_to_be_true(predictions, dict(sharpe_after_costs or {}), scenario.backtest.threshold)
    )
    return report


def _datasets_and_folds(prices: dict[str, pd.DataFrame], scenario: Scenario):
    """Per ticker features and labels as the audit scores them, their common calendar and its folds."""
    from alphacheck.walkforward import common_calendar, make_folds

    execution = scenario.backtest.execution
    datasets = {t: audit_dataset(p, scenario.features, execution) for t, p in prices.items()}
    calendar = common_calendar(datasets)
    return datasets, calendar, make_folds(calendar, scenario.walkforward)


def _feature_columns(datasets: dict[str, pd.DataFrame]) -> list[str]:
    return [c for c in next(iter(datasets.values())).columns if c not in _META]


def _training_checks(scenario: Scenario, prices: dict, datasets: dict, short: list, say) -> list:
    """Prediction causality, shuffled labels, degenerate predictor, split hygiene and too good to be true.

    Trains the ``short`` folds three times: on the data, on prices cut in the
    middle of the last test window, and on permuted labels.
    """
    from alphacheck.features.labels import label_horizon
    from alphacheck.walkforward import common_calendar, make_folds

    execution, threshold = scenario.backtest.execution, scenario.backtest.threshold
    short_data = {t: d.loc[: short[-1].test_end] for t, d in datasets.items()}
    calendar = common_calendar(short_data)
    say(
        f"training {len(short)} fold(s) on all data, on prices cut in the last test window, on permuted labels"
    )
    full = _walkforward(short_data, scenario)
    test_dates = calendar[calendar >= short[-1].test_start]
    cut = test_dates[len(test_dates) // 2]
    # Prices end at the cut; its last dates stay in (unlabelled, test rows only) so that every
    # prediction up to the cut is remade from the bars up to it.
    cut_data = {t: audit_dataset(p.loc[:cut], scenario.features, execution, True) for t, p in prices.items()}
    checks = [prediction_causality(full[full["date"] <= cut], _walkforward(cut_data, scenario), cut)]
    rng = np.random.default_rng(scenario.seed)
    permuted = {t: d.assign(label=rng.permutation(d["label"].to_numpy())) for t, d in short_data.items()}
    checks.append(shuffled_labels(_walkforward(permuted, scenario), full, threshold))
    checks.append(degenerate_predictor(full, threshold))
    wf = scenario.walkforward
    checks.append(
        split_hygiene(
            calendar,
            make_folds(calendar, wf),
            wf.purge_days,
            label_horizon(execution),
            full,
            short_data,
            wf.sequence_length,
        )
    )
    say("backtesting the short walk-forward with costs")
    checks.append(too_good_to_be_true(full, _sharpe_after_costs(full, prices, scenario), threshold))
    return checks


def _short_training(scenario: Scenario, epochs: int | None) -> Scenario:
    """The scenario with the audit's epochs, and without fold checkpoints (a permuted run must not resume)."""
    changes: dict[str, Any] = {}
    if epochs is not None:
        changes["training.epochs"] = epochs
        changes["training.patience"] = min(scenario.training.patience, epochs)
    if scenario.training.checkpoint:
        changes["training.checkpoint"] = False
    return apply_overrides(scenario, changes)


def _walkforward(datasets: dict[str, pd.DataFrame], scenario: Scenario) -> pd.DataFrame:
    from alphacheck.models import resolve_device, seed_everything, set_cpu_threads
    from alphacheck.walkforward import run_walkforward

    device = resolve_device(scenario.device)
    # As a run does: torch's default of one thread per core multiplied the audit's CPU time on a busy machine.
    set_cpu_threads(device, scenario.training.cpu_threads)
    seed_everything(scenario.seed)
    return run_walkforward(datasets, scenario, device).predictions


def _sharpe_after_costs(
    predictions: pd.DataFrame, prices: dict[str, pd.DataFrame], scenario: Scenario
) -> dict[str, float]:
    """Sharpe ratio after the scenario's costs, per variant and ticker, from the project's backtest."""
    from alphacheck.backtest import evaluate
    from alphacheck.exceptions import SmallSampleWarning

    config = scenario.backtest.model_copy(update={"random_draws": 2, "bootstrap_reps": 100})
    with warnings.catch_warnings():
        # The audit's walk-forward is short on purpose; its sample size is in the evidence.
        warnings.simplefilter("ignore", SmallSampleWarning)
        evaluation = evaluate(predictions, prices, config, seed=scenario.seed)
    variants = sorted(predictions["variant"].unique())
    return {
        f"{variant} on {ticker}": float(evaluation.metrics[ticker][variant]["sharpe"])
        for ticker in evaluation.metrics
        for variant in variants
    }
