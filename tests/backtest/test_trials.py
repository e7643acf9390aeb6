"""Trials and the deflated Sharpe ratio, against a hand implementation of Bailey and Lopez de Prado (2014)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from alphacheck.backtest.trials import Trials, count_trials, deflated_sharpe

EULER = 0.5772156649015329


def hand_moments(returns: np.ndarray) -> tuple[float, float, float]:
    """Per-period Sharpe (ddof 1), skew and plain kurtosis (population moments), by numpy loops."""
    n = len(returns)
    mean = sum(returns) / n
    centred = [r - mean for r in returns]
    m2 = sum(c * c for c in centred) / n
    m3 = sum(c**3 for c in centred) / n
    m4 = sum(c**4 for c in centred) / n
    sd = math.sqrt(sum(c * c for c in centred) / (n - 1))
    return mean / sd, m3 / m2**1.5, m4 / m2**2


def hand_psr(returns: np.ndarray, benchmark: float = 0.0) -> float:
    sr, skew, kurt = hand_moments(returns)
    n = len(returns)
    return float(
        norm.cdf((sr - benchmark) * math.sqrt(n - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2))
    )


def hand_dsr(returns: np.ndarray, all_returns: list[np.ndarray], trials: int) -> float:
    sharpes = [hand_moments(r)[0] for r in all_returns]
    mean = sum(sharpes) / len(sharpes)
    across = sum((s - mean) ** 2 for s in sharpes) / (len(sharpes) - 1)
    sr, skew, kurt = hand_moments(returns)
    own = (1 - skew * sr + (kurt - 1) / 4 * sr**2) / (len(returns) - 1)
    variance = max(across, own)
    sr0 = math.sqrt(variance) * (
        (1 - EULER) * norm.ppf(1 - 1 / trials) + EULER * norm.ppf(1 - 1 / (trials * math.e))
    )
    return hand_psr(returns, sr0)


def series(seed: int, n: int = 750, drift: float = 0.0004) -> np.ndarray:
    return np.random.default_rng(seed).standard_t(5, n) * 0.01 + drift


def test_one_trial_is_a_psr_and_equals_the_hand_formula() -> None:
    returns = series(0)
    trials = count_trials({("X", "only"): returns})
    assert (trials.counted, trials.kind) == (1, "psr")
    figures = deflated_sharpe(returns, trials)
    assert set(figures) == {"psr"}
    assert figures["psr"] == pytest.approx(hand_psr(returns), rel=1e-10)


def test_trials_count_every_strategy_of_the_run_plus_the_declared_search() -> None:
    returns = {(t, v): series(i) for i, (t, v) in enumerate((t, v) for t in "ABCD" for v in ("a", "b"))}
    trials = count_trials(returns, declared=10)
    assert (trials.in_run, trials.declared, trials.counted, trials.kind) == (8, 10, 18, "dsr")
    sharpes = [hand_moments(r)[0] for r in returns.values()]
    assert trials.sharpe_variance == pytest.approx(np.var(sharpes, ddof=1), rel=1e-10)


def test_dsr_matches_a_hand_implementation_across_the_runs_strategies() -> None:
    # Strategies with very different drifts: the spread across them exceeds the estimator's own variance.
    returns = {("X", f"v{i}"): series(i, drift=d) for i, d in enumerate((-0.002, 0.0, 0.001, 0.003))}
    trials = count_trials(returns)
    for key, r in returns.items():
        figures = deflated_sharpe(r, trials)
        assert figures["psr"] == pytest.approx(hand_psr(r), rel=1e-10)
        assert figures["dsr"] == pytest.approx(hand_dsr(r, list(returns.values()), 4), rel=1e-9, abs=1e-12)


def test_declared_trials_deflate_a_single_strategy() -> None:
    returns = series(3, drift=0.001)
    alone = deflated_sharpe(returns, count_trials({"s": returns}))
    searched = deflated_sharpe(returns, count_trials({"s": returns}, declared=50))
    assert searched["dsr"] == pytest.approx(hand_dsr(returns, [returns, returns], 51), rel=1e-9)
    assert searched["dsr"] < searched["psr"] == pytest.approx(alone["psr"], rel=1e-12)


def test_identical_strategies_still_deflate() -> None:
    # Two variants that trade identically have no spread across them; the floor keeps the deflation.
    returns = series(4, drift=0.001)
    figures = deflated_sharpe(returns, count_trials({"a": returns, "b": returns.copy()}))
    assert figures["dsr"] < figures["psr"]


@settings(max_examples=60, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    declared=st.integers(0, 200),
    length=st.integers(30, 600),
    drift=st.floats(-0.003, 0.003),
)
def test_dsr_is_below_psr_whenever_more_than_one_trial_is_counted(seeds, declared, length, drift) -> None:
    returns = {i: series(seed, length, drift) for i, seed in enumerate(seeds)}
    trials = count_trials(returns, declared=declared)
    for r in returns.values():
        figures = deflated_sharpe(r, trials)
        if trials.counted == 1:
            assert set(figures) == {"psr"}
            assert figures["psr"] == pytest.approx(hand_psr(r), rel=1e-9)
        else:
            assert figures["dsr"] < figures["psr"]


def test_flat_strategies_are_counted_but_have_no_figure() -> None:
    flat = np.zeros(300)
    trials = count_trials({"flat": flat, "live": series(5, 300)})
    assert (trials.counted, trials.sharpe_variance) == (2, None)
    figures = deflated_sharpe(flat, trials)
    assert set(figures) == {"psr", "dsr"} and all(math.isnan(v) for v in figures.values())


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one strategy"):
        count_trials({})
    with pytest.raises(ValueError, match="declared trials must be >= 0, got -1"):
        count_trials({"s": series(0)}, declared=-1)


def test_trials_record_names_the_figure() -> None:
    assert Trials(in_run=1).as_dict()["figure"] == "psr"
    assert Trials(in_run=2, declared=3, sharpe_variance=1e-4).as_dict() == {
        "counted": 5,
        "in_run": 2,
        "declared": 3,
        "figure": "dsr",
        "sharpe_variance_per_period": 1e-4,
    }
