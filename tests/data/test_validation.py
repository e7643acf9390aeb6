"""Each validation rule, triggered by a small corrupted frame, with its message."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from alphacheck.data.prices import validate_prices
from alphacheck.data.validation import check_prices
from alphacheck.exceptions import DataError, DataWarning


def five_bars() -> pd.DataFrame:
    """Five clean bars, Monday 2021-03-01 to Friday 2021-03-05."""
    dates = pd.DatetimeIndex(pd.bdate_range("2021-03-01", periods=5), name="date")
    return pd.DataFrame(
        {
            "open": [10.0, 10.2, 10.1, 10.4, 10.3],
            "high": [10.5, 10.6, 10.5, 10.8, 10.7],
            "low": [9.8, 10.0, 9.9, 10.2, 10.1],
            "close": [10.2, 10.1, 10.4, 10.3, 10.6],
            "volume": [100.0, 120.0, 90.0, 110.0, 130.0],
        },
        index=dates,
    )


def test_clean_bars_have_no_findings():
    assert check_prices(five_bars(), "T").findings == []


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda f: f.iloc[[0, 1, 1, 2, 3, 4]], "T: duplicate dates 2021-03-02"),
        (lambda f: f.iloc[[0, 2, 1, 3, 4]], "T: dates not sorted, out of order at 2021-03-02"),
        (lambda f: f.assign(close=[10.2, None, 10.4, 10.3, 10.6]), "T: missing values on 2021-03-02"),
        (lambda f: f.assign(volume=[100.0, 120.0, 90.0, None, 130.0]), "T: missing values on 2021-03-04"),
        (lambda f: f.assign(low=[9.8, 10.0, 0.0, 10.2, 10.1]), "T: zero or negative prices on 2021-03-03"),
        (lambda f: f.assign(low=[9.8, 10.0, 9.9, -10.2, 10.1]), "T: zero or negative prices on 2021-03-04"),
        (lambda f: f.assign(volume=[100.0, -1.0, 90.0, 110.0, 130.0]), "T: negative volume on 2021-03-02"),
        (
            lambda f: f.assign(high=[10.5, 10.6, 10.3, 10.8, 10.7]),
            "T: high below open/close or low above them on 2021-03-03",
        ),
        (
            lambda f: f.assign(low=[9.8, 10.0, 9.9, 10.2, 10.35]),
            "T: high below open/close or low above them on 2021-03-05",
        ),
    ],
)
def test_structural_problems_are_errors_naming_the_dates(corrupt, message):
    report = check_prices(corrupt(five_bars()), "T")
    assert [f.severity for f in report.findings] == ["error"]
    with pytest.raises(DataError) as caught:
        validate_prices(corrupt(five_bars()), "T")
    assert str(caught.value) == message


def test_every_structural_problem_is_listed_at_once():
    frame = five_bars().assign(close=[10.2, None, 10.4, 10.3, 10.6], volume=[100.0, 120.0, 90.0, -5.0, 130.0])
    with pytest.raises(DataError, match=r"^T: missing values on 2021-03-02; negative volume on 2021-03-04$"):
        validate_prices(frame, "T")


def test_zero_volume_is_a_warning_with_its_dates():
    report = check_prices(five_bars().assign(volume=[100.0, 0.0, 90.0, 0.0, 130.0]), "T")
    assert [(f.rule, f.severity, f.message) for f in report.findings] == [
        ("zero_volume", "warning", "zero volume on 2021-03-02, 2021-03-04")
    ]
    with pytest.warns(DataWarning, match=r"^T: zero volume on 2021-03-02, 2021-03-04$"):
        report.warn()


def test_a_gap_of_more_than_four_weekdays_is_a_warning():
    frame = five_bars()
    frame.index = pd.DatetimeIndex(
        ["2021-03-01", "2021-03-02", "2021-03-09", "2021-03-10", "2021-03-17"], name="date"
    )
    report = check_prices(frame, "T")
    # Mar 2 -> Mar 9 misses 4 weekdays (allowed: 9/11 closed NYSE that long); Mar 10 -> Mar 17 misses 4 too.
    assert report.findings == []
    frame.index = pd.DatetimeIndex(
        ["2021-03-01", "2021-03-02", "2021-03-10", "2021-03-11", "2021-03-12"], name="date"
    )
    (finding,) = check_prices(frame, "T").findings
    assert finding.rule == "gap"
    assert (
        finding.message
        == "gaps of more than 4 weekdays without prices: 2021-03-02 to 2021-03-10 (5 weekdays)"
    )
    assert finding.dates == (pd.Timestamp("2021-03-10"),)


def test_a_split_like_move_is_a_warning():
    # 2:1 split missed on Mar 3 (prices halve), and a +45% jump on Mar 5; a 25% fall is left alone
    # (the threshold is a factor 1.4: down 28.6% or up 40%).
    frame = five_bars()
    frame[["open", "high", "low", "close"]] = [
        [10.0, 10.5, 9.8, 10.2],
        [10.0, 10.4, 9.9, 10.0],
        [5.0, 5.1, 4.9, 5.0],
        [3.9, 4.0, 3.7, 3.75],
        [5.4, 5.5, 5.3, 5.4375],
    ]
    (finding,) = check_prices(frame, "T").findings
    assert finding.rule == "split_like_move"
    assert finding.message == (
        "one-day close moves large enough to suggest a missed split on 2021-03-03 (-50%), 2021-03-05 (+45%)"
    )


def test_warnings_are_not_checked_on_broken_data():
    frame = five_bars().assign(volume=[0.0, 120.0, 90.0, 110.0, 130.0], close=[10.2, None, 10.4, 10.3, 10.6])
    assert [f.rule for f in check_prices(frame, "T").findings] == ["missing_values"]


def test_no_warning_without_suspicious_findings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_prices(five_bars(), "T").warn()
