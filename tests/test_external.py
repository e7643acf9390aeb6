"""Predictions from outside: reading and checking the file, labels from the prices, folds from the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.exceptions import DataError, PredictionsError
from alphacheck.external import (
    PredictionsWarning,
    attach_outcomes,
    check_predictions,
    decision_convention,
    file_folds,
    read_predictions,
)


def _prices(n=8, start="2020-01-06"):
    dates = pd.bdate_range(start, periods=n, name="date")
    opens = np.array([100, 102, 101, 105, 104, 108, 110, 109], dtype="float64")[:n]
    closes = opens + 1
    return pd.DataFrame(
        {"open": opens, "high": closes + 1, "low": opens - 1, "close": closes, "volume": 1e6}, index=dates
    )


def _file(tmp_path, rows, name="mymodel.csv"):
    path = tmp_path / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_csv_without_variant_takes_its_stem_and_without_fold_is_fold_0(tmp_path):
    path = _file(
        tmp_path, {"date": ["2020-01-07", "2020-01-06"], "ticker": ["spy", "spy"], "proba": [0.6, 0.4]}
    )
    frame = read_predictions(path)
    assert frame["variant"].tolist() == ["mymodel", "mymodel"]
    assert frame["ticker"].tolist() == ["SPY", "SPY"]
    assert frame["fold"].tolist() == [0, 0] and frame.attrs["folds_given"] is False
    assert frame["date"].tolist() == [pd.Timestamp("2020-01-06"), pd.Timestamp("2020-01-07")]  # sorted
    assert frame["proba"].tolist() == [0.4, 0.6]


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        (
            "proba",
            [0.5, 1.2],
            r"proba must be a probability in \[0, 1\] on every row \(no NaN\); 1 row\(s\) "
            r"are not \(line 3: 1\.2\)",
        ),
        ("proba", [np.nan, 0.3], r"1 row\(s\) are not \(line 2: nan\)"),
        ("proba", ["high", 0.3], r"line 2: 'high'"),
        ("fold", [0, 1.5], r"fold must be a whole number >= 0; line 3 has 1\.5"),
        (
            "variant",
            ["ok", "buy_and_hold"],
            r"variant 'buy_and_hold' \(column variant\) cannot name a strategy",
        ),
        ("date", ["2020-01-06", "not a day"], r"1 row without a readable date \(row 2 'not a day'\)"),
    ],
)
def test_bad_rows_are_refused_with_the_line_and_the_fix(tmp_path, column, values, message):
    rows = {"date": ["2020-01-06", "2020-01-07"], "ticker": ["SPY", "SPY"], "proba": [0.5, 0.5]}
    rows[column] = values
    with pytest.raises(DataError, match=message):  # a PredictionsError, or the price files' date error
        read_predictions(_file(tmp_path, rows))


def test_missing_columns_duplicates_and_file_types_are_refused(tmp_path):
    with pytest.raises(
        PredictionsError, match=r"no column 'proba'; predictions have columns date, ticker, proba"
    ):
        read_predictions(_file(tmp_path, {"date": ["2020-01-06"], "ticker": ["SPY"], "p": [0.5]}))
    twice = {
        "date": ["2020-01-06", "2020-01-07", "2020-01-06"],
        "ticker": ["SPY"] * 3,
        "proba": [0.5, 0.4, 0.6],
    }
    with pytest.raises(
        PredictionsError,
        match=r"mymodel on SPY is predicted more than once on 2020-01-06 "
        r"\(line 2, line 4\); keep one row per \(date, ticker, variant\)",
    ):
        read_predictions(_file(tmp_path, twice))
    with pytest.raises(PredictionsError, match=r"unknown file type '\.txt'"):
        read_predictions(_file(tmp_path, twice, "mine.txt"))
    with pytest.raises(PredictionsError, match=r"no such file"):
        read_predictions(tmp_path / "absent.parquet")
    frame = pd.DataFrame({"date": ["2020-01-06"], "ticker": ["SPY"], "proba": [0.5]})
    with pytest.raises(PredictionsError, match=r"predictions: no variant column"):
        check_predictions(frame, "predictions")


def test_only_zeros_and_ones_warn_that_they_are_not_probabilities(tmp_path):
    path = _file(tmp_path, {"date": ["2020-01-06", "2020-01-07"], "ticker": ["SPY", "SPY"], "proba": [1, 0]})
    with pytest.warns(PredictionsWarning, match=r"proba of mymodel holds only 0 and 1: labels or hard calls"):
        read_predictions(path)


def test_labels_and_returns_come_from_the_prices_by_hand():
    prices = {"SPY": _prices()}
    # The file's own label column is not read: it says the opposite.
    raw = pd.DataFrame(
        {
            "date": prices["SPY"].index[[0, 2, 6, 7]],
            "ticker": "SPY",
            "variant": "m",
            "proba": 0.6,
            "label": [0, 1, 1, 1],
        }
    )
    labelled, unlabelled = attach_outcomes(check_predictions(raw, "p"), prices, "next_open")
    # next_open: decided at t, filled at the open of t+1, held to the open of t+2
    assert labelled["fwd_return"].tolist() == pytest.approx([101 / 102 - 1, 104 / 105 - 1])
    assert labelled["label"].tolist() == [0, 0]
    assert unlabelled["date"].tolist() == list(prices["SPY"].index[[6, 7]])  # no t+2 open yet
    closes, _ = attach_outcomes(check_predictions(raw, "p"), prices, "next_close")
    assert closes["fwd_return"].tolist() == pytest.approx([102 / 103 - 1, 105 / 106 - 1])


def test_dates_off_the_calendar_and_tickers_without_prices_are_refused():
    prices = {"SPY": _prices()}
    weekend = pd.DataFrame(
        {"date": ["2020-01-06", "2020-01-11"], "ticker": "SPY", "variant": "m", "proba": 0.5}
    )
    with pytest.raises(
        PredictionsError,
        match=r"SPY: 1 prediction\(s\) on dates not in its price calendar "
        r"\(2020-01-11\); its prices cover 2020-01-06\.\.2020-01-15",
    ):
        attach_outcomes(check_predictions(weekend, "p"), prices, "next_open")
    other = pd.DataFrame({"date": ["2020-01-06"], "ticker": "QQQ", "variant": "m", "proba": 0.5})
    with pytest.raises(PredictionsError, match=r"tickers without prices: QQQ \(prices are loaded for SPY\)"):
        attach_outcomes(check_predictions(other, "p"), prices, "next_open")


def test_file_folds_start_where_each_fold_first_predicts():
    raw = pd.DataFrame(
        {
            "date": pd.bdate_range("2020-01-06", periods=4),
            "ticker": "SPY",
            "variant": "m",
            "fold": [3, 3, 4, 4],
            "proba": 0.5,
        }
    )
    assert file_folds(check_predictions(raw, "p")) == [
        {"variant": "m", "index": 3, "test_start": "2020-01-06", "test_end": "2020-01-07", "n_test": 2},
        {"variant": "m", "index": 4, "test_start": "2020-01-08", "test_end": "2020-01-09", "n_test": 2},
    ]


def test_the_decision_convention_is_stated():
    assert decision_convention("next_open").startswith(
        "proba at date t is P(up) known at the close of t; the position is filled at the open of t+1"
    )
    assert "close t+1 -> close t+2 (execution next_close)" in decision_convention("next_close")
