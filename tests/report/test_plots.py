"""PNG plots: break-even arithmetic, files written, no font-warning noise."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from alphacheck.report import plots

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_break_even_interpolates_the_zero_crossing():
    # 0.04 at 10 bps and -0.02 at 20 bps: zero two thirds of the way, at 16.67 bps.
    assert plots.break_even_cost(np.array([20.0, 0.0, 10.0]), np.array([-0.02, 0.10, 0.04])) == pytest.approx(
        10 + 10 * 0.04 / 0.06, abs=1e-12
    )
    assert plots.break_even_cost(np.array([0.0, 5.0]), np.array([0.0, -0.1])) == 0.0
    assert math.isnan(plots.break_even_cost(np.array([0.0, 5.0]), np.array([0.2, 0.1])))


def _returns():
    dates = pd.bdate_range("2021-01-01", periods=30)
    rng = np.random.default_rng(1)
    return {("X", s): pd.Series(rng.normal(0, 0.01, 30), index=dates) for s in ("v", "buy_and_hold")}


def test_plots_write_pngs_without_findfont_lines(tmp_path, caplog):
    import matplotlib

    caplog.set_level(logging.DEBUG)
    with matplotlib.rc_context({"font.family": "Arial"}):  # what quantstats sets at import
        equity = plots.equity_plot(_returns(), ["X"], tmp_path / "equity.png")
        drawdown = plots.drawdown_plot(_returns(), ["X"], tmp_path / "dd.png")
    for path in (equity, drawdown):
        assert path.read_bytes()[:8] == PNG_MAGIC
        assert path.stat().st_size > 5_000
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_cost_and_stress_plots_need_their_columns(tmp_path):
    sweep = pd.DataFrame({"ticker": "X", "strategy": "v", "costs_bps": ["0", "10", "20"],
                          "total_return": [0.1, 0.04, -0.02]})
    assert plots.cost_sensitivity_plot(sweep, tmp_path / "c.png").read_bytes()[:8] == PNG_MAGIC
    assert plots.cost_sensitivity_plot(sweep.drop(columns="costs_bps"), tmp_path / "none.png") is None
    stress = pd.DataFrame({"window": ["a", "b", "a", "b"], "strategy": ["v", "v", "bh", "bh"],
                           "total_return": [0.1, -0.2, 0.0, -0.3]})
    assert plots.stress_plot(stress, tmp_path / "s.png").read_bytes()[:8] == PNG_MAGIC
    assert plots.stress_plot(stress.drop(columns="window"), tmp_path / "none2.png") is None
    assert not (tmp_path / "none.png").exists()


def test_cost_plot_reads_the_backtests_columns(tmp_path):
    sweep = pd.DataFrame({"ticker": "X", "strategy": "v", "cost_bps_per_side": [0.0, 5.0, 10.0],
                          "sharpe": [0.8, 0.2, -0.4], "total_return": [0.1, 0.02, -0.05]})
    assert plots.cost_sensitivity_plot(sweep, tmp_path / "c.png").read_bytes()[:8] == PNG_MAGIC


def test_reliability_plot_draws_the_bins_and_needs_some(tmp_path):
    from alphacheck.backtest.reliability import reliability_bins

    rng = np.random.default_rng(2)
    raw = rng.uniform(0.45, 0.55, 500)
    proba = raw + 0.05
    label = rng.uniform(size=500) < proba
    bins = {"proba": reliability_bins(proba, label), "proba_raw": reliability_bins(raw, label)}
    path = plots.reliability_plot(bins, "v", tmp_path / "r.png")
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5_000
    empty = {"proba": reliability_bins(np.array([]), np.array([]))}
    assert plots.reliability_plot(empty, "v", tmp_path / "none.png") is None


def test_stress_plot_adds_a_whole_window_panel(tmp_path):
    import struct

    stress = pd.DataFrame({"window": ["a", "b", "a", "b"], "strategy": ["v", "v", "bh", "bh"],
                           "total_return": [0.1, -0.2, 0.0, -0.3]})
    one = plots.stress_plot(stress, tmp_path / "one.png")
    two = plots.stress_plot(stress.assign(whole_window_total_return=[0.05, -0.25, 0.0, -0.4]),
                            tmp_path / "two.png")
    height = lambda path: struct.unpack(">II", path.read_bytes()[16:24])[1]  # noqa: E731 (PNG IHDR)
    assert height(two) == 2 * height(one)
