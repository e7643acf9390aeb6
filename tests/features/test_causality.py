"""Causality: a feature at t computed on prices up to t equals the feature on all prices, read at t."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphacheck.features import FEATURES, check_causality

BUILTIN = sorted(name for name, feature in FEATURES.items() if feature.builtin)


def _prices(n: int, seed: int, flat_from: int, zero_volume_at: int) -> pd.DataFrame:
    """Random-walk OHLCV with an optional flat stretch and a zero-volume day (edge cases)."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.015, n)
    steps[flat_from : flat_from + 25] = 0.0
    close = 50 * np.exp(np.cumsum(steps))
    open_ = close * np.exp(rng.normal(0, 0.004, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    volume = rng.integers(10_000, 1_000_000, n).astype("float64")
    volume[zero_volume_at % n] = 0.0
    index = pd.bdate_range("2001-01-01", periods=n, name="date")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )


@pytest.mark.parametrize("name", BUILTIN)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(30, 160),
    seed=st.integers(0, 2**32 - 1),
    flat_from=st.integers(0, 200),
    zero_volume_at=st.integers(0, 500),
    cut_fraction=st.floats(0.0, 1.0),
)
def test_every_registered_feature_is_causal(name, n, seed, flat_from, zero_volume_at, cut_fraction):
    prices = _prices(n, seed, flat_from, zero_volume_at)
    cut = int(cut_fraction * (n - 1))
    feature = FEATURES[name]
    full = feature.compute(prices)
    part = feature.compute(prices.iloc[: cut + 1])
    # Compared directly (not through check_causality, which is under test below): equal, NaN where NaN.
    pd.testing.assert_frame_equal(part, full.iloc[: cut + 1], check_exact=False, rtol=1e-12, atol=0)


def test_check_causality_names_the_first_leaking_date(prices):
    def tomorrow_return(p):
        return p["close"].pct_change().shift(-1)

    cuts = [prices.index[150], prices.index[100], prices.index[250]]
    report = check_causality(tomorrow_return, prices, cuts)
    assert not report.causal
    # On a cut at 100 the last value becomes NaN (tomorrow unknown); the earliest cut gives the first date.
    assert report.first_difference == prices.index[100]
    assert report.cut == prices.index[100]
    expected = prices["close"].iloc[101] / prices["close"].iloc[100] - 1
    assert report.full_value == pytest.approx(expected, rel=1e-12)
    assert np.isnan(report.cut_value)
    assert f"'tomorrow_return' looks ahead: on {prices.index[100].date()}" in str(report)


def test_check_causality_catches_full_sample_normalisation(prices):
    def zscore(p):  # uses the whole sample's mean: every past value moves when data is added
        return (p["close"] - p["close"].mean()) / p["close"].std()

    report = check_causality(zscore, prices)
    assert not report.causal
    assert report.first_difference == prices.index[0]
    assert report.column == "zscore"


def test_check_causality_passes_a_causal_frame_feature(prices):
    def trailing(p):
        return pd.DataFrame({"a": p["close"].rolling(5).mean(), "b": p["volume"].diff()})

    report = check_causality(trailing, prices, cuts=prices.index[[10, 100, 298]])
    assert report.causal and report.first_difference is None
    assert len(report.cuts) == 3
    assert str(report) == "feature 'trailing' is causal at 3 cut dates"


def test_default_cuts_are_spread_over_the_second_half(prices):
    report = check_causality(lambda p: p["close"], prices, name="close")
    assert report.causal
    assert [prices.index.get_loc(c) for c in report.cuts] == [150, 187, 224, 261, 298]
