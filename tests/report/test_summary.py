"""Report tables: Wilson intervals, accuracy per fold, flattened metrics sections, Markdown."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import binomtest

from alphacheck.report.summary import (
    fold_accuracy,
    render_markdown,
    run_tables,
    section_frame,
    section_table,
    wilson_interval,
)


@pytest.mark.parametrize(("k", "n"), [(53, 100), (0, 20), (20, 20), (131, 250), (1, 3)])
def test_wilson_interval_matches_scipy(k, n):
    expected = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_wilson_interval_of_nothing_is_undefined():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_fold_accuracy_counts_hits_by_hand():
    # fold 0: up,up,down predicted vs labels 1,0,0 -> hits 1,0,1 = 2/3; fold 1: proba 0.5 is not "up".
    predictions = pd.DataFrame({
        "date": pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08"]),
        "ticker": "X", "variant": "v", "fold": [0, 0, 0, 1, 1],
        "proba": [0.9, 0.6, 0.2, 0.5, 0.7], "label": [1, 0, 0, 1, 1],
    })
    folds = fold_accuracy(predictions, threshold=0.5)
    assert folds["accuracy"].tolist() == pytest.approx([2 / 3, 1 / 2])
    assert folds["n"].tolist() == [3, 2]
    assert folds.loc[0, "test_start"] == pd.Timestamp("2020-01-02")
    assert folds.loc[1, "test_end"] == pd.Timestamp("2020-01-08")
    assert folds.loc[0, "ci_low"] == pytest.approx(binomtest(2, 3).proportion_ci(method="wilson").low, abs=1e-12)


def test_section_table_names_known_levels_and_formats_values():
    section = {"covid": {"SPY": {"baseline": {"total_return": -0.1234, "sharpe": 0.5, "n_trades": 3}}}}
    table = section_table("stress", section)
    assert table.columns == ["window", "ticker", "strategy", "total_return", "sharpe", "n_trades"]
    assert table.rows == [["covid", "SPY", "baseline", "-12.34%", "0.50", "3"]]


def test_section_table_reads_lists_of_records_and_unknown_nesting():
    table = section_table("yearly", {"SPY": [{"year": 2019, "hit_rate": 0.5}, {"year": 2020, "hit_rate": None}]})
    assert table.columns == ["level 1", "year", "hit_rate"]
    assert table.rows == [["SPY", "2019", "50.00%"], ["SPY", "2020", "-"]]
    assert section_table("empty", {}) is None


def test_section_frame_keeps_key_columns(run_dir):
    import json

    sweep = json.loads((run_dir / "metrics.json").read_text())["cost_sweep"]
    frame = section_frame("cost_sweep", sweep)
    assert frame.attrs["keys"] == ["ticker", "strategy", "costs_bps"]
    assert frame[frame["ticker"] == "SP500"]["costs_bps"].tolist() == ["0", "10", "20"]


def test_run_tables_cover_every_section_and_render_as_markdown(run_dir):
    import json

    metrics = json.loads((run_dir / "metrics.json").read_text())
    tables = run_tables(metrics, pd.read_parquet(run_dir / "predictions.parquet"), 0.5)
    assert [t.key for t in tables] == ["metrics", "fold_accuracy", "folds", "stress", "cost_sweep"]
    markdown = render_markdown(tables)
    assert "## Variants and baselines" in markdown
    assert "| ticker | strategy | accuracy | total_return | sharpe | n_trades |" in markdown
    assert markdown.count("| baseline | SP500 | 0 | 2018-01-02..") == 1  # fold 0 of the accuracy table
    assert "| covid-2020 | SP500 | baseline | -5.00% | -5.00% |" in markdown


def test_columnar_sections_become_one_row_per_position():
    # The backtest writes its cost sweep as columns: {"cost_bps_per_side": [...], "sharpe": [...], ...}.
    section = {"SPY": {"v": {"cost_bps_per_side": [0.0, 5.0], "sharpe": [0.9, 0.4], "total_return": [0.1, 0.05]}}}
    table = section_table("cost_sweep", section)
    assert table.columns == ["ticker", "strategy", "cost_bps_per_side", "sharpe", "total_return"]
    assert table.rows == [["SPY", "v", "0", "0.90", "10.00%"], ["SPY", "v", "5", "0.40", "5.00%"]]
