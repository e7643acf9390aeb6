"""Each validation rule, triggered by a small corrupted frame, with its message."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from alphacheck.data.prices import validate_prices
from alphacheck.data.sample import load_sample
from alphacheck.data.validation import check_prices, stale_open_shares, stale_open_years
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


def two_years(stale_share_2019: float) -> pd.DataFrame:
    """2019-2020 business days with real opens, except that in 2019 the first ``stale_share_2019`` of
    the days (after the first bar) open exactly at the previous close."""
    dates = pd.bdate_range("2019-01-01", "2020-12-31", name="date")
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(dates))))
    open_ = close * np.exp(rng.normal(0, 0.004, len(dates)))
    days_2019 = np.flatnonzero(dates.year == 2019)[1:]  # the first bar has no previous close
    stale = days_2019[: round(stale_share_2019 * len(days_2019))]
    open_[stale] = close[stale - 1]
    frame = pd.DataFrame({"open": open_, "close": close, "volume": 1e6}, index=dates)
    frame["high"] = frame[["open", "close"]].max(axis=1) * 1.001
    frame["low"] = frame[["open", "close"]].min(axis=1) * 0.999
    return frame


def test_stale_opens_are_a_warning_naming_the_years_and_the_share():
    frame = two_years(0.6)
    (finding,) = check_prices(frame, "T").findings
    assert finding.rule == "stale_open"
    assert finding.message.startswith(
        "the open equals the previous close on more than half of the days of 2019 (60%): those opens are "
        "copies of the close"
    )
    assert "use execution next_close or start after 2019" in finding.message
    assert finding.dates == tuple(frame.index[frame.index.year == 2019])
    with pytest.warns(DataWarning, match=r"^T: the open equals the previous close .* 2019 \(60%\)"):
        check_prices(frame, "T").warn()


def test_stale_open_shares_per_year_by_hand():
    frame = two_years(0.6)
    compared_2019 = (frame.index.year == 2019).sum() - 1
    shares = stale_open_shares(frame)
    assert list(shares.index) == [2019, 2020]
    assert shares[2019] == round(0.6 * compared_2019) / compared_2019
    assert shares[2020] == 0.0  # random opens never land within 1e-5 of the last close here
    assert stale_open_years(frame) == {2019: shares[2019]}
    assert stale_open_years(frame, threshold=0.7) == {}


def test_half_of_the_days_is_not_stale_and_a_short_year_is_not_judged():
    assert check_prices(two_years(0.5), "T").findings == []
    frame = two_years(1.0).loc["2019-12-03":]  # 21 bars of 2019, 20 compared days, all stale
    assert stale_open_years(frame) == {2019: 1.0}
    assert stale_open_years(frame.iloc[1:]) == {}  # 19 compared days: too few to judge


@pytest.mark.slow  # importing arch's data costs seconds
def test_the_embedded_sp500_opens_are_stale_1999_to_2006():
    prices = load_sample("SP500")
    years = stale_open_years(prices)
    assert list(years) == list(range(1999, 2007))
    # an independent count: the open within 0.001% of the previous close
    same = (prices["open"] / prices["close"].shift(1) - 1).abs().lt(1e-5)
    for year, share in years.items():
        assert share == pytest.approx(same[prices.index.year == year].iloc[int(year == 1999) :].mean())
    assert min(years[y] for y in range(1999, 2006)) > 0.94
    assert stale_open_years(load_sample("NASDAQ")) == {}
