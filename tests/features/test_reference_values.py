"""Indicator values against TA-Lib (used only in tests) and hand-worked examples.

TA-Lib seeds its EMAs with a simple mean where alphacheck starts the
recursion at the first bar (``adjust=False``); the difference decays as
(1 - alpha)^n, so MACD is compared after 400 bars, where it is below 1e-13.
Wilder averages (RSI, ATR) are seeded the same way in both: compared from the
first value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.data import normalise_ohlcv
from tests.conftest import synthetic_prices
from alphacheck.features import compute_features
from alphacheck.scenarios.schema import FeatureConfig

import talib  # noqa: E402  (dev extra: ta-lib; a missing install must fail, not skip)

_NAMES = ["rsi_9", "rsi_14", "rsi_21", "macd", "macd_signal", "macd_hist", "bb_position", "bb_width",
          "atr_14", "stoch_k", "stoch_d", "close_vwap_20"]  # fmt: skip


@pytest.fixture(params=["SPY", "XBI", "synthetic"])
def ohlcv(request) -> pd.DataFrame:
    if request.param == "synthetic":
        # long enough for the MACD's EMA seeds (ours from the first bar, TA-Lib's from a mean) to agree
        return synthetic_prices(600, seed=11)
    folder = request.getfixturevalue("shared_yahoo_dir")
    raw = pd.read_csv(folder / f"{request.param}.csv", index_col="Date", parse_dates=True)
    return normalise_ohlcv(raw, request.param)


def _features(prices: pd.DataFrame) -> pd.DataFrame:
    return compute_features(
        prices, FeatureConfig(set="advanced", drop=[n for n in _advanced() if n not in _NAMES])
    )


def _advanced() -> tuple[str, ...]:
    from alphacheck.features import FEATURE_SETS

    return FEATURE_SETS["advanced"]


def _assert_matches(actual: pd.Series, expected: np.ndarray, start: int = 0, rtol: float = 1e-10) -> None:
    actual = actual.to_numpy()
    np.testing.assert_array_equal(np.isnan(actual[start:]), np.isnan(expected[start:]))
    np.testing.assert_allclose(actual[start:], expected[start:], rtol=rtol, atol=1e-12, equal_nan=True)


def test_wilder_indicators_match_talib(ohlcv):
    f = _features(ohlcv)
    h, l, c = (ohlcv[k].to_numpy() for k in ("high", "low", "close"))
    for window in (9, 14, 21):
        expected = talib.RSI(c, timeperiod=window)
        assert np.isnan(f[f"rsi_{window}"].iloc[window - 1]) and np.isnan(expected[window - 1])
        _assert_matches(f[f"rsi_{window}"], expected)
    _assert_matches(f["atr_14"], talib.ATR(h, l, c, timeperiod=14) / c)


def test_macd_matches_talib_after_the_seed_has_decayed(ohlcv):
    f = _features(ohlcv)
    c = ohlcv["close"].to_numpy()
    line, signal, hist = talib.MACD(c, fastperiod=12, slowperiod=26, signalperiod=9)
    _assert_matches(f["macd"], line / c, start=400, rtol=1e-9)
    _assert_matches(f["macd_signal"], signal / c, start=400, rtol=1e-9)
    _assert_matches(f["macd_hist"], hist / c, start=400, rtol=1e-7)


def test_bollinger_stochastic_and_vwap_match_talib(ohlcv):
    f = _features(ohlcv)
    h, l, c, v = (ohlcv[k].to_numpy() for k in ("high", "low", "close", "volume"))
    upper, middle, lower = talib.BBANDS(c, timeperiod=20, nbdevup=2, nbdevdn=2, matype=0)
    _assert_matches(f["bb_position"], (c - lower) / (upper - lower), rtol=1e-8)
    _assert_matches(f["bb_width"], (upper - lower) / middle, rtol=1e-8)
    k, d = talib.STOCHF(h, l, c, fastk_period=14, fastd_period=3, fastd_matype=0)
    _assert_matches(f["stoch_k"], k, start=15)
    _assert_matches(f["stoch_d"], d)
    typical = (h + l + c) / 3
    _assert_matches(f["close_vwap_20"], c / talib.VWMA(typical, v, timeperiod=20) - 1)


# A 6-bar example worked on paper.
_HAND = pd.DataFrame(
    {
        "open": [10.0, 11.0, 12.0, 11.0, 13.0, 14.0],
        "high": [11.0, 12.0, 13.0, 12.0, 14.0, 15.0],
        "low": [9.0, 10.0, 11.0, 10.0, 12.0, 13.0],
        "close": [10.0, 11.0, 12.0, 11.0, 13.0, 14.0],
        "volume": [100.0, 200.0, 100.0, 200.0, 100.0, 300.0],
    },
    index=pd.bdate_range("2024-01-01", periods=6, name="date"),
)


def test_hand_worked_rsi_atr_stochastic_vwap():
    config = FeatureConfig(
        set="basic", add=["atr_14", "stoch_k", "stoch_d", "close_vwap_20"],
        windows={"rsi_14": 3, "atr_14": 3, "stoch_k": {"window": 3, "smooth": 2},
                 "stoch_d": {"window": 3, "smooth": 2}, "close_vwap_20": 3},
    )  # fmt: skip
    f = compute_features(_HAND, config)
    # RSI 3: changes +1 +1 -1 +2 +1. Seed at bar 3: gain 2/3, loss 1/3 -> RSI 66.67;
    # bar 4: gain (2/3*2 + 2)/3 = 10/9, loss (1/3*2)/3 = 2/9 -> RS 5 -> 83.33;
    # bar 5: gain (10/9*2 + 1)/3 = 29/27, loss 4/27 -> RS 7.25 -> 87.88.
    np.testing.assert_allclose(f["rsi_14"].iloc[3:], [200 / 3, 250 / 3, 100 - 100 / 8.25], rtol=1e-12)
    # True ranges from bar 1: 2, 2, 2 (|12 - 10| vs |10 - 12|), 3 (|14 - 11|), 2. ATR 3 seed 2, then
    # (2*2 + 3)/3 = 7/3, then (7/3*2 + 2)/3 = 20/9; divided by the close.
    np.testing.assert_allclose(f["atr_14"].iloc[3:], [2 / 11, (7 / 3) / 13, (20 / 9) / 14], rtol=1e-12)
    # %K 3: bar 2: (12 - 9)/(13 - 9) = 75; bar 3: (11 - 10)/(13 - 10) = 33.33; bar 4: (13 - 10)/(14 - 10) = 75;
    # bar 5: (14 - 10)/(15 - 10) = 80. %D 2: means of consecutive pairs.
    np.testing.assert_allclose(f["stoch_k"].iloc[2:], [75, 100 / 3, 75, 80], rtol=1e-12)
    np.testing.assert_allclose(
        f["stoch_d"].iloc[3:], [(75 + 100 / 3) / 2, (100 / 3 + 75) / 2, 77.5], rtol=1e-12
    )
    # VWAP 3 of the typical price (= close here): bar 5: (11*200 + 13*100 + 14*300) / 600 = 12.8333.
    assert f["close_vwap_20"].iloc[5] == pytest.approx(14 / (7700 / 600) - 1, rel=1e-12)
    assert f["close_vwap_20"].iloc[:2].isna().all()
