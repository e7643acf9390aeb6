"""The one call into yfinance: what it asks for, and how yfinance's errors are translated."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pandas as pd
import pytest
import yfinance
from yfinance import exceptions as yf_errors

from alphacheck.data import yahoo

REAL_DOWNLOAD = yahoo.download  # taken before the autouse fixture replaces the seam


class FakeTicker:
    requests: ClassVar[list[tuple[str, dict]]] = []
    behaviour = None

    def __init__(self, symbol):
        self.symbol = symbol

    def history(self, **kwargs):
        FakeTicker.requests.append((self.symbol, kwargs))
        if FakeTicker.behaviour is not None:
            raise FakeTicker.behaviour
        return pd.DataFrame(
            {"Open": [1.0], "High": [1.0], "Low": [1.0], "Close": [1.0], "Adj Close": [1.0], "Volume": [1.0]},
            index=pd.DatetimeIndex(["2020-01-02"], tz="America/New_York"),
        )


@pytest.fixture(autouse=True)
def fake_ticker(monkeypatch):
    FakeTicker.requests = []
    FakeTicker.behaviour = None
    monkeypatch.setattr(yfinance, "Ticker", FakeTicker)


def test_asks_for_unadjusted_prices_with_an_inclusive_end():
    frame = REAL_DOWNLOAD("SPY", dt.date(2020, 1, 2), dt.date(2020, 1, 31))
    assert len(frame) == 1
    ((symbol, kwargs),) = FakeTicker.requests
    assert symbol == "SPY"
    assert kwargs["start"] == "2020-01-02"
    assert kwargs["end"] == "2020-02-01"  # yfinance's end is exclusive
    assert (kwargs["auto_adjust"], kwargs["back_adjust"], kwargs["actions"], kwargs["repair"]) == (False,) * 4
    assert kwargs["interval"] == "1d"


@pytest.mark.parametrize(
    ("raised", "expected", "said"),
    [
        (yf_errors.YFTzMissingError("XYZ"), yahoo.TickerNotFound, r"XYZ: possibly delisted"),
        (yf_errors.YFRateLimitError(), ConnectionError, r"Rate limited"),
        (
            yf_errors.YFDataException("*** YAHOO! FINANCE IS CURRENTLY DOWN! ***"),
            ConnectionError,
            "CURRENTLY DOWN",
        ),
    ],
)
def test_errors_are_translated(raised, expected, said):
    FakeTicker.behaviour = raised
    with pytest.raises(expected, match=said):
        REAL_DOWNLOAD("XYZ", dt.date(2020, 1, 2), dt.date(2020, 1, 31))


def test_no_prices_in_the_range_is_an_empty_frame():
    FakeTicker.behaviour = yf_errors.YFPricesMissingError("SPY", "(1d 2020-01-01 -> 2020-01-02)")
    frame = REAL_DOWNLOAD("SPY", dt.date(2020, 1, 1), dt.date(2020, 1, 1))
    assert frame.empty
    assert list(frame.columns) == ["Open", "High", "Low", "Close", "Adj Close", "Volume"]


def test_network_errors_pass_through_as_os_errors():
    from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError

    FakeTicker.behaviour = CurlConnectionError("could not resolve host")
    with pytest.raises(OSError, match="could not resolve host"):
        REAL_DOWNLOAD("SPY", dt.date(2020, 1, 2), dt.date(2020, 1, 31))
