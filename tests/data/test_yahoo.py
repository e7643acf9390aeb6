"""The Yahoo source with its download seam replaced: cache first, incremental, retried, offline-aware."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from alphacheck.data import yahoo
from alphacheck.data.cache import PriceCache
from alphacheck.exceptions import DataError

from .conftest import yahoo_frame

D = dt.date.fromisoformat


def test_first_request_downloads_the_range_and_caches_raw_prices(fake_yahoo):
    frame = yahoo.load_yahoo("spy", D("2020-01-02"), D("2020-01-31"))
    assert fake_yahoo.calls == [("SPY", D("2020-01-02"), D("2020-01-31"))]
    assert len(frame) == 21  # NYSE days in January 2020 from the 2nd
    entry = PriceCache().read("SPY")
    assert entry.meta.source == "yahoo"
    assert (entry.meta.first, entry.meta.last) == ("2020-01-02", "2020-01-31")
    assert entry.covered == (D("2020-01-02"), D("2020-01-31"))
    truth = yahoo_frame().loc["2020-01-02":"2020-01-31"]
    assert entry.frame["close"].tolist() == truth["Close"].tolist()
    assert entry.frame["adj_close"].tolist() == truth["Adj Close"].tolist()
    assert entry.frame.index[0] == pd.Timestamp("2020-01-02")  # tz-naive exchange date


def test_a_covered_request_does_not_download(fake_yahoo):
    yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-31"))
    frame = yahoo.load_yahoo("SPY", D("2020-01-06"), D("2020-01-10"))
    assert len(fake_yahoo.calls) == 1
    assert list(frame.index.strftime("%Y-%m-%d")) == [
        "2020-01-06",
        "2020-01-07",
        "2020-01-08",
        "2020-01-09",
        "2020-01-10",
    ]


def test_a_later_request_downloads_only_the_missing_dates_plus_one_overlap_row(fake_yahoo):
    yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-31"))
    result = yahoo.update_cache("SPY", D("2019-12-16"), D("2020-02-14"))
    # head: Dec 16 to the first cached day; tail: the last cached day to Feb 14
    assert fake_yahoo.calls[1:] == [
        ("SPY", D("2019-12-16"), D("2020-01-02")),
        ("SPY", D("2020-01-31"), D("2020-02-14")),
    ]
    assert result.downloaded_rows == 11 + 10  # Dec 16-31 has 11 NYSE days (not the 25th), Feb 3-14 has 10
    expected = yahoo_frame().loc["2019-12-16":"2020-02-14", "Close"]
    assert result.entry.frame["close"].tolist() == expected.tolist()
    assert result.entry.covered == (D("2019-12-16"), D("2020-02-14"))


def test_a_holiday_at_the_edge_is_not_a_missing_date(fake_yahoo):
    yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-31"))
    yahoo.load_yahoo("SPY", D("2020-01-01"), D("2020-02-02"))  # New Year's Day, a weekend
    assert len(fake_yahoo.calls) == 1


def test_a_revised_history_is_fetched_again_whole(fake_yahoo):
    yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-31"))
    fake_yahoo.truth["SPY"] = yahoo_frame(scale=0.8)  # a dividend changed every adjusted close
    result = yahoo.update_cache("SPY", D("2020-01-02"), D("2020-02-14"))
    assert fake_yahoo.calls[1:] == [
        ("SPY", D("2020-01-31"), D("2020-02-14")),
        ("SPY", D("2020-01-02"), D("2020-02-14")),
    ]
    adjusted = result.entry.frame["adj_close"] / result.entry.frame["close"]
    assert adjusted.to_numpy() == pytest.approx(0.8, rel=1e-12)


def test_network_errors_are_retried_with_backoff(fake_yahoo, isolated_home):
    fake_yahoo.failures = 2
    frame = yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-10"))
    assert len(frame) == 7
    assert len(fake_yahoo.calls) == 3
    assert isolated_home == [1.0, 2.0]  # the waits between attempts


def test_network_down_without_cache_refuses_with_the_ways_out(fake_yahoo, isolated_home):
    fake_yahoo.failures = 99
    with pytest.raises(DataError) as caught:
        yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-10"))
    message = str(caught.value)
    assert len(fake_yahoo.calls) == yahoo.ATTEMPTS
    assert isolated_home == [1.0, 2.0, 4.0]
    assert "SPY: 2020-01-02 to 2020-01-10 (7 trading days) not in the cache" in message
    assert "network is unavailable (4 attempts, last error: connection reset by peer)" in message
    assert "alphacheck data fetch SPY --start 2020-01-02 --end 2020-01-10" in message
    assert "alphacheck data import FILE --ticker SPY" in message
    assert "\n" not in message
    assert PriceCache().read("SPY") is None


def test_offline_a_request_the_cache_covers_is_served(fake_yahoo, monkeypatch, caplog):
    yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-31"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    with caplog.at_level("INFO", logger="alphacheck.data.yahoo"):
        frame = yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-15"))
    assert len(frame) == 10
    assert len(fake_yahoo.calls) == 1
    assert "SPY: served from the cache (yahoo, fetched" in caplog.text
    assert "while offline" in caplog.text


def test_offline_missing_dates_are_refused_without_touching_the_network(fake_yahoo, monkeypatch):
    yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-31"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    with pytest.raises(
        DataError,
        match=r"SPY: 2020-02-01 to 2020-02-07 \(5 trading days\) not in the cache at .*"
        r"offline \(ALPHACHECK_OFFLINE is set\); run `alphacheck data fetch SPY --start 2020-02-01 "
        r"--end 2020-02-07` when online, or `alphacheck data import FILE --ticker SPY`",
    ):
        yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-02-07"))
    assert len(fake_yahoo.calls) == 1


def test_offline_without_any_cache_is_refused(fake_yahoo):
    with pytest.raises(DataError, match=r"SPY: 2020-01-02 to 2020-01-10 \(7 trading days\) not in the cache"):
        yahoo.load_yahoo("SPY", D("2020-01-02"), D("2020-01-10"), offline=True)
    assert fake_yahoo.calls == []


def test_unknown_ticker_is_an_error(fake_yahoo):
    with pytest.raises(DataError, match=r"unknown ticker 'SPYY' at Yahoo Finance .*check the symbol"):
        yahoo.load_yahoo("SPYY", D("2020-01-02"), D("2020-01-10"))
    assert len(fake_yahoo.calls) == 1  # not retried
    assert PriceCache().tickers() == []


def test_an_empty_download_is_an_error_not_an_empty_frame(fake_yahoo):
    with pytest.raises(DataError, match=r"SPY: Yahoo returned no prices between 2021-01-04 and 2021-01-29"):
        yahoo.load_yahoo("SPY", D("2021-01-04"), D("2021-01-29"))
    assert PriceCache().tickers() == []


def test_a_request_inside_the_coverage_but_without_rows_is_an_error(fake_yahoo):
    yahoo.load_yahoo("SPY", D("2020-03-01"), D("2020-06-30"))  # Yahoo's data ends 2020-03-31
    with pytest.raises(DataError, match=r"SPY: Yahoo has no prices between 2020-04-01 and 2020-04-30"):
        yahoo.load_yahoo("SPY", D("2020-04-01"), D("2020-04-30"))


def test_structurally_broken_downloads_are_not_cached(fake_yahoo):
    broken = yahoo_frame()
    broken.iloc[3, broken.columns.get_loc("High")] = 1.0
    fake_yahoo.truth["SPY"] = broken
    with pytest.raises(DataError, match=r"SPY: high below open/close or low above them on 2019-12-05"):
        yahoo.load_yahoo("SPY", D("2019-12-02"), D("2019-12-31"))
    assert PriceCache().tickers() == []


def test_end_is_capped_at_yesterday():
    today = dt.date.today()
    assert yahoo.last_complete_day(today + dt.timedelta(days=30)) == today - dt.timedelta(days=1)
    assert yahoo.last_complete_day(None) == today - dt.timedelta(days=1)
    assert yahoo.last_complete_day(D("2020-01-31")) == D("2020-01-31")
