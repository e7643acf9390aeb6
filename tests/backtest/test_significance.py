"""Significance figures against published worked examples and hand formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from alphacheck.backtest.significance import (
    accuracy_test,
    break_even_cost,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    sharpe_bootstrap_interval,
    spa_test,
)


def test_deflated_sharpe_worked_example() -> None:
    """Bailey and Lopez de Prado (2014), "The Deflated Sharpe Ratio", section on the numerical example:
    N = 100 trials, V[SR] = 1/2 annualised, T = 1250 days (250 a year), annual SR 2.5, skew -3,
    kurtosis 10 give E[max SR] = 0.1132 per day and DSR = 0.9004."""
    benchmark = expected_max_sharpe(0.5 / 250, 100)
    assert benchmark == pytest.approx(0.1132, abs=5e-5)
    dsr = probabilistic_sharpe_ratio(2.5 / math.sqrt(250), 1250, -3.0, 10.0, benchmark)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_probabilistic_sharpe_normal_returns_by_hand() -> None:
    # skew 0, kurtosis 3: PSR = Phi(SR sqrt(n - 1) / sqrt(1 + SR^2 / 2))
    sharpe, n = 0.05, 500
    z = sharpe * math.sqrt(n - 1) / math.sqrt(1 + sharpe**2 / 2)
    expected = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    assert probabilistic_sharpe_ratio(sharpe, n, 0.0, 3.0) == pytest.approx(expected, rel=1e-12)


def test_deflated_sharpe_falls_with_more_trials() -> None:
    rng = np.random.default_rng(0)
    returns = rng.normal(0.0008, 0.01, 1000)
    one, many = deflated_sharpe_ratio(returns, 1), deflated_sharpe_ratio(returns, 1000)
    assert 0 < many < one < 1


def test_wilson_interval_and_binomial_test_by_hand() -> None:
    correct, n, z = 60, 100, 1.959963984540054
    p = correct / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    p_value = sum(math.comb(n, k) * 0.52**k * 0.48 ** (n - k) for k in range(correct, n + 1))
    result = accuracy_test(correct, n, majority_rate=0.52)
    assert result["accuracy_ci_low"] == pytest.approx(centre - half, rel=1e-9)
    assert result["accuracy_ci_high"] == pytest.approx(centre + half, rel=1e-9)
    assert result["binomial_p_value"] == pytest.approx(p_value, rel=1e-9)


def test_break_even_cost_interpolates_the_sweep() -> None:
    levels = np.array([0.0, 10.0, 20.0])
    assert break_even_cost(levels, np.array([1.0, 0.5, -0.5])) == {"bps": 15.0, "status": "crossed"}
    assert break_even_cost(levels, np.array([1.0, 0.5, -0.5]), target=0.75)["bps"] == pytest.approx(5.0)
    assert break_even_cost(levels, np.array([-0.1, -0.2, -0.3]))["status"] == "below_at_zero_cost"
    assert break_even_cost(levels, np.array([2.0, 1.5, 1.0])) == {"bps": 20.0, "status": "above_sweep"}


def test_bootstrap_interval_brackets_the_sample_sharpe() -> None:
    from alphacheck.backtest.metrics import sharpe_ratio

    returns = np.random.default_rng(1).normal(0.0005, 0.01, 750)
    low, high = sharpe_bootstrap_interval(returns, reps=300, seed=3)
    assert low < sharpe_ratio(returns) < high
    assert (low, high) == sharpe_bootstrap_interval(returns, reps=300, seed=3)
    # The Sharpe estimator's standard error over 3 years is about 1 / sqrt(3): the interval is wide.
    assert 1.5 < high - low < 3.5


def test_spa_sees_a_variant_that_beats_the_benchmark() -> None:
    rng = np.random.default_rng(2)
    benchmark = rng.normal(0.0, 0.01, 1000)
    better = benchmark + 0.002 + rng.normal(0, 0.002, 1000)
    same = benchmark + rng.normal(0, 0.002, 1000)
    assert spa_test(benchmark, np.column_stack([better, same]), reps=300)["spa_p_consistent"] < 0.01
    assert spa_test(benchmark, same[:, None] - 0.0005, reps=300)["spa_p_consistent"] > 0.2
