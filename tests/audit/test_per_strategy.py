"""Which audit finding concerns which strategy: run-wide checks for all, too-good-to-be-true for each one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.audit import audit_dataset
from alphacheck.audit.per_strategy import strategy_findings
from alphacheck.data import load_prices
from alphacheck.scenarios import load_scenario
from alphacheck.walkforward import common_calendar, make_folds

pytestmark = pytest.mark.slow  # loading arch's embedded data costs seconds

RUN_WIDE = ["feature_causality", "target_leakage", "split_hygiene"]


@pytest.fixture(scope="module")
def quick_run():
    """quick's prices and coin-flip predictions on every fold's test dates, for two variants."""
    scenario = load_scenario("quick")
    prices = load_prices(scenario.data)
    datasets = {t: audit_dataset(p, scenario.features, scenario.backtest.execution) for t, p in prices.items()}
    folds = make_folds(common_calendar(datasets), scenario.walkforward)
    rng = np.random.default_rng(0)
    rows = [
        pd.DataFrame({
            "date": test.index, "ticker": ticker, "variant": variant, "fold": fold.index,
            "proba": rng.uniform(0.3, 0.7, len(test)), "label": test["label"].to_numpy(),
        })
        for fold in folds
        for ticker, data in datasets.items()
        for variant in ("plain", "lucky")
        for test in [data.loc[fold.test_start : fold.test_end]]
    ]  # fmt: skip
    return scenario, prices, pd.concat(rows, ignore_index=True)


def test_each_strategy_gets_the_run_wide_checks_and_its_own_too_good(quick_run):
    scenario, prices, predictions = quick_run
    sharpes = {("SP500", "plain"): 0.4, ("SP500", "lucky"): 3.6}
    report, findings = strategy_findings(scenario, prices, predictions, sharpes, {"plain": 4.2, "lucky": 0.1})
    assert [c.name for c in report.checks] == [*RUN_WIDE, "too_good_to_be_true"]
    assert set(findings) == {("SP500", "plain"), ("SP500", "lucky"), ("portfolio", "plain"), ("portfolio", "lucky")}
    for checks in findings.values():
        assert [c.name for c in checks] == [*RUN_WIDE, "too_good_to_be_true"]
        assert checks[:3] == tuple(report.checks[:3])  # the same run-wide findings for every strategy
    verdicts = {key: checks[-1].verdict for key, checks in findings.items()}
    # a Sharpe ratio above 3 after costs marks that strategy only
    assert verdicts == {
        ("SP500", "plain"): "pass",
        ("SP500", "lucky"): "warn",
        ("portfolio", "plain"): "warn",
        ("portfolio", "lucky"): "pass",
    }
    assert "lucky on SP500: Sharpe 3.60" in findings[("SP500", "lucky")][-1].summary
    assert "plain book: Sharpe 4.20" in findings[("portfolio", "plain")][-1].summary
