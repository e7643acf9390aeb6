"""Price files: the CSV layouts yfinance writes, and parquet."""

from __future__ import annotations

import pandas as pd
import pytest

from alphacheck.data.files import read_price_file
from alphacheck.exceptions import DataError

CLASSIC = """Date,Open,High,Low,Close,Adj Close,Volume
2021-03-01,10.0,10.5,9.8,10.2,5.1,100
2021-03-02,10.2,10.6,10.0,10.1,5.05,120
"""

MULTI_HEADER = """Price,Adj Close,Close,High,Low,Open,Volume
Ticker,XYZ,XYZ,XYZ,XYZ,XYZ,XYZ
Date,,,,,,
2021-03-01,5.1,10.2,10.5,9.8,10.0,100
2021-03-02,5.05,10.1,10.6,10.0,10.2,120
"""

EXPECTED = pd.DataFrame(
    {
        "open": [10.0, 10.2],
        "high": [10.5, 10.6],
        "low": [9.8, 10.0],
        "close": [10.2, 10.1],
        "adj_close": [5.1, 5.05],
        "volume": [100.0, 120.0],
    },
    index=pd.DatetimeIndex(["2021-03-01", "2021-03-02"], name="date").astype("datetime64[ns]"),
)


@pytest.mark.parametrize("text", [CLASSIC, MULTI_HEADER], ids=["classic", "yfinance-multi-header"])
def test_csv_layouts_yfinance_writes(tmp_path, text):
    path = tmp_path / "XYZ.csv"
    path.write_text(text)
    pd.testing.assert_frame_equal(read_price_file(path), EXPECTED)


def test_parquet_with_a_date_column(tmp_path):
    path = tmp_path / "xyz.parquet"
    table = (
        EXPECTED.rename(columns={"adj_close": "Adj Close", "open": "Open"})
        .reset_index()
        .rename(columns={"date": "Date"})
    )
    table.to_parquet(path)
    pd.testing.assert_frame_equal(read_price_file(path), EXPECTED)


def test_rows_keep_the_file_order(tmp_path):
    path = tmp_path / "XYZ.csv"
    lines = CLASSIC.splitlines()
    path.write_text("\n".join([lines[0], lines[2], lines[1]]) + "\n")
    assert list(read_price_file(path).index.strftime("%d")) == ["02", "01"]


def test_without_adj_close_the_close_is_used_as_given(tmp_path, caplog):
    path = tmp_path / "XYZ.csv"
    path.write_text("Date,Open,High,Low,Close,Volume\n2021-03-01,10.0,10.5,9.8,10.2,100\n")
    with caplog.at_level("INFO", logger="alphacheck.data.files"):
        frame = read_price_file(path)
    assert frame["adj_close"].tolist() == [10.2]
    assert "has no Adj Close column; prices are used as given" in caplog.text


def test_a_missing_column_names_the_file_and_the_layout(tmp_path):
    path = tmp_path / "XYZ.csv"
    path.write_text("Date,Open,High,Close,Adj Close,Volume\n2021-03-01,10.0,10.5,10.2,5.1,100\n")
    with pytest.raises(
        DataError, match=r"price file .*XYZ.csv: missing columns \['low'\].*expected Date,Open,High"
    ):
        read_price_file(path)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(DataError, match=r"price file .*nope.csv not found"):
        read_price_file(tmp_path / "nope.csv")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(DataError, match=r"unknown kind '.xlsx'; use one of .csv, .parquet, .pq"):
        read_price_file(tmp_path / "x.xlsx")


def test_an_unreadable_date_is_an_error(tmp_path):
    path = tmp_path / "XYZ.csv"
    path.write_text(CLASSIC + "soon,1,1,1,1,1,1\n")
    with pytest.raises(DataError, match=r"XYZ.csv: 1 row without a readable date \(row 3 .soon.\)"):
        read_price_file(path)
