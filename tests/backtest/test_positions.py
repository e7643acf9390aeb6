"""Policies, neutral band, minimum holding and sizing, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.positions import direction_from_proba, position_weights, trailing_volatility
from alphacheck.exceptions import ConfigError

PROBA = np.array([0.7, 0.52, 0.3, 0.5, 0.8, 0.45])


@pytest.mark.parametrize(
    "policy,neutral,expected",
    [
        ("long_only", "flat", [1, 0, 0, 0, 1, 0]),
        ("long_short", "flat", [1, 0, -1, 0, 1, 0]),
        ("short_only", "flat", [0, 0, -1, 0, 0, 0]),
        ("long_short", "hold", [1, 1, -1, -1, 1, 1]),
        ("long_only", "hold", [1, 1, 0, 0, 1, 1]),
    ],
)
def test_policies_with_a_neutral_band(policy, neutral, expected) -> None:
    # band [0.45, 0.55]: 0.52, 0.5 and 0.45 are neutral
    assert direction_from_proba(PROBA, policy, 0.55, 0.45, neutral).tolist() == expected


def test_no_band_splits_at_the_threshold() -> None:
    assert direction_from_proba(PROBA, "long_short", 0.5, 0.5).tolist() == [1, 1, -1, 0, 1, -1]


def test_minimum_holding_period() -> None:
    proba = np.array([0.9, 0.1, 0.1, 0.9, 0.1, 0.9, 0.9])
    # a position is kept three decision dates before it may change
    assert direction_from_proba(proba, "long_short", min_holding_days=3).tolist() == [1, 1, 1, 1, -1, -1, -1]
    assert direction_from_proba(proba, "long_only", min_holding_days=2).tolist() == [1, 1, 0, 0, 0, 1, 1]
    assert direction_from_proba(proba, "long_only").tolist() == [1, 0, 0, 1, 0, 1, 1]


def test_unknown_policy_is_named_with_a_hint() -> None:
    with pytest.raises(ConfigError, match="long_shrt.*did you mean 'long_short'"):
        direction_from_proba(PROBA, "long_shrt")


def test_volatility_sizing_is_fixed_at_entry() -> None:
    direction = np.array([1, 1, 0, -1, -1, 1])
    volatility = np.array([0.20, 0.10, 0.3, 0.05, 0.4, np.nan])
    weights = position_weights(direction, volatility, fraction=0.5, target_volatility=0.10, max_leverage=1.5)
    np.testing.assert_allclose(weights, [0.5, 0.5, 0.0, -1.5, -1.5, 0.5])
    np.testing.assert_allclose(position_weights(direction, fraction=0.25), direction * 0.25)


def test_trailing_volatility_is_causal(prices) -> None:
    full = trailing_volatility(prices["close"], 20)
    cut = trailing_volatility(prices["close"].iloc[:150], 20)
    pd.testing.assert_series_equal(full.iloc[:150], cut)
    window = prices["close"].pct_change().iloc[130:150]
    assert full.iloc[149] == pytest.approx(window.std(ddof=1) * np.sqrt(252), rel=1e-12)
