"""load_prices: source dispatch, warnings once per ticker, calendar alignment, schema checks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from alphacheck.data import align_calendars, load_prices
from alphacheck.data.calendar import nyse_holidays, trading_days
from alphacheck.exceptions import ConfigError, DataError, DataWarning
from alphacheck.scenarios import validate_scenario
from alphacheck.scenarios.schema import DataConfig

from .conftest import yahoo_frame


def write_csv(folder, ticker, frame):
    frame.tz_localize(None).rename_axis("Date").to_csv(folder / f"{ticker}.csv")


@pytest.mark.slow  # importing arch's data costs seconds
def test_the_embedded_sample_warns_only_of_sp500_stale_opens_and_logs_its_known_findings(caplog):
    # The stale opens are warned about, not only logged: they decide whether next_open fills are real.
    with pytest.warns(DataWarning) as record, caplog.at_level("INFO", logger="alphacheck.data.loader"):
        prices = load_prices(DataConfig(tickers=["SP500", "NASDAQ"]))
    assert [len(f) for f in prices.values()] == [5031, 5031]
    assert [str(w.message)[:92] for w in record] == [
        "SP500: the open equals the previous close on more than half of the days of 1999 (100%), 2000"
    ]
    assert "2006 (52%)" in str(record[0].message) and "2007" not in str(record[0].message)
    assert "NASDAQ: known in the embedded sample: zero volume on 2015-05-12, 2018-01-09" in caplog.text
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # from 2007 on the opens are real: nothing to warn about
        load_prices(DataConfig(tickers=["SP500", "NASDAQ"], start="2007-01-01"))


def test_csv_source_warns_once_per_ticker_listing_every_finding(tmp_path):
    frame = yahoo_frame("2020-01-02", "2020-01-31")
    frame.iloc[[2, 5], frame.columns.get_loc("Volume")] = 0.0
    write_csv(tmp_path, "AAA", frame)
    write_csv(tmp_path, "BBB", yahoo_frame("2020-01-02", "2020-01-31"))
    with pytest.warns(DataWarning) as record:
        load_prices(DataConfig(source="csv", tickers=["AAA", "BBB"], directory=tmp_path))
    assert [str(w.message) for w in record] == ["AAA: zero volume on 2020-01-06, 2020-01-09"]
    assert record[0].filename == __file__


def test_csv_files_are_named_per_ticker_or_found_in_the_folder(tmp_path):
    write_csv(tmp_path, "somefile", yahoo_frame("2020-01-02", "2020-01-31"))
    config = DataConfig(
        source="csv", tickers=["XYZ"], files={"XYZ": tmp_path / "somefile.csv"}, start="2020-01-10"
    )
    (frame,) = load_prices(config).values()
    assert frame.index[0] == pd.Timestamp("2020-01-10")
    with pytest.raises(DataError, match=r"QQQ: no price file .*QQQ.csv or QQQ.parquet for source 'csv'"):
        load_prices(DataConfig(source="csv", tickers=["QQQ"], directory=tmp_path))


def test_structural_errors_stop_the_load(tmp_path):
    frame = yahoo_frame("2020-01-02", "2020-01-31")
    frame = pd.concat([frame.iloc[:3], frame.iloc[[2]], frame.iloc[3:]])
    write_csv(tmp_path, "DUP", frame)
    with pytest.raises(DataError, match=r"DUP: duplicate dates 2020-01-06"):
        load_prices(DataConfig(source="csv", tickers=["DUP"], directory=tmp_path))


def test_common_alignment_drops_and_reports_days_nothing_is_filled(tmp_path, caplog):
    full = yahoo_frame("2020-01-02", "2020-01-31")
    holey = full.drop(full.index[[3, 4, 10]])
    write_csv(tmp_path, "FULL", full)
    write_csv(tmp_path, "HOLEY", holey)
    config = DataConfig(source="csv", tickers=["FULL", "HOLEY"], directory=tmp_path)
    with caplog.at_level("WARNING", logger="alphacheck.data.loader"):
        prices = load_prices(config)
    assert prices["FULL"].index.equals(prices["HOLEY"].index)
    assert len(prices["FULL"]) == 21 - 3
    assert (
        "aligned 2 tickers to 18 common days; dropped FULL: 3 days (2020-01-07, 2020-01-08, 2020-01-16)"
        in caplog.text
    )
    expected_close = full["Adj Close"].drop(full.index[[3, 4, 10]]).to_numpy()
    assert prices["FULL"]["close"].to_numpy() == pytest.approx(expected_close, rel=1e-15)
    kept = load_prices(config.model_copy(update={"align": "none"}))
    assert [len(kept["FULL"]), len(kept["HOLEY"])] == [21, 18]


def test_align_calendars_returns_the_dropped_days():
    days = pd.DatetimeIndex(pd.bdate_range("2021-03-01", periods=4), name="date")
    a = pd.DataFrame({"x": np.arange(4.0)}, index=days)
    b = pd.DataFrame({"x": np.arange(3.0)}, index=days[1:])
    aligned, dropped = align_calendars({"A": a, "B": b})
    assert aligned["A"]["x"].tolist() == [1.0, 2.0, 3.0]
    assert list(dropped["A"]) == [days[0]]
    assert list(dropped["B"]) == []
    with pytest.raises(DataError, match=r"the tickers share no trading day .*align: none"):
        align_calendars({"A": a.iloc[:1], "B": b})
    with pytest.raises(DataError, match=r"align = 'ffill' is not a calendar policy; use one of common, none"):
        align_calendars({"A": a}, "ffill")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"source": "csv", "tickers": ["SPY"]},
            r"source 'csv' needs data.directory, or data.files entries for \['SPY'\]",
        ),
        (
            {"source": "sample", "directory": "x"},
            r"directory and files are read only with source 'csv', not 'sample'",
        ),
        ({"source": "bloomberg"}, r"data.source = 'bloomberg'"),
        ({"align": "ffill"}, r"data.align = 'ffill'"),
    ],
)
def test_data_block_errors_name_the_field(data, message):
    with pytest.raises(ConfigError, match=message):
        validate_scenario({"name": "t", "data": data})


def test_nyse_holidays_follow_the_exchange_rules():
    holidays = set(nyse_holidays().strftime("%Y-%m-%d"))
    assert {"2021-04-02", "2022-06-20", "2018-12-05", "2020-07-03", "2023-01-02"} <= holidays
    assert "2021-12-31" not in holidays  # New Year's Day 2022 fell on a Saturday: no Friday closure
    assert "2021-06-18" not in holidays  # Juneteenth became an NYSE holiday in 2022
    assert len(trading_days(pd.Timestamp("2020-01-04").date(), pd.Timestamp("2020-01-03").date())) == 0
