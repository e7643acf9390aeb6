"""The NYSE trading calendar, used to tell whether uncached dates hold any trading day.

The price cache records which date range each ticker's data covers. Whether an
uncovered stretch at either end of a request needs a download (or, offline,
makes the request unservable) depends on whether the market was open on any
of its days: a request starting on New Year's Day is served by data starting
on the next trading day. Regular NYSE holidays come from pandas' holiday
rules; unscheduled closures are listed. For tickers on other exchanges the
calendar only decides whether to ask Yahoo for a few edge days.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import ClassVar

import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
    sunday_to_monday,
)

__all__ = ["nyse_holidays", "trading_days"]

# Closures announced at short notice (weather, national mourning, 9/11).
_UNSCHEDULED_CLOSURES = pd.to_datetime(
    [
        "2001-09-11",
        "2001-09-12",
        "2001-09-13",
        "2001-09-14",
        "2004-06-11",
        "2007-01-02",
        "2012-10-29",
        "2012-10-30",
        "2018-12-05",
        "2025-01-09",
    ]
)


class _NyseHolidays(AbstractHolidayCalendar):
    rules: ClassVar[list[Holiday]] = [
        # NYSE does not close on Friday when New Year's Day falls on a Saturday.
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        USMartinLutherKingJr,
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-01-01", observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]


@lru_cache(maxsize=8)
def nyse_holidays(first_year: int = 1990, last_year: int = 2040) -> pd.DatetimeIndex:
    """Weekdays on which the NYSE was (or is scheduled to be) closed."""
    regular = _NyseHolidays().holidays(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    return regular.union(_UNSCHEDULED_CLOSURES).sort_values()


def trading_days(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """NYSE trading days from ``start`` to ``end``, both included (empty when start > end)."""
    if start > end:
        return pd.DatetimeIndex([], name="date")
    weekdays = pd.bdate_range(start, end, name="date")
    return weekdays.difference(nyse_holidays()).rename("date")
