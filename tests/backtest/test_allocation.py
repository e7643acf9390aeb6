"""Cross-sectional selection and allocation: hand-worked rows and invariants on random panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphacheck.backtest.allocation import (
    allocate,
    cap_weights,
    carry_proba,
    equal_weights,
    rebalance_mask,
    select,
)
from alphacheck.exceptions import ConfigError

NAN = np.nan


def test_threshold_selection_by_policy():
    proba = np.array([[0.7, 0.4, 0.5, NAN], [0.2, 0.9, 0.55, 0.45]])
    assert select(proba, "long_only", 0.5, 0.5).tolist() == [[1, 0, 0, 0], [0, 1, 1, 0]]
    assert select(proba, "long_short", 0.5, 0.5).tolist() == [[1, -1, 0, 0], [-1, 1, 1, -1]]
    assert select(proba, "short_only", 0.5, 0.5).tolist() == [[0, -1, 0, 0], [-1, 0, 0, -1]]
    # A neutral band: between lower and upper nothing is held.
    assert select(proba, "long_short", 0.6, 0.3).tolist() == [[1, 0, 0, 0], [-1, 1, 0, 0]]


def test_top_k_takes_the_highest_and_the_lowest():
    proba = np.array([[0.1, 0.9, 0.6, 0.3, 0.5], [0.55, 0.55, 0.2, NAN, 0.8]])
    assert select(proba, "long_only", selection="top_k", k=2).tolist() == [
        [0, 1, 1, 0, 0],
        [1, 0, 0, 0, 1],  # tie at 0.55: the ticker listed first
    ]
    assert select(proba, "long_short", selection="top_k", k=2).tolist() == [
        [-1, 1, 1, -1, 0],
        [1, -1, -1, 0, 1],  # four choosable tickers: two per side
    ]
    assert select(proba, "short_only", selection="top_k", k=1).tolist() == [
        [-1, 0, 0, 0, 0],
        [0, 0, -1, 0, 0],
    ]


def test_top_k_with_fewer_choosable_tickers_than_two_k_splits_them():
    proba = np.array([[0.9, NAN, 0.2, NAN], [NAN, NAN, NAN, 0.4]])
    assert select(proba, "long_short", selection="top_k", k=2).tolist() == [[1, 0, -1, 0], [0, 0, 0, 0]]
    assert select(proba, "long_only", selection="top_k", k=3).tolist() == [[1, 0, 1, 0], [0, 0, 0, 1]]


def test_unknown_names_get_a_did_you_mean():
    with pytest.raises(
        ConfigError, match=r"portfolio.selection 'topk' is unknown \(did you mean 'top_k'\?\)"
    ):
        select(np.zeros((1, 2)), selection="topk", k=1)
    with pytest.raises(ConfigError, match=r"portfolio.allocation 'equals' is unknown \(did you mean 'equal'"):
        allocate(np.ones((1, 2)), allocation="equals")
    with pytest.raises(ConfigError, match=r"portfolio.rebalance 'weakly' is unknown \(did you mean 'weekly'"):
        rebalance_mask(pd.bdate_range("2021-01-01", periods=3), "weakly")
    with pytest.raises(ConfigError, match=r"selection 'top_k' needs k >= 1"):
        select(np.zeros((1, 2)), selection="top_k")


def test_equal_allocation_by_hand():
    side = np.array([[1, 1, 0, -1], [0, 0, 0, 0], [1, 0, 0, 0]])
    weights = allocate(side, allocation="equal", gross_exposure=0.9)
    np.testing.assert_allclose(weights, [[0.3, 0.3, 0, -0.3], [0, 0, 0, 0], [0.9, 0, 0, 0]], rtol=1e-15)
    capped = allocate(side, allocation="equal", max_weight=0.25, gross_exposure=0.9)
    np.testing.assert_allclose(capped, [[0.25, 0.25, 0, -0.25], [0, 0, 0, 0], [0.25, 0, 0, 0]], rtol=1e-15)


def test_proba_allocation_by_hand():
    proba = np.array([[0.8, 0.6, 0.5, 0.2]])
    side = select(proba, "long_short", 0.55, 0.45)  # long, long, none, short
    weights = allocate(side, proba, allocation="proba", upper=0.55, lower=0.45)
    edges = np.array([0.25, 0.05, 0.0, 0.25])  # P - upper for longs, lower - P for shorts
    np.testing.assert_allclose(weights[0], edges / edges.sum() * [1, 1, 0, -1], rtol=1e-12)


def test_proba_allocation_gives_nothing_to_a_top_k_pick_below_the_threshold():
    proba = np.array([[0.58, 0.52, 0.40]])
    side = select(proba, "long_only", selection="top_k", k=2)
    weights = allocate(side, proba, allocation="proba", upper=0.55, lower=0.55)
    np.testing.assert_allclose(weights, [[1.0, 0.0, 0.0]])


def test_inverse_volatility_by_hand_and_unknown_volatility():
    side = np.array([[1, 1, 1, 0], [1, 1, 0, 0]])
    volatility = np.array([[0.1, 0.2, NAN, 0.3], [NAN, NAN, 0.2, 0.1]])
    weights = allocate(side, volatility=volatility, allocation="inverse_volatility")
    inverse = np.array([10.0, 5.0, 7.5])  # the unknown one weighs the mean of the known ones
    np.testing.assert_allclose(weights[0, :3], inverse / inverse.sum(), rtol=1e-12)
    np.testing.assert_allclose(weights[1], [0.5, 0.5, 0, 0], rtol=1e-12)  # none known: equal


def test_cap_weights_water_filling_by_hand():
    # Scores 6:3:1 at gross 1 would be 0.6, 0.3, 0.1; cap 0.4 -> 0.4, and 0.6 shared 3:1 -> 0.45, 0.15;
    # 0.45 > 0.4 -> capped too, the last takes 1 - 0.8 = 0.2.
    np.testing.assert_allclose(cap_weights(np.array([[6.0, 3.0, 1.0]]), 0.4, 1.0), [[0.4, 0.4, 0.2]])
    # Too few tickers to carry the budget under the cap: each at the cap, the rest stays in cash.
    np.testing.assert_allclose(cap_weights(np.array([[1.0, 2.0, 0.0]]), 0.3, 1.0), [[0.3, 0.3, 0.0]])
    np.testing.assert_allclose(cap_weights(np.zeros((1, 3)), 0.3, 1.0), np.zeros((1, 3)))


panels = st.tuples(
    st.integers(1, 12),  # dates
    st.integers(2, 9),  # tickers
    st.integers(0, 10_000),  # seed
    st.sampled_from(["long_only", "long_short", "short_only"]),
    st.sampled_from(["equal", "proba", "inverse_volatility"]),
    st.floats(0.05, 1.0),  # max_weight
    st.floats(0.1, 1.0),  # gross_exposure
)


@settings(max_examples=300, deadline=None)
@given(panels, st.integers(1, 4))
def test_weights_respect_max_weight_k_and_gross_on_every_date(panel, k):
    n_dates, n_tickers, seed, policy, allocation, max_weight, gross = panel
    rng = np.random.default_rng(seed)
    proba = rng.uniform(0, 1, (n_dates, n_tickers))
    proba[rng.uniform(size=proba.shape) < 0.2] = NAN
    volatility = np.where(rng.uniform(size=proba.shape) < 0.2, NAN, rng.uniform(0.05, 0.6, proba.shape))
    for selection in ("threshold", "top_k"):
        side = select(proba, policy, 0.55, 0.45, selection, k)
        weights = allocate(side, proba, volatility, allocation, 0.55, 0.45, max_weight, gross)
        assert np.all(np.abs(weights) <= max_weight * (1 + 1e-12))
        assert np.all(np.abs(weights).sum(axis=1) <= gross * (1 + 1e-12))
        assert np.all((weights == 0) | (np.sign(weights) == side)), "a weight against its side"
        assert np.all(np.isfinite(proba) | (weights == 0)), "a ticker without P(up) was held"
        if selection == "top_k":
            assert np.all((weights > 0).sum(axis=1) <= k) and np.all((weights < 0).sum(axis=1) <= k)
        # Whenever enough tickers carry a positive score, the whole gross exposure is invested.
        scored = np.abs(weights) > 0
        full = scored.sum(axis=1) * max_weight >= gross * (1 + 1e-9)
        if allocation != "proba":
            full &= scored.sum(axis=1) == (side != 0).sum(axis=1)
        np.testing.assert_allclose(np.abs(weights).sum(axis=1)[full], gross, rtol=1e-9)


def test_equal_weights_split_the_exposure_over_the_available_tickers():
    available = np.array([[True, True, True, True], [True, False, True, False], [False] * 4])
    np.testing.assert_allclose(
        equal_weights(available), [[0.25] * 4, [0.5, 0, 0.5, 0], [0, 0, 0, 0]], rtol=1e-15
    )


def test_rebalance_dates_are_the_first_decision_date_of_each_period():
    dates = pd.DatetimeIndex(
        ["2021-01-28", "2021-01-29", "2021-02-01", "2021-02-02", "2021-02-08", "2021-03-01", "2021-03-03"]
    )
    assert rebalance_mask(dates, "daily").all()
    # ISO weeks: Thu 28 Jan and Fri 29 Jan; Mon 1 Feb and Tue 2 Feb; Mon 8 Feb; Mon 1 Mar and Wed 3 Mar.
    assert rebalance_mask(dates, "weekly").tolist() == [True, False, True, False, True, True, False]
    assert rebalance_mask(dates, "monthly").tolist() == [True, False, True, False, False, True, False]


def test_a_ticker_missing_a_date_keeps_its_latest_proba_for_a_while():
    dates = pd.bdate_range("2021-01-04", periods=9)
    proba = pd.DataFrame({"A": np.linspace(0.4, 0.6, 9), "B": [0.7, NAN, 0.3] + [NAN] * 6}, index=dates)
    carried = carry_proba(proba, limit=5)
    assert carried["A"].equals(proba["A"])
    assert carried["B"].tolist()[:8] == [0.7, 0.7, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]
    assert np.isnan(carried["B"].iloc[8])  # six dates without a prediction: not chosen any more
