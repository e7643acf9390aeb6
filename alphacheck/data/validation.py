"""Validation of a prices frame: structural errors and suspicious data, with dates.

Structural problems (unsorted or duplicate dates, missing or infinite values,
zero or negative prices, magnitudes the metrics cannot compute with, high below
open/close or low above them, negative volume) make a frame unusable:
:meth:`ValidationReport.raise_errors` raises :class:`DataError`. Suspicious
but possible data (zero volume, gaps of more than :data:`MAX_GAP_WEEKDAYS`
weekdays, one-day moves large enough to suggest a missed split, years whose
opens are mostly copies of the previous close) is reported as warnings: :meth:`ValidationReport.warn` emits one
:class:`DataWarning` per ticker listing them all.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alphacheck.exceptions import DataError, DataWarning

__all__ = [
    "MAX_GAP_WEEKDAYS",
    "MAX_PRICE",
    "MAX_VOLUME",
    "MIN_PRICE",
    "SPLIT_LIKE_RATIO",
    "STALE_OPEN_SHARE",
    "Finding",
    "ValidationReport",
    "check_prices",
    "format_dates",
    "stale_open_shares",
    "stale_open_years",
]

#: Weekdays that may be missing in a row before a gap is reported (9/11 closed NYSE for 4).
MAX_GAP_WEEKDAYS = 4
#: A close-to-close ratio at or beyond this factor (up, or down by its inverse) looks like a missed split.
SPLIT_LIKE_RATIO = 1.4
#: A year in which the open equals the previous close on more than this share of days has stale opens.
STALE_OPEN_SHARE = 0.5
# Relative difference under which an open "equals" the previous close: adjusted prices carry the
# rounding of the adjustment factor (~1e-7); real opens 0.001% from the last close are rare (under
# 2% of days on SPY, AAPL, MSFT and XBI 2018-2023), so a share above one half is not chance.
_SAME_PRICE = 1e-5
# A year needs this many compared days before its share is judged (a partial first or last year).
_MIN_YEAR_DAYS = 20
#: Largest and smallest price accepted: far beyond any quoted asset, far inside what the backtest's
#: products of prices, positions and volumes can hold in float64 without overflowing.
MAX_PRICE = 1e15
MIN_PRICE = 1e-12
#: Largest volume accepted (shares or contracts per bar).
MAX_VOLUME = 1e18
# Relative slack for high/low consistency checks: sources round to a few decimals.
_OHLC_TOLERANCE = 1e-6
_OHLC = ["open", "high", "low", "close"]


@dataclass(frozen=True)
class Finding:
    """One problem found in a prices frame: which rule, how bad, on which dates."""

    rule: str
    severity: str  # "error" or "warning"
    message: str
    dates: tuple[pd.Timestamp, ...] = ()


@dataclass
class ValidationReport:
    """Every finding for one ticker's prices."""

    ticker: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """Structural findings: the frame cannot be used."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Suspicious but possible findings."""
        return [f for f in self.findings if f.severity == "warning"]

    def raise_errors(self) -> None:
        """Raise :class:`DataError` naming every structural problem, if any."""
        if self.errors:
            raise DataError(f"{self.ticker}: " + "; ".join(f.message for f in self.errors))

    def warn(self, stacklevel: int = 2) -> None:
        """Emit one :class:`DataWarning` listing every suspicious finding, if any."""
        if self.warnings:
            message = f"{self.ticker}: " + "; ".join(f.message for f in self.warnings)
            warnings.warn(message, DataWarning, stacklevel=stacklevel + 1)


def check_prices(prices: pd.DataFrame, ticker: str) -> ValidationReport:
    """Run every validation rule on a frame in the Prices convention.

    Parameters
    ----------
    prices
        Indexed by date, with lowercase ``open high low close volume``, in the
        order the source gave them (the order is checked, not fixed).
    ticker
        Name used in the messages.

    Returns
    -------
    ValidationReport
        Errors and warnings; the warning rules run only on structurally sound data.
    """
    report = ValidationReport(ticker)
    report.findings.extend(_structural(prices))
    if not report.errors:
        report.findings.extend(_suspicious(prices))
    return report


