"""Price shocks on hand-checkable bars: each shocked close worked out on paper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.stress import CostShock, CrashShock, GapShock, VolatilityShock
from alphacheck.stress import apply_multipliers, in_ranges, shock_multipliers
from tests.conftest import synthetic_prices


def _bars(close, open_=None):
    dates = pd.bdate_range("2021-01-04", periods=len(close), name="date")
    close = np.asarray(close, dtype="float64")
    open_ = close if open_ is None else np.asarray(open_, dtype="float64")
    return pd.DataFrame(
        {
            "open": open_,
            "high": np.maximum(open_, close) + 1,
            "low": np.minimum(open_, close) - 1,
            "close": close,
            "volume": 1000.0,
        },
        index=dates,
    )


def _range(prices, first, last):
    return [(prices.index[first], prices.index[last])]


def test_volatility_doubles_each_close_to_close_return_inside_the_range():
    prices = _bars([100, 110, 99, 99, 108.9])  # returns +10%, -10%, 0%, +10%
    shock = VolatilityShock(kind="volatility", name="v", scale=2)
    shocked = apply_multipliers(prices, shock_multipliers(prices, shock, _range(prices, 1, 4)))
    # 100 -> +20% = 120 -> -20% = 96 -> 0% = 96 -> +20% = 115.2
    np.testing.assert_allclose(shocked["close"], [100, 120, 96, 96, 115.2], rtol=1e-12)
    # Each bar is scaled whole: open, high and low move with its close.
    factor = shocked["close"] / prices["close"]
    for column in ("open", "high", "low"):
        np.testing.assert_allclose(shocked[column], prices[column] * factor, rtol=1e-12)
    np.testing.assert_array_equal(shocked["volume"], prices["volume"])


def test_volatility_leaves_bars_outside_the_range_alone():
    prices = _bars([100, 110, 99, 99, 108.9, 110])
    shock = VolatilityShock(kind="volatility", name="v", scale=3)
    multipliers = shock_multipliers(prices, shock, _range(prices, 2, 3))
    np.testing.assert_array_equal(multipliers[[0, 1, 4, 5]], 1.0)
    shocked = apply_multipliers(prices, multipliers)
    np.testing.assert_array_equal(shocked["close"].iloc[:2], prices["close"].iloc[:2])
    # After the range the level shift persists, the returns are the original ones.
    np.testing.assert_allclose(
        shocked["close"].pct_change().iloc[4:], prices["close"].pct_change().iloc[4:], rtol=1e-12
    )


def test_crash_compounds_to_the_declared_drop_over_its_days():
    prices = _bars([100.0] * 8)
    shock = CrashShock(kind="crash", name="c", drop_pct=19, days=2, start=prices.index[3].date())
    shocked = apply_multipliers(prices, shock_multipliers(prices, shock, _range(prices, 1, 7)))
    # (1 - 0.19) ** (1/2) = 0.9 per day: 100, 100, 100, 90, 81, 81, 81, 81
    np.testing.assert_allclose(shocked["close"], [100, 100, 100, 90, 81, 81, 81, 81], rtol=1e-12)


def test_crash_without_a_date_falls_offset_days_into_every_range():
    prices = _bars([100.0] * 10)
    shock = CrashShock(kind="crash", name="c", drop_pct=50, days=1, offset_days=1)
    ranges = _range(prices, 1, 4) + _range(prices, 5, 9)
    shocked = apply_multipliers(prices, shock_multipliers(prices, shock, ranges))
    np.testing.assert_allclose(shocked["close"], [100, 100, 50, 50, 50, 50, 25, 25, 25, 25], rtol=1e-12)


def test_crash_dated_outside_the_test_periods_is_refused():
    prices = _bars([100.0] * 8)
    shock = CrashShock(kind="crash", name="late", drop_pct=10, days=2, start=prices.index[0].date())
    with pytest.raises(ConfigError, match=r"shock 'late': start 2021-01-04 is not in a test period"):
        shock_multipliers(prices, shock, _range(prices, 2, 7))


def test_crash_running_past_the_data_is_refused():
    prices = _bars([100.0] * 8)
    shock = CrashShock(kind="crash", name="c", drop_pct=10, days=5, start=prices.index[6].date())
    with pytest.raises(ConfigError, match="runs past the last bar 2021-01-13"):
        shock_multipliers(prices, shock, _range(prices, 2, 7))


def test_gaps_open_the_bar_below_the_previous_close():
    prices = _bars([100.0] * 5)
    shock = GapShock(kind="gaps", name="g", size_pct=3, probability=1.0, direction="down")
    shocked = apply_multipliers(prices, shock_multipliers(prices, shock, _range(prices, 2, 3)))
    np.testing.assert_allclose(shocked["close"], [100, 100, 97, 94.09, 94.09], rtol=1e-12)
    # The gap is overnight: the open of bar 2 is 3% under the close of bar 1, intraday is flat.
    assert shocked["open"].iloc[2] / shocked["close"].iloc[1] == pytest.approx(0.97, rel=1e-12)
    assert shocked["close"].iloc[2] / shocked["open"].iloc[2] == pytest.approx(1.0, rel=1e-12)


def test_gap_days_are_seeded_and_limited_to_the_ranges():
    prices = synthetic_prices(400)
    shock = GapShock(kind="gaps", name="g", size_pct=2, probability=0.1, direction="both")
    ranges = [(prices.index[200], prices.index[399])]
    first = shock_multipliers(prices, shock, ranges, seed=5)
    np.testing.assert_array_equal(first, shock_multipliers(prices, shock, ranges, seed=5))
    assert np.all(first[:200] == 1.0)
    hit = first[200:] != 1.0
    assert 5 <= hit.sum() <= 40  # about 10% of 200 days
    assert set(np.round(first[200:][hit], 12)) == {0.98, 1.02}


def test_cost_shocks_do_not_touch_prices():
    prices = _bars([100.0] * 5)
    with pytest.raises(TypeError, match="changes costs, not prices"):
        shock_multipliers(prices, CostShock(kind="costs", name="c", cost_multiplier=2), _range(prices, 1, 4))


def test_shocked_bars_stay_valid_ohlc():
    prices = synthetic_prices(300)
    shock = VolatilityShock(kind="volatility", name="v", scale=4)
    shocked = apply_multipliers(
        prices, shock_multipliers(prices, shock, [(prices.index[100], prices.index[-1])])
    )
    assert (shocked["high"] >= shocked[["open", "close"]].max(axis=1) - 1e-9).all()
    assert (shocked["low"] <= shocked[["open", "close"]].min(axis=1) + 1e-9).all()
    assert (shocked[["open", "high", "low", "close"]] > 0).all().all()


def test_in_ranges_is_inclusive_at_both_ends():
    index = pd.bdate_range("2021-01-04", periods=6)
    mask = in_ranges(index, [(index[1], index[2]), (index[4], index[4])])
    np.testing.assert_array_equal(mask, [False, True, True, False, True, False])
