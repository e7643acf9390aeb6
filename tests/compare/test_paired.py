"""Paired tests and the capital split against hand calculations and independent implementations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alphacheck.backtest.significance import probabilistic_sharpe_ratio
from alphacheck.compare import (
    blend_returns,
    blended_metrics,
    diebold_mariano,
    log_loss_per_row,
    mcnemar,
    min_track_record_length,
    model_confidence_set,
    newey_west_lag,
    parse_split,
    sharpe_difference_interval,
)


def test_mcnemar_exact_by_hand():
    # 10 rows only A got right, 3 only B, 7 both, 5 neither.
    a = np.array([1] * 10 + [0] * 3 + [1] * 7 + [0] * 5, bool)
    b = np.array([0] * 10 + [1] * 3 + [1] * 7 + [0] * 5, bool)
    result = mcnemar(a, b)
    assert (result["a_only"], result["b_only"]) == (10, 3)
    # Two-sided exact: 2 * P(X <= 3), X ~ Binomial(13, 1/2) = 2 * (1 + 13 + 78 + 286) / 8192.
    assert result["p_value"] == pytest.approx(2 * 378 / 8192, rel=1e-12)
    assert result["statistic"] == pytest.approx(36 / 13, rel=1e-12)


def test_mcnemar_without_discordant_pairs():
    same = np.array([True, False, True])
    assert mcnemar(same, same) == {"a_only": 0, "b_only": 0, "statistic": 0.0, "p_value": 1.0}


def test_diebold_mariano_long_run_variance_matches_arch_bartlett():
    from arch.covariance.kernel import Bartlett

    rng = np.random.default_rng(1)
    loss_a, loss_b = rng.gamma(2.0, size=200), rng.gamma(2.1, size=200)
    d = loss_a - loss_b
    result = diebold_mariano(loss_a, loss_b, lag=4)
    lrv = Bartlett(d, bandwidth=4, force_int=True).cov.long_run[0, 0]
    expected = d.mean() / np.sqrt(lrv / len(d))
    assert result["statistic"] == pytest.approx(expected, rel=1e-10)
    assert result["p_value"] == pytest.approx(2 * stats.norm.sf(abs(expected)), rel=1e-10)


def test_diebold_mariano_by_hand_without_lags():
    # d = [1, -1, 2, 0]: mean 0.5, variance (divided by n) = (0.25 + 2.25 + 2.25 + 0.25) / 4 = 1.25.
    result = diebold_mariano(np.array([1.0, -1.0, 2.0, 0.0]), np.zeros(4), lag=0)
    assert result["statistic"] == pytest.approx(0.5 / np.sqrt(1.25 / 4), rel=1e-12)
    assert newey_west_lag(252) == 4 and newey_west_lag(100) == 4 and newey_west_lag(50) == 3


def test_log_loss_per_row():
    assert log_loss_per_row(np.array([0.8, 0.8, 0.0]), np.array([1, 0, 0])) == pytest.approx(
        [-np.log(0.8), -np.log(0.2), -np.log(1 - 1e-12)], rel=1e-12
    )


def test_min_track_record_length_reaches_the_level_exactly():
    rng = np.random.default_rng(3)
    returns = rng.standard_t(5, size=1000) * 0.01 + 0.001
    days = min_track_record_length(returns, benchmark_sharpe=0.02, level=0.95)
    sharpe = returns.mean() / returns.std(ddof=1)
    psr = probabilistic_sharpe_ratio(
        sharpe, days, float(stats.skew(returns)), float(stats.kurtosis(returns, fisher=False)), 0.02
    )
    assert psr == pytest.approx(0.95, abs=1e-12)


def test_min_track_record_length_by_hand_and_when_behind():
    # Bailey and Lopez de Prado's formula written out, on a two-valued series shifted to a Sharpe of about 0.1.
    returns = np.array([0.1, -0.1] * 50)
    returns = returns + 0.1 * returns.std(ddof=1)
    sr = returns.mean() / returns.std(ddof=1)
    skew, kurt = stats.skew(returns), stats.kurtosis(returns, fisher=False)
    expected = 1 + (1 - skew * sr + (kurt - 1) / 4 * sr**2) * (stats.norm.ppf(0.95) / sr) ** 2
    assert min_track_record_length(returns) == pytest.approx(expected, rel=1e-12)
    assert min_track_record_length(returns, benchmark_sharpe=1.0) == float("inf")


def test_sharpe_difference_interval_is_paired_and_seeded():
    rng = np.random.default_rng(4)
    a = rng.normal(0.0003, 0.01, 500)
    same = sharpe_difference_interval(a, a.copy(), reps=200)
    assert same == {"difference": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    b = a + rng.normal(0.0005, 0.002, 500)
    first = sharpe_difference_interval(a, b, reps=300, seed=7)
    assert first == sharpe_difference_interval(a, b, reps=300, seed=7)
    assert first["ci_low"] < first["difference"] < first["ci_high"]
    assert first["ci_low"] > 0  # B is A plus a steady edge and little noise


def test_model_confidence_set_drops_the_clearly_worse_variant():
    rng = np.random.default_rng(5)
    base = rng.gamma(2.0, size=(400, 1))
    losses = pd.DataFrame(
        np.hstack([base + rng.normal(0, 0.05, (400, 1)), base + rng.normal(0, 0.05, (400, 1)), base + 1.0]),
        columns=["a", "b", "worse"],
    )
    result = model_confidence_set(losses, reps=200, seed=1)
    assert result["excluded"] == ["worse"] and result["included"] == ["a", "b"]
    assert result["p_values"]["worse"] < 0.1


def test_identical_variants_share_their_place_in_the_model_confidence_set():
    # arch's MCS fails (IndexError) when two variants' losses are equal on every date.
    rng = np.random.default_rng(5)
    base = rng.gamma(2.0, size=400)
    twins = pd.DataFrame({"a": base, "b": base.copy()})
    assert model_confidence_set(twins, reps=100, seed=1) == {
        "size": 0.10, "included": ["a", "b"], "excluded": [], "p_values": {"a": 1.0, "b": 1.0}
    }
    losses = twins.assign(worse=base + 1.0 + rng.normal(0, 0.05, 400))
    result = model_confidence_set(losses, reps=200, seed=1)
    from arch.bootstrap import MCS

    alone = MCS(losses[["a", "worse"]], size=0.10, reps=200, block_size=10, seed=np.random.default_rng(1))
    alone.compute()  # the set without the twin, straight from arch
    assert result["included"] == ["a", "b"] and result["excluded"] == ["worse"]
    expected = alone.pvalues["Pvalue"]
    assert result["p_values"] == {"a": expected["a"], "b": expected["a"], "worse": expected["worse"]}


def test_blend_of_two_sleeves_by_hand():
    a, b = np.array([0.1, -0.1, 0.0]), np.array([0.0, 0.1, 0.1])
    # Sleeves: A 1.1, 0.99, 0.99; B 1.0, 1.1, 1.21. Equity 0.7 A + 0.3 B: 1.07, 1.023, 1.056.
    expected = np.array([1.07, 1.023, 1.056]) / np.array([1.0, 1.07, 1.023]) - 1
    assert blend_returns(a, b, 0.7) == pytest.approx(expected, rel=1e-12)
    assert blended_metrics(a, b, 0.7)["total_return"] == pytest.approx(0.056, rel=1e-12)
    assert blend_returns(a, b, 1.0) == pytest.approx(a, rel=1e-12)


def test_parse_split():
    assert parse_split("70/30") == (0.7, 0.3)
    assert parse_split("1/1") == (0.5, 0.5)
    with pytest.raises(ValueError, match=r"--split '70-30': write two shares as A/B"):
        parse_split("70-30")
    with pytest.raises(ValueError, match=r"must be >= 0 and not both 0"):
        parse_split("0/0")


def test_min_track_record_length_is_undefined_without_a_sharpe_ratio():
    assert np.isnan(min_track_record_length(np.zeros(50)))
    assert np.isnan(min_track_record_length(np.array([0.01, -0.02, 0.03]), benchmark_sharpe=float("nan")))