def _structural(prices: pd.DataFrame) -> list[Finding]:
    index = pd.DatetimeIndex(prices.index)
    if len(prices) == 0:
        return [Finding("empty", "error", "no price rows")]
    values = prices.loc[:, [*_OHLC, "volume"]]
    ohlc = values[_OHLC]
    slack = 1 + _OHLC_TOLERANCE
    body_high = ohlc[["open", "close"]].max(axis=1)
    body_low = ohlc[["open", "close"]].min(axis=1)
    high_low = (ohlc["high"] * slack < body_high) | (ohlc["low"] > body_low * slack)
    nonpositive = (ohlc <= 0).any(axis=1)
    return [
        *_error("duplicate_dates", "duplicate dates", index[index.duplicated()].unique()),
        *_error("unsorted_dates", "dates not sorted, out of order at", index[1:][np.diff(index.asi8) < 0]),
        *_error("missing_values", "missing values on", index[values.isna().any(axis=1).to_numpy()]),
        *_error("non_finite", "infinite values on", index[np.isinf(values.to_numpy("float64")).any(axis=1)]),
        *_magnitudes(values, index),
        *_error("nonpositive_prices", "zero or negative prices on", index[nonpositive.to_numpy()]),
        *_error("negative_volume", "negative volume on", index[(values["volume"] < 0).to_numpy()]),
        *_error("high_low", "high below open/close or low above them on", index[high_low.to_numpy()]),
    ]


def _error(rule: str, text: str, dates: pd.DatetimeIndex) -> list[Finding]:
    """An error finding naming ``dates`` after ``text``; none when no date is affected."""
    return [Finding(rule, "error", f"{text} {format_dates(dates)}", tuple(dates))] if len(dates) else []


