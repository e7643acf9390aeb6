"""A short last fold must not crash the report; a report that fails keeps the results (issue 14, finding 11).

A Yahoo scenario whose last fold had 7 test days failed in fold_accuracy_plot
with "'yerr' must not contain negative values": the Wilson bound had rounded a
hair past the accuracy. The run's results were lost with it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import binomtest

from alphacheck.cli.main import cli
from alphacheck.exceptions import ReportError
from alphacheck.report import plots
from alphacheck.report.builder import build_report
from alphacheck.report.summary import fold_accuracy, wilson_interval

RESULTS = ("config.yaml", "predictions.parquet", "returns.parquet", "metrics.json")


@pytest.mark.parametrize("n", [1, 3, 7, 10, 13, 25, 60])
def test_the_wilson_interval_holds_the_proportion_and_matches_scipy(n):
    for k in range(n + 1):
        low, high = wilson_interval(k, n)
        assert 0 <= low <= k / n <= high <= 1
        interval = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert low == pytest.approx(interval.low, abs=1e-9) and high == pytest.approx(interval.high, abs=1e-9)


def test_a_seven_day_last_fold_with_no_hit_draws(tmp_path):
    dates = pd.bdate_range("2021-01-04", periods=107)
    folds = np.r_[np.zeros(100, dtype=int), np.ones(7, dtype=int)]
    label = np.r_[np.tile([0, 1], 50), np.ones(7)]
    proba = np.r_[np.tile([0.4, 0.6], 50), np.full(7, 0.2)]  # the last fold is wrong on all 7 days
    predictions = pd.DataFrame(
        {"date": dates, "ticker": "XYZ", "variant": "baseline", "fold": folds, "proba": proba, "label": label}
    )
    table = fold_accuracy(predictions, 0.5)
    last = table[table["fold"] == 1].iloc[0]
    assert (last["n"], last["accuracy"], last["ci_low"]) == (7, 0.0, 0.0)
    assert plots.fold_accuracy_plot(table, tmp_path / "fold_accuracy.png").is_file()


def test_a_plot_that_fails_names_its_stage_and_keeps_the_results(run_dir, monkeypatch):
    before = {name: hashlib.sha256((run_dir / name).read_bytes()).hexdigest() for name in RESULTS}

    def broken(*args, **kwargs):
        raise ValueError("'yerr' must not contain negative values")

    monkeypatch.setattr(plots, "fold_accuracy_plot", broken)
    expected = (
        r"drawing the report failed at the plot 'Accuracy per fold' \(ValueError: 'yerr' must not .*\); the "
        r"results are kept in .*run \(predictions.parquet, returns.parquet, metrics.json\): draw the report "
        r"again with `alphacheck report .*run`"
    )
    with pytest.raises(ReportError, match=expected):
        build_report(run_dir, tearsheets=False)
    assert {name: hashlib.sha256((run_dir / name).read_bytes()).hexdigest() for name in RESULTS} == before
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--no-tearsheets"])
    assert result.exit_code == 1
    assert "Error: drawing the report failed at the plot 'Accuracy per fold'" in result.output
    assert "Traceback" not in result.output
    monkeypatch.undo()  # the cause fixed: the same command draws the report from the kept results
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--no-tearsheets"])
    assert result.exit_code == 0, result.output
    assert (run_dir / "plots" / "fold_accuracy.png").is_file() and (run_dir / "index.html").is_file()
