"""Price files and cache entries a careless or hostile user brings (issue 14, findings 5, 6 and 12).

Non-finite and overflowing prices, timezone offsets that change with daylight
saving, day/month orders pandas would guess, corrupt and half-written cache
files.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.data.cache import PriceCache
from alphacheck.data.files import read_price_file
from alphacheck.data.prices import normalise_ohlcv
from alphacheck.data.validation import check_prices
from alphacheck.exceptions import DataError
from tests.conftest import REPO, synthetic_prices

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def _csv(tmp_path, dates, name="XYZ.csv", rows=None):
    rows = rows or ["10.0,10.5,9.8,10.2,10.2,100"] * len(dates)
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{d},{r}\n" for d, r in zip(dates, rows, strict=True)))
    return path


# --- finding 5: non-finite and overflowing prices -------------------------------------------------


def test_an_infinite_high_is_an_error_naming_the_date(tmp_path):
    rows = ["10.0,10.5,9.8,10.2,10.2,100", "10.0,inf,9.8,10.2,10.2,100", "10.0,10.5,9.8,10.2,10.2,100"]
    path = _csv(tmp_path, ["2021-03-01", "2021-03-02", "2021-03-03"], rows=rows)
    with pytest.raises(DataError, match=r"XYZ: infinite values on 2021-03-02"):
        normalise_ohlcv(read_price_file(path), "XYZ")


def test_import_refuses_an_infinite_price_and_show_names_one_already_cached(tmp_path):
    rows = ["10.0,10.5,9.8,10.2,10.2,100", "10.0,10.5,9.8,inf,10.2,100"]
    path = _csv(tmp_path, ["2021-03-01", "2021-03-02"], rows=rows)
    result = CliRunner().invoke(cli, ["data", "import", str(path)])
    assert result.exit_code == 1 and "Error: XYZ: infinite values on 2021-03-02" in result.output
    assert PriceCache().tickers() == []
    # An entry cached before this check existed: `data show` names the day instead of "no findings".
    frame = synthetic_prices(30).assign(adj_close=lambda f: f["close"])
    frame.loc[frame.index[4], "high"] = np.inf
    PriceCache().write("XYZ", frame, "test", (frame.index[0].date(), frame.index[-1].date()))
    result = CliRunner().invoke(cli, ["data", "show", "XYZ"])
    assert result.exit_code == 1
    assert result.output == f"Error: XYZ: infinite values on {frame.index[4].date()}\n"


@pytest.mark.parametrize("factor", [1e300, 1e-300])
def test_prices_whose_magnitude_overflows_the_metrics_are_errors_with_the_date(factor):
    prices = synthetic_prices(20)
    prices[["open", "high", "low", "close"]] *= factor
    report = check_prices(prices, "XYZ")
    assert [f.rule for f in report.errors] == ["magnitude"]
    first = prices.index[0].date()
    message = report.errors[0].message
    assert message.startswith(f"values outside what the metrics can compute with on {first}, ")
    assert f"(open {prices['open'].iloc[0]:.3g} on {first}; prices must lie in [1e-12, 1e+15]" in message
    assert message.endswith("check the file's units or scaling")


def test_an_enormous_volume_is_an_error():
    prices = synthetic_prices(10)
    prices.loc[prices.index[3], "volume"] = 1e300
    report = check_prices(prices, "XYZ")
    assert [f.rule for f in report.errors] == ["magnitude"]
    day = prices.index[3].date()
    assert f"on {day} (volume 1e+300 on {day}" in report.errors[0].message


def test_realistic_extremes_pass():
    prices = synthetic_prices(10)
    prices[["open", "high", "low", "close"]] *= 7_000  # BRK-A scale
    prices["volume"] *= 1e4
    assert check_prices(prices, "XYZ").errors == []


# --- finding 6: dates -----------------------------------------------------------------------------


def test_offsets_that_change_with_daylight_saving_keep_the_exchange_day(tmp_path):
    # Yahoo's CSV for a New York listing across the March 2020 switch to daylight saving time.
    dates = ["2020-03-06 00:00:00-05:00", "2020-03-09 00:00:00-04:00", "2020-03-10 00:00:00-04:00"]
    frame = read_price_file(_csv(tmp_path, dates))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2020-03-06", "2020-03-09", "2020-03-10"]
    assert frame.index.tz is None and frame.index.dtype == "datetime64[ns]"


def test_far_east_offsets_are_not_moved_to_the_previous_utc_day(tmp_path):
    # Midnight in Tokyo is 15:00 UTC the day before: the bar's day is the exchange's.
    dates = ["2020-03-06 00:00:00+09:00", "2020-03-09 00:00:00+09:00"]
    frame = read_price_file(_csv(tmp_path, dates))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2020-03-06", "2020-03-09"]


def test_a_tz_aware_parquet_index_keeps_its_local_days(tmp_path):
    index = pd.DatetimeIndex(["2020-03-06", "2020-03-09"]).tz_localize("Australia/Sydney").rename("Date")
    frame = pd.DataFrame({"Open": 1.0, "High": 1.0, "Low": 1.0, "Close": 1.0, "Volume": 5.0}, index=index)
    frame.to_parquet(tmp_path / "XYZ.parquet")
    read = read_price_file(tmp_path / "XYZ.parquet")
    assert list(read.index.strftime("%Y-%m-%d")) == ["2020-03-06", "2020-03-09"]


def test_day_first_dates_are_read_day_first_when_a_later_row_proves_the_order(tmp_path):
    # pandas reads the first rows as MM/DD (2 January, 2 February ...) and the 13th as NaT.
    dates = [f"{day:02d}/02/2021" for day in range(1, 6)] + ["15/02/2021"]
    frame = read_price_file(_csv(tmp_path, dates))
    expected = [f"2021-02-{day:02d}" for day in (1, 2, 3, 4, 5, 15)]
    assert list(frame.index.strftime("%Y-%m-%d")) == expected


def test_month_first_dates_are_read_month_first(tmp_path):
    frame = read_price_file(_csv(tmp_path, ["02/11/2021", "02/12/2021", "02/16/2021"]))
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2021-02-11", "2021-02-12", "2021-02-16"]


def test_an_ambiguous_day_month_order_is_refused_with_the_rows(tmp_path):
    path = _csv(tmp_path, ["01/02/2021", "02/02/2021", "03/02/2021"])
    # 02/02/2021 is the same day both ways: the rows that differ are named.
    with pytest.raises(DataError, match=r"dates such as row 1 '01/02/2021', row 3 '03/02/2021' read as "
                       r"day/month and as month/day give different days"):  # fmt: skip
        read_price_file(path)


def test_rows_that_prove_both_orders_are_refused_with_those_rows(tmp_path):
    path = _csv(tmp_path, ["12/01/2021", "13/01/2021", "01/14/2021"])
    with pytest.raises(DataError, match=r"mix day/month orders: row 2 '13/01/2021' can only be day/month, "
                       r"row 3 '01/14/2021' only month/day"):  # fmt: skip
        read_price_file(path)


def test_unreadable_dates_are_named(tmp_path):
    path = _csv(tmp_path, ["2021-03-01", "2015-13-45", "2021-03-03"])
    with pytest.raises(DataError, match=r"1 row without a readable date \(row 2 '2015-13-45'\)"):
        read_price_file(path)


def test_two_digit_years_follow_strptime():
    from alphacheck.data.dates import parse_dates

    index = parse_dates(pd.Index(["15.03.69", "15.03.68"]), "f")
    assert list(index.strftime("%Y-%m-%d")) == ["1969-03-15", "2068-03-15"]


# --- finding 12: the cache heals ------------------------------------------------------------------


def _entry(cache: PriceCache, ticker: str) -> None:
    frame = synthetic_prices(10).assign(adj_close=lambda f: f["close"])
    cache.write(ticker, frame, "test", (dt.date(2020, 1, 1), dt.date(2020, 1, 14)))


def test_a_cache_file_missing_a_column_is_named():
    cache = PriceCache()
    _entry(cache, "SPY")
    import pyarrow.parquet as pq

    table = pq.read_table(cache.path("SPY"))
    pq.write_table(table.drop(["adj_close"]), cache.path("SPY"))
    with pytest.raises(DataError, match=r"SPY.parquet is unreadable \(missing columns \['adj_close'\]\)"):
        cache.read("SPY")


def test_data_list_reports_a_corrupt_entry_and_lists_the_others():
    cache = PriceCache()
    for ticker in ("AAA", "CCC"):
        _entry(cache, ticker)
    cache.path("BBB").write_bytes(b"PAR1 not really")
    result = CliRunner().invoke(cli, ["data", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    listed = [line.split()[:2] for line in lines[1:4]]
    assert listed == [["AAA", "test"], ["BBB", "UNREADABLE"], ["CCC", "test"]]
    assert "warning: cache file " in result.output and "BBB.parquet is unreadable" in result.output


def test_import_replaces_a_corrupt_entry(tmp_path):
    cache = PriceCache()
    cache.root.mkdir(parents=True, exist_ok=True)
    cache.path("XYZ").write_bytes(b"garbage")
    path = _csv(tmp_path, ["2021-03-01", "2021-03-02"])
    result = CliRunner().invoke(cli, ["data", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "(replaced an unreadable cache file: cache file " in result.output
    assert len(cache.read("XYZ").frame) == 2


_KILLED_WRITE = """
import os, signal, sys
from alphacheck.data import cache as cache_module
from tests.conftest import synthetic_prices

