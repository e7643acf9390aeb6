"""Import and validate the real Yahoo CSVs (SPY, AAPL, MSFT, XBI 2018-2023) in ../shared/data/yahoo."""

from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest

from alphacheck.data import load_prices, read_price_file
from alphacheck.data.cache import PriceCache
from alphacheck.data.calendar import trading_days
from alphacheck.data.prices import normalise_ohlcv
from alphacheck.data.validation import check_prices
from alphacheck.scenarios.schema import DataConfig

TICKERS = ["SPY", "AAPL", "MSFT", "XBI"]


def test_known_unadjusted_values(shared_yahoo_dir):
    raw = read_price_file(shared_yahoo_dir / "SPY.csv")
    assert raw.loc["2020-03-23", "close"] == pytest.approx(222.95, abs=5e-3)
    assert raw.loc["2018-01-02", "open"] == pytest.approx(267.84, abs=5e-3)
    assert len(raw) == 1509


@pytest.mark.parametrize("ticker", TICKERS)
def test_total_return_adjustment_scales_open_high_low_close_alike(shared_yahoo_dir, ticker):
    # Independent reading with plain pandas: every price times Adj Close / Close.
    csv = pd.read_csv(shared_yahoo_dir / f"{ticker}.csv", index_col="Date", parse_dates=True)
    factor = csv["Adj Close"] / csv["Close"]
    prices = normalise_ohlcv(read_price_file(shared_yahoo_dir / f"{ticker}.csv"), ticker)
    for column in ("Open", "High", "Low"):
        assert prices[column.lower()].to_numpy() == pytest.approx(
            (csv[column] * factor).to_numpy(), rel=1e-12
        )
    assert prices["close"].to_numpy() == pytest.approx(csv["Adj Close"].to_numpy(), rel=1e-15)
    assert prices["volume"].to_numpy() == pytest.approx(csv["Volume"].to_numpy(), rel=0)
    # Ratios inside one bar are untouched by the adjustment.
    assert (prices["high"] / prices["low"]).to_numpy() == pytest.approx(
        (csv["High"] / csv["Low"]).to_numpy(), rel=1e-12
    )


@pytest.mark.parametrize("ticker", TICKERS)
def test_the_real_files_pass_validation(shared_yahoo_dir, ticker):
    prices = normalise_ohlcv(read_price_file(shared_yahoo_dir / f"{ticker}.csv"), ticker)
    assert check_prices(prices, ticker).findings == []


def test_the_nyse_calendar_matches_the_real_trading_days(shared_yahoo_dir):
    spy = pd.read_csv(shared_yahoo_dir / "SPY.csv", index_col="Date", parse_dates=True).index
    expected = trading_days(dt.date(2018, 1, 1), dt.date(2023, 12, 31))
    assert len(expected) == 1509
    assert list(expected.strftime("%Y-%m-%d")) == list(spy.strftime("%Y-%m-%d"))


def test_four_tickers_align_to_1509_common_days_through_the_csv_source(shared_yahoo_dir):
    config = DataConfig(source="csv", tickers=TICKERS, directory=shared_yahoo_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prices = load_prices(config)
    assert list(prices) == TICKERS
    assert {len(frame) for frame in prices.values()} == {1509}
    common = prices["SPY"].index
    assert all(frame.index.equals(common) for frame in prices.values())


def test_imported_files_serve_a_yahoo_scenario_offline(shared_yahoo_dir, monkeypatch):
    from click.testing import CliRunner

    from alphacheck.cli.main import cli

    result = CliRunner().invoke(
        cli, ["data", "import", *(str(shared_yahoo_dir / f"{t}.csv") for t in TICKERS)]
    )
    assert result.exit_code == 0, result.output
    assert PriceCache().tickers() == sorted(TICKERS)
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    # The original project's range: 2018-01-01 is a holiday and 2023-12-30/31 a weekend.
    config = DataConfig(source="yahoo", tickers=["AAPL", "MSFT"], start="2018-01-01", end="2023-12-31")
    prices = load_prices(config)
    assert [len(prices["AAPL"]), len(prices["MSFT"])] == [1509, 1509]
    csv = pd.read_csv(shared_yahoo_dir / "AAPL.csv", index_col="Date", parse_dates=True)
    assert prices["AAPL"]["close"].to_numpy() == pytest.approx(csv["Adj Close"].to_numpy(), rel=1e-15)
