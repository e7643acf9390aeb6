"""Dates of price files: exchange-local calendar days, never a guessed day/month order.

yfinance writes a bar's date as local midnight with the exchange's UTC offset
(``2020-03-06 00:00:00-05:00``, then ``2020-03-09 00:00:00-04:00`` once daylight
saving starts). A bar's day is the date in its own offset: converting to UTC
first would move every Tokyo or Sydney bar to the previous day. Dates written
with the day and month as numbers (``05/03/2020``) are read in the one order
that every row allows; a file whose rows allow both orders, or prove both, is
refused with the rows that show it.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from alphacheck.exceptions import DataError

__all__ = ["parse_dates"]

# A trailing UTC offset after a time of day: "...00:00:00-05:00", "...T00:00:00+0930", "...Z".
_OFFSET = re.compile(r"(?<=\d)(?:Z|[+-]\d{2}:?\d{2})$")
# Day and month as numbers, year last: 05/03/2020, 5.3.20, 05-03-2020 (plus an optional time).
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[ T])(.*)$")
_ISO_SHAPE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
_EXAMPLES = 3


def parse_dates(values: pd.Index, where: str) -> pd.DatetimeIndex:
    """Read a price file's dates as tz-naive exchange-local days (midnight).

    Parameters
    ----------
    values
        The file's date column: strings, or timestamps (tz-aware ones are
        taken at their own wall-clock time).
    where
        The file, for messages.

    Returns
    -------
    DatetimeIndex
        ``datetime64[ns]`` days named ``date``, in file order.

    Raises
    ------
    DataError
        For dates that cannot be read (naming the rows), or a day/month order
        that the rows leave ambiguous or contradict.
    """
    index = pd.Index(values)
    if isinstance(index, pd.DatetimeIndex):
        parsed = index.tz_localize(None) if index.tz is not None else index
    elif index.dtype == object and all(isinstance(v, pd.Timestamp | np.datetime64) for v in index):
        parsed = pd.DatetimeIndex([_wall_clock(pd.Timestamp(v)) for v in index])
    else:
        text = pd.Index([str(v).strip() for v in index])
        text = _day_month_to_iso(text, where)
        local = text.str.replace(_OFFSET, "", regex=True)  # each row's own wall-clock time
        parsed = _parse(local)
        unreadable = np.flatnonzero(parsed.isna())
        if len(unreadable):
            shown = ", ".join(f"row {i + 1} {index[i]!r}" for i in unreadable[:_EXAMPLES])
            more = f" and {len(unreadable) - _EXAMPLES} more" if len(unreadable) > _EXAMPLES else ""
            rows = "row" if len(unreadable) == 1 else "rows"
            raise DataError(
                f"{where}: {len(unreadable)} {rows} without a readable date ({shown}{more}); "
                "write dates as YYYY-MM-DD"
            )
    return parsed.normalize().astype("datetime64[ns]").rename("date")


def _parse(local: pd.Index) -> pd.DatetimeIndex:
    """ISO dates exactly; other spellings ("Mar 6, 2020": no order to guess) as pandas reads them."""
    parsed = pd.Series(pd.to_datetime(local, errors="coerce", format="ISO8601")).astype("datetime64[ns]")
    other = (parsed.isna() & ~local.str.match(_ISO_SHAPE)).to_numpy()
    if other.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format": NaT rows are named
            guessed = pd.DatetimeIndex(pd.to_datetime(local[other], errors="coerce", utc=False))
        if guessed.tz is not None:
            guessed = guessed.tz_localize(None)
        parsed[other] = guessed.astype("datetime64[ns]")
    return pd.DatetimeIndex(parsed)


def _wall_clock(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _day_month_to_iso(text: pd.Index, where: str) -> pd.Index:
    """Rewrite ``DD/MM/YYYY`` or ``MM/DD/YYYY`` dates as ISO, in the order the rows prove."""
    parts = text.str.extract(_NUMERIC)
    numeric = parts[0].notna().to_numpy()
    if not numeric.any():
        return text
    first = parts[0].astype("float").to_numpy()
    second = parts[2].astype("float").to_numpy()
    readable = numeric & ((first <= 12) | (second <= 12))  # 13/13/2020 is no date in either order
    day_first = np.flatnonzero(readable & (first > 12))
    month_first = np.flatnonzero(readable & (second > 12))
    if len(day_first) and len(month_first):
        raise DataError(
            f"{where}: the dates mix day/month orders: {_rows(text, day_first)} can only be day/month, "
            f"{_rows(text, month_first)} only month/day; write every date as YYYY-MM-DD"
        )
    ambiguous = np.flatnonzero(readable & (first != second))
    if not len(day_first) and not len(month_first) and len(ambiguous):
        raise DataError(
            f"{where}: dates such as {_rows(text, ambiguous)} read as day/month and as month/day give "
            "different days, and no row has a number above 12 to tell which; write the dates as YYYY-MM-DD"
        )
    day, month = (parts[0], parts[2]) if len(day_first) else (parts[2], parts[0])
    year = parts[3].where(parts[3].str.len() == 4, _century(parts[3]))
    iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + parts[4].fillna("")
    return pd.Index(np.where(numeric, iso.fillna(""), text.to_numpy()))


def _century(years: pd.Series) -> pd.Series:
    """Two-digit years as ``strptime``'s ``%y`` reads them: 69-99 -> 19xx, 00-68 -> 20xx."""
    number = pd.to_numeric(years, errors="coerce")
    return (number + np.where(number >= 69, 1900, 2000)).astype("Int64").astype(str)


def _rows(text: pd.Index, rows: np.ndarray) -> str:
    shown = ", ".join(f"row {i + 1} {text[i]!r}" for i in rows[:_EXAMPLES])
    return shown + (f" and {len(rows) - _EXAMPLES} more" if len(rows) > _EXAMPLES else "")