def die(table, path):
    open(path, "wb").write(b"PAR1 half")
    os.kill(os.getpid(), signal.SIGKILL)

cache_module._write_table = die
frame = synthetic_prices(10).assign(adj_close=lambda f: f["close"])
cache_module.PriceCache().write("SPY", frame, "test", (frame.index[0].date(), frame.index[-1].date()))
"""


def test_temporary_files_of_killed_writes_are_cleaned_and_live_ones_kept(tmp_path):
    cache = PriceCache()
    _entry(cache, "SPY")
    env = {**os.environ, "PYTHONPATH": str(REPO), "ALPHACHECK_HOME": str(cache.root.parent)}
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITE], env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == -9
    leftovers = list(cache.root.glob(".*.tmp"))
    assert len(leftovers) == 1
    # A write in progress elsewhere holds its lock: it must survive the cleaning.
    import fcntl

    live = cache.root / ".QQQ.live.tmp"
    with open(live, "wb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = CliRunner().invoke(cli, ["data", "list"])
        assert live.exists()
    assert result.exit_code == 0 and "SPY" in result.output
    assert not leftovers[0].exists()
    assert [p.name for p in cache.root.glob(".*.tmp")] == [".QQQ.live.tmp"]
    # The lock is released now: the next write cleans the file too.
    _entry(cache, "SPY")
    assert list(cache.root.glob(".*.tmp")) == []
