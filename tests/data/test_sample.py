import importlib

import numpy as np
import pandas as pd
import pytest

from alphacheck.data import PRICE_COLUMNS, load_sample, normalise_ohlcv
from alphacheck.exceptions import DataError


@pytest.mark.parametrize("ticker, module", [("SP500", "arch.data.sp500"), ("NASDAQ", "arch.data.nasdaq")])
def test_sample_is_the_arch_data_in_the_prices_convention(ticker, module):
    raw = importlib.import_module(module).load()
    prices = load_sample(ticker)
    assert list(prices.columns) == list(PRICE_COLUMNS)
    assert prices.index.name == "date" and prices.index.tz is None
    assert prices.index.is_monotonic_increasing and prices.index.is_unique
    assert prices.index[0] == pd.Timestamp("1999-01-04") and prices.index[-1] == pd.Timestamp("2018-12-31")
    np.testing.assert_allclose(prices["close"].to_numpy(), raw["Adj Close"].to_numpy())
    np.testing.assert_allclose(prices["volume"].to_numpy(), raw["Volume"].to_numpy())


def test_sample_ticker_is_case_insensitive():
    assert load_sample("sp500").equals(load_sample("SP500"))


def test_unknown_sample_ticker_names_the_choices():
    with pytest.raises(DataError, match=r"unknown ticker 'SP50' for source 'sample' \(did you mean 'SP500'\?\).*NASDAQ"):
        load_sample("SP50")


def test_adjustment_scales_open_high_low_by_adj_close_over_close():
    raw = pd.DataFrame(
        {
            "Open": [10.0, 11.0],
            "High": [12.0, 12.5],
            "Low": [9.0, 10.5],
            "Close": [11.0, 12.0],
            "Adj Close": [5.5, 9.0],
            "Volume": [100, 200],
        },
        index=pd.to_datetime(["2020-01-02", "2020-01-03"]),
    )
    prices = normalise_ohlcv(raw, "X")
    # factors 0.5 and 0.75, worked by hand
    np.testing.assert_allclose(prices["open"], [5.0, 8.25])
    np.testing.assert_allclose(prices["high"], [6.0, 9.375])
    np.testing.assert_allclose(prices["low"], [4.5, 7.875])
    np.testing.assert_allclose(prices["close"], [5.5, 9.0])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.iloc[[0, 0, 1]], "duplicate dates 2020-01-02"),
        (lambda f: f.iloc[[1, 0]], "dates not sorted"),
        (lambda f: f.assign(Close=[11.0, np.nan]), "missing values on 2020-01-03"),
        (lambda f: f.assign(Low=[-1.0, 10.5]), "zero or negative prices on 2020-01-02"),
        (lambda f: f.assign(High=[10.5, 12.5]), "high below open/close or low above them on 2020-01-02"),
        (lambda f: f.drop(columns="Volume"), r"missing price columns \['volume'\]"),
    ],
)
def test_structural_problems_are_errors_naming_the_dates(change, message):
    raw = pd.DataFrame(
        {"Open": [10.0, 11.0], "High": [12.0, 12.5], "Low": [9.0, 10.5], "Close": [11.0, 12.0], "Volume": [1, 2]},
        index=pd.to_datetime(["2020-01-02", "2020-01-03"]),
    )
    with pytest.raises(DataError, match=message):
        normalise_ohlcv(change(raw), "X")