def _magnitudes(values: pd.DataFrame, index: pd.DatetimeIndex) -> list[Finding]:
    """Prices or volumes so large or small that the metrics' products of them overflow."""
    data = values.to_numpy(dtype="float64")
    bad = np.zeros(data.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        prices = data[:, :4]
        bad[:, :4] = np.isfinite(prices) & ((prices > MAX_PRICE) | ((prices > 0) & (prices < MIN_PRICE)))
        bad[:, 4] = np.isfinite(data[:, 4]) & (data[:, 4] > MAX_VOLUME)
    rows = np.flatnonzero(bad.any(axis=1))
    if not len(rows):
        return []
    row = rows[0]
    column = int(np.argmax(bad[row]))
    dates = index[rows]
    return [
        Finding(
            "magnitude",
            "error",
            f"values outside what the metrics can compute with on {format_dates(dates)} "
            f"({values.columns[column]} {data[row, column]:.3g} on {dates[0].date()}; prices must lie in "
            f"[{MIN_PRICE:g}, {MAX_PRICE:g}], volumes up to {MAX_VOLUME:g}); "
            "check the file's units or scaling",
            tuple(dates),
        )
    ]


def _suspicious(prices: pd.DataFrame) -> list[Finding]:
    index = pd.DatetimeIndex(prices.index)
    found = []
    rows = index[(prices["volume"] == 0).to_numpy()]
    if len(rows):
        found.append(Finding("zero_volume", "warning", f"zero volume on {format_dates(rows)}", tuple(rows)))
    days = index.values.astype("datetime64[D]")
    missing = np.busday_count(days[:-1], days[1:]) - 1
    after = np.flatnonzero(missing > MAX_GAP_WEEKDAYS)
    if len(after):
        spans = ", ".join(
            f"{index[i].date()} to {index[i + 1].date()} ({missing[i]} weekdays)" for i in after[:5]
        )
        more = f" and {len(after) - 5} more" if len(after) > 5 else ""
        found.append(
            Finding(
                "gap",
                "warning",
                f"gaps of more than {MAX_GAP_WEEKDAYS} weekdays without prices: {spans}{more}",
                tuple(index[after + 1]),
            )
        )
    ratio = (prices["close"] / prices["close"].shift(1)).to_numpy()
    with np.errstate(invalid="ignore"):
        jump = np.abs(np.log(ratio)) >= math.log(SPLIT_LIKE_RATIO)
    rows = index[jump]
    if len(rows):
        moves = ", ".join(f"{d.date()} ({ratio[index.get_loc(d)] - 1:+.0%})" for d in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        found.append(
            Finding(
                "split_like_move",
                "warning",
                f"one-day close moves large enough to suggest a missed split on {moves}{more}",
                tuple(rows),
            )
        )
    stale = _stale_opens(prices)
    if stale is not None:
        found.append(stale)
    return found


def _stale_opens(prices: pd.DataFrame) -> Finding | None:
    years = stale_open_years(prices)
    if not years:
        return None
    listed = ", ".join(f"{year} ({share:.0%})" for year, share in years.items())
    index = pd.DatetimeIndex(prices.index)
    dates = tuple(index[np.isin(index.year, list(years))])
    return Finding(
        "stale_open",
        "warning",
        f"the open equals the previous close on more than half of the days of {listed}: those opens are "
        "copies of the close, not traded prices, and a fill at the next open (execution next_open) would "
        f"be at the signal's own close; use execution next_close or start after {max(years)}",
        dates,
    )


def stale_open_shares(prices: pd.DataFrame) -> pd.Series:
    """Per calendar year, the share of days whose open equals the previous close.

    Some index series record no real opening price: the open is a copy of the
    last close (the embedded S&P 500 sample does this on 95-98% of the days of
    1999-2005). A fill "at the next open" of such a day is at the close that
    produced the signal. Each day is compared with the bar before it (the
    first day of a year with the last close of the year before); equal means
    within a relative 1e-5.

    Parameters
    ----------
    prices
        A frame in the Prices convention (``open``, ``close``; sorted dates).

    Returns
    -------
    pandas.Series
        Share in [0, 1] indexed by year (int), for every year with a compared day.
    """
    return _open_copies(prices)["share"].rename("stale_open_share")


def stale_open_years(prices: pd.DataFrame, threshold: float = STALE_OPEN_SHARE) -> dict[int, float]:
    """The years whose opens are mostly stale: ``{year: share}`` where the share exceeds ``threshold``.

    Years with fewer than 20 compared days are left out. A strategy filled at
    the next open (``execution: next_open``) on bars of these years trades at
    the signal's own price: pass the bars a strategy traded (e.g.
    ``prices.loc[first_decision:last_bar]``) and a non-empty answer means its
    results depend on such opens.

    Parameters
    ----------
    prices
        A frame in the Prices convention.
    threshold
        Share of days above which a year is reported (default: more than half).

    Returns
    -------
    dict
        ``{year: share}``, in year order; empty when every year's opens are real.
    """
    years = _open_copies(prices)
    judged = years[(years["days"] >= _MIN_YEAR_DAYS) & (years["share"] > threshold)]
    return {int(year): float(share) for year, share in judged["share"].items()}


def _open_copies(prices: pd.DataFrame) -> pd.DataFrame:
    """Per year: ``share`` of compared days whose open equals the previous close, and ``days`` compared."""
    ratio = (prices["open"] / prices["close"].shift(1)).iloc[1:]
    same = np.abs(ratio.to_numpy() - 1.0) < _SAME_PRICE
    years = pd.Index(pd.DatetimeIndex(ratio.index).year.astype(int), name="year")
    grouped = pd.Series(same, index=years, dtype="float64").groupby(level=0)
    return pd.DataFrame({"share": grouped.mean(), "days": grouped.size()})


def format_dates(index: pd.Index, limit: int = 5) -> str:
    """``"2020-01-02, 2020-01-03 and 4 more"``: the first dates of an index, for messages."""
    shown = ", ".join(str(pd.Timestamp(d).date()) for d in index[:limit])
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return shown + more
