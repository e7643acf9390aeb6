"""The checks a finished run gets without training again, and the outside-data leak that only
target leakage can see: a custom feature that joins an outside series by date, as a centred mean."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alphacheck.features
from alphacheck.audit import CHECKS_WITHOUT_TRAINING, FAIL, PASS, WARN, audit_dataset, audit_without_training
from alphacheck.data import load_sample
from alphacheck.scenarios import load_scenario
from alphacheck.scenarios.overrides import apply_overrides
from alphacheck.walkforward import common_calendar, make_folds

pytestmark = pytest.mark.slow  # importing arch's data costs seconds


def _register_outside_centred_mean() -> None:
    # The outside series: NASDAQ's daily returns, joined to any ticker's prices by date. Its centred
    # 5-day mean holds the NASDAQ returns of the next two days; truncating the ticker's prices cannot
    # change it, because the outside series is not cut with them.
    outside = load_sample("NASDAQ")["close"].pct_change()

    @alphacheck.features.register("outside_centred_5")
    def outside_centred_5(prices: pd.DataFrame) -> pd.Series:
        """5-day centred mean of NASDAQ's returns, joined by date."""
        return outside.rolling(5, center=True).mean().reindex(prices.index)


def _run_shaped(scenario, seed: int = 0):
    """The prices of a scenario and predictions on every fold's test dates, as a run would have them."""
    from alphacheck.data import load_prices

    prices = load_prices(scenario.data)
    execution = scenario.backtest.execution
    datasets = {t: audit_dataset(p, scenario.features, execution) for t, p in prices.items()}
    folds = make_folds(common_calendar(datasets), scenario.walkforward)
    rng = np.random.default_rng(seed)
    rows = []
    for fold in folds:
        for ticker, data in datasets.items():
            test = data.loc[fold.test_start : fold.test_end]
            rows.append(
                pd.DataFrame(
                    {
                        "date": test.index,
                        "ticker": ticker,
                        "variant": "baseline",
                        "fold": fold.index,
                        "proba": rng.uniform(0.3, 0.7, len(test)),
                        "label": test["label"].to_numpy(),
                    }
                )
            )
    return prices, pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("name", ["quick", "transaction_costs"])
def test_a_shipped_scenario_passes_without_training(name):
    scenario = load_scenario(name)
    prices, predictions = _run_shaped(scenario)
    report = audit_without_training(scenario, prices, predictions, {"baseline on SP500": 0.4})
    assert tuple(c.name for c in report.checks) == CHECKS_WITHOUT_TRAINING
    assert [c.verdict for c in report.checks] == [PASS] * 4, [c.summary for c in report.checks]
    assert report.failed == [] and report.verdict_of("too_good_to_be_true") == PASS


@pytest.mark.parametrize("name", ["quick", "default", "transaction_costs"])
def test_a_centred_mean_of_outside_data_fails_target_leakage(clean_registry, name, known_data_warnings):
    _register_outside_centred_mean()
    scenario = apply_overrides(load_scenario(name), {"features.add": ["outside_centred_5"]})
    with known_data_warnings(name):
        prices, predictions = _run_shaped(scenario)
    report = audit_without_training(scenario, prices, predictions)
    assert report.verdict_of("feature_causality") == PASS  # truncating the prices cannot see it
    leakage = report.checks[1]
    assert leakage.verdict == FAIL and leakage.summary.endswith(": outside_centred_5")
    scored = leakage.details["features"]["outside_centred_5"]
    assert scored["accuracy"] - leakage.details["majority_rate"] >= 0.05 and scored["p_value"] < 0.01
    assert [c.name for c in report.failed] == ["target_leakage"]


def test_predictions_that_know_the_label_fire_too_good_to_be_true():
    scenario = load_scenario("quick")
    prices, predictions = _run_shaped(scenario)
    knowing = predictions.assign(proba=np.where(predictions["label"] == 1, 0.8, 0.2))
    report = audit_without_training(scenario, prices, knowing, {"baseline on SP500": 5.2})
    assert report.verdict_of("too_good_to_be_true") == WARN
    check = report.checks[-1]
    assert check.evidence[0].startswith("baseline on SP500: daily direction accuracy 100.0% vs majority")
    assert "baseline on SP500: Sharpe 5.20 after costs > 3" in check.evidence
    assert report.failed == []  # it warns; the verdict reads it as a suspected leak


def test_a_prediction_outside_its_fold_fails_split_hygiene():
    scenario = load_scenario("quick")
    prices, predictions = _run_shaped(scenario)
    fold = predictions["fold"].to_numpy().copy()
    fold[5] += 1  # a prediction of fold 0 said to belong to fold 1
    moved = predictions.assign(fold=fold)
    report = audit_without_training(scenario, prices, moved)
    assert report.verdict_of("split_hygiene") == FAIL
    assert "lies outside its test window" in report.checks[2].summary
