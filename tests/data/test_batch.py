"""A universe fetched in batches behind the batch download seam: batches, resume, failures, offline."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from alphacheck.data import yahoo
from alphacheck.data.batch import fetch_universe
from alphacheck.data.cache import PriceCache

from .conftest import yahoo_frame

D = dt.date.fromisoformat


class FakeBatchYahoo:
    """Serves ``truth`` for many symbols per call, as yfinance's batch download: a reason for unknown ones."""

    def __init__(self, truth: dict[str, pd.DataFrame]):
        self.truth = truth
        self.calls: list[tuple[tuple[str, ...], dt.date, dt.date]] = []
        self.failures = 0

    def __call__(self, tickers, start, end):
        self.calls.append((tuple(tickers), start, end))
        if self.failures:
            self.failures -= 1
            raise ConnectionError("read timed out")
        out = {}
        for ticker in tickers:
            if ticker not in self.truth:
                out[ticker] = f"{ticker}: possibly delisted; no price data found"
                continue
            frame = self.truth[ticker]
            days = frame.index.tz_localize(None)
            out[ticker] = frame.loc[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]
        return out


@pytest.fixture
def fake_batch(monkeypatch) -> FakeBatchYahoo:
    names = ["AAA", "BBB", "CCC", "DDD", "EEE"]
    fake = FakeBatchYahoo({name: yahoo_frame(scale=0.9 - 0.01 * i) for i, name in enumerate(names)})
    monkeypatch.setattr(yahoo, "download_many", fake)
    return fake


def test_tickers_go_to_yahoo_in_batches(fake_batch):
    seen = []
    summary = fetch_universe(
        ["aaa", "BBB", "CCC", "DDD", "EEE"],
        D("2020-01-02"),
        D("2020-01-31"),
        batch_size=2,
        on_batch=seen.append,
    )
    assert [call[0] for call in fake_batch.calls] == [("AAA", "BBB"), ("CCC", "DDD"), ("EEE",)]
    assert [(p.batch, p.batches) for p in seen] == [(1, 3), (2, 3), (3, 3)]
    assert summary.downloaded == dict.fromkeys(["AAA", "BBB", "CCC", "DDD", "EEE"], 21)
    assert summary.failed == {} and summary.cached == []
    entry = PriceCache().read("DDD")
    assert entry.meta.source == "yahoo" and entry.covered == (D("2020-01-02"), D("2020-01-31"))
    truth = fake_batch.truth["DDD"].loc["2020-01-02":"2020-01-31"]
    assert entry.frame["adj_close"].tolist() == truth["Adj Close"].tolist()


def test_a_second_run_resumes_and_downloads_only_what_is_missing(fake_batch):
    fetch_universe(["AAA", "BBB"], D("2020-01-02"), D("2020-01-31"))
    fake_batch.calls.clear()
    summary = fetch_universe(["AAA", "BBB", "CCC"], D("2020-01-02"), D("2020-01-31"))
    assert summary.cached == ["AAA", "BBB"] and list(summary.downloaded) == ["CCC"]
    assert fake_batch.calls == [(("CCC",), D("2020-01-02"), D("2020-01-31"))]
    # A later end: the cached tickers ask only for the new days, from their last cached row.
    fake_batch.calls.clear()
    summary = fetch_universe(["AAA", "BBB", "CCC"], D("2020-01-02"), D("2020-02-14"))
    assert fake_batch.calls == [(("AAA", "BBB", "CCC"), D("2020-01-31"), D("2020-02-14"))]
    assert summary.downloaded == dict.fromkeys(["AAA", "BBB", "CCC"], 10)


def test_a_failing_ticker_does_not_stop_the_others(fake_batch):
    summary = fetch_universe(["AAA", "NOPE", "BBB"], D("2020-01-02"), D("2020-01-31"))
    assert list(summary.downloaded) == ["AAA", "BBB"]
    assert summary.failed == {"NOPE": "NOPE: possibly delisted; no price data found"}
    assert PriceCache().read("NOPE") is None


def test_a_network_down_fails_the_batch_after_retries(fake_batch, isolated_home):
    fake_batch.failures = yahoo.ATTEMPTS
    summary = fetch_universe(["AAA", "BBB"], D("2020-01-02"), D("2020-01-31"))
    assert len(fake_batch.calls) == yahoo.ATTEMPTS
    assert isolated_home == [1.0, 2.0, 4.0]  # the backoff waits
    assert set(summary.failed) == {"AAA", "BBB"}
    assert summary.failed["AAA"].startswith(
        "the network is unavailable (4 attempts, last error: read timed out"
    )


def test_offline_serves_the_cache_and_names_the_rest(fake_batch, monkeypatch):
    fetch_universe(["AAA"], D("2020-01-02"), D("2020-01-31"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    fake_batch.calls.clear()
    summary = fetch_universe(["AAA", "BBB"], D("2020-01-02"), D("2020-01-31"))
    assert fake_batch.calls == []
    assert summary.cached == ["AAA"] and summary.failed == {"BBB": "offline (ALPHACHECK_OFFLINE is set)"}


def test_a_revised_history_is_fetched_again_whole_outside_the_batch(fake_batch, monkeypatch):
    from .conftest import FakeYahoo

    fetch_universe(["AAA"], D("2020-01-02"), D("2020-01-31"))
    fake_batch.truth["AAA"] = yahoo_frame(scale=0.5)  # a split changed every adjusted close
    single = FakeYahoo({"AAA": fake_batch.truth["AAA"]})
    monkeypatch.setattr(yahoo, "download", single)
    summary = fetch_universe(["AAA"], D("2020-01-02"), D("2020-02-14"))
    assert fake_batch.calls[-1] == (("AAA",), D("2020-01-31"), D("2020-02-14"))
    assert single.calls == [("AAA", D("2020-01-02"), D("2020-02-14"))]
    frame = PriceCache().read("AAA").frame
    assert (frame["adj_close"] / frame["close"]).to_numpy() == pytest.approx(0.5, rel=1e-12)
    assert summary.downloaded == {"AAA": 21 + 10}  # the whole range again: January and Feb 3-14
