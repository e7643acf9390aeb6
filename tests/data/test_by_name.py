"""A ticker in the price cache, imported or fetched, is found by name over the dates it holds."""

from __future__ import annotations

import datetime as dt

import pytest

from alphacheck.data import load_prices
from alphacheck.data.cache import PriceCache
from alphacheck.data.files import to_raw_frame
from alphacheck.data.yahoo import update_cache
from alphacheck.exceptions import DataError
from alphacheck.scenarios.schema import DataConfig

from .conftest import yahoo_frame

D = dt.date.fromisoformat


def _import(ticker: str, start: str, end: str) -> None:
    """What `alphacheck data import` stores: the file's raw rows, source ``import:<file>``."""
    raw = to_raw_frame(yahoo_frame(start, end), f"{ticker}.csv", ticker)
    PriceCache().write(ticker, raw, f"import:{ticker}.csv", (raw.index[0].date(), raw.index[-1].date()))


def test_an_imported_ticker_is_found_by_name_with_the_default_source():
    _import("SPY", "2020-01-02", "2020-06-30")
    prices = load_prices(DataConfig(tickers=["spy"]))  # source sample, no dates
    frame = prices["SPY"]
    assert frame.index[0].date() == D("2020-01-02") and frame.index[-1].date() == D("2020-06-30")
    cut = load_prices(DataConfig(tickers=["SPY"], start=D("2020-03-02")))["SPY"]
    assert cut.index[0].date() == D("2020-03-02") and cut.index[-1].date() == D("2020-06-30")


def test_a_name_neither_sampled_nor_cached_names_both_places_and_the_fixes():
    _import("SPY", "2020-01-02", "2020-03-31")
    with pytest.raises(
        DataError,
        match=(
            r"unknown ticker 'SPX' for source 'sample' \(did you mean 'SPY'\?\): neither the embedded sample "
            r"\(SP500, NASDAQ\) nor the price cache at .* holds it; "
            r"run `alphacheck data import FILE --ticker SPX`"
        ),
    ):
        load_prices(DataConfig(tickers=["SPX"]))


def test_yahoo_without_dates_serves_the_cached_range_without_downloading(fake_yahoo):
    _import("SPY", "2020-01-02", "2020-02-28")
    frame = load_prices(DataConfig(source="yahoo", tickers=["SPY"]))["SPY"]
    assert frame.index[0].date() == D("2020-01-02") and frame.index[-1].date() == D("2020-02-28")
    assert fake_yahoo.calls == []  # online, yet no download: the user did not ask for later days


def test_yahoo_fetches_recent_days_only_when_the_dates_ask_for_them(fake_yahoo):
    update_cache("SPY", D("2020-01-02"), D("2020-02-28"))
    fake_yahoo.calls.clear()
    load_prices(DataConfig(source="yahoo", tickers=["SPY"], start=D("2020-01-02")))
    assert fake_yahoo.calls == []  # no end: the cache's last day
    frame = load_prices(DataConfig(source="yahoo", tickers=["SPY"], end=D("2020-03-31")))["SPY"]
    assert frame.index[-1].date() == D("2020-03-31")
    assert [(start, end) for _, start, end in fake_yahoo.calls] == [(D("2020-02-28"), D("2020-03-31"))]


def test_yahoo_without_a_start_for_an_uncached_ticker_says_how_to_get_it(fake_yahoo):
    with pytest.raises(
        DataError,
        match=(
            r"source 'yahoo' needs data.start for QQQ, which the price cache at .* does not hold: give "
            r"--start YYYY-MM-DD .* or import a file with `alphacheck data import FILE --ticker QQQ`"
        ),
    ):
        load_prices(DataConfig(source="yahoo", tickers=["QQQ"]))
    assert fake_yahoo.calls == []
