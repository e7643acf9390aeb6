"""Fixtures of the data tests: an isolated alphacheck home and a fake Yahoo behind the download seam."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from alphacheck.data import yahoo
from alphacheck.data.calendar import trading_days


def yahoo_frame(start: str = "2019-12-02", end: str = "2020-03-31", scale: float = 0.9) -> pd.DataFrame:
    """A yfinance-layout frame on NYSE days, tz-aware like yfinance's: adj close = scale * close."""
    days = trading_days(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    close = 100.0 + 0.25 * np.arange(len(days))
    frame = pd.DataFrame(
        {
            "Open": close - 0.1,
            "High": close + 0.5,
            "Low": close - 0.6,
            "Close": close,
            "Adj Close": close * scale,
            "Volume": np.full(len(days), 1_000_000.0),
        },
        index=days.tz_localize("America/New_York").rename("Date"),
    )
    return frame


class FakeYahoo:
    """Serves ``truth`` per ticker, records each request, fails on demand."""

    def __init__(self, truth: dict[str, pd.DataFrame]):
        self.truth = truth
        self.calls: list[tuple[str, dt.date, dt.date]] = []
        self.failures = 0

    def __call__(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        self.calls.append((ticker, start, end))
        if self.failures:
            self.failures -= 1
            raise ConnectionError("connection reset by peer")
        if ticker not in self.truth:
            raise yahoo.TickerNotFound(f"${ticker}: possibly delisted; no timezone found")
        frame = self.truth[ticker]
        days = frame.index.tz_localize(None)
        return frame.loc[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every data test gets its own ALPHACHECK_HOME, online, with no real network and no real sleep."""
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ALPHACHECK_OFFLINE", raising=False)
    sleeps: list[float] = []
    monkeypatch.setattr(yahoo, "_sleep", sleeps.append)

    def no_network(*args, **kwargs):
        raise AssertionError("a test reached the real Yahoo download")

    monkeypatch.setattr(yahoo, "download", no_network)
    monkeypatch.setattr(yahoo, "download_many", no_network)
    return sleeps


@pytest.fixture
def fake_yahoo(monkeypatch) -> FakeYahoo:
    """A fake Yahoo holding SPY (2019-12-02 to 2020-03-31) at the download seam."""
    fake = FakeYahoo({"SPY": yahoo_frame()})
    monkeypatch.setattr(yahoo, "download", fake)
    return fake
