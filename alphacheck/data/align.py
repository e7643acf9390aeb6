"""Aligning several tickers' prices to one calendar, explicitly.

Nothing is forward-filled: with the ``common`` policy a day is kept only when
every ticker has a bar on it, and the days each ticker loses are returned so
they can be reported. Each ticker keeps its own frame (the walk-forward cuts
sequences within a ticker, never across two).
"""

from __future__ import annotations

import pandas as pd

from alphacheck.exceptions import DataError

__all__ = ["ALIGN_POLICIES", "align_calendars"]

ALIGN_POLICIES = ("common", "none")


def align_calendars(
    prices: dict[str, pd.DataFrame], policy: str = "common"
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DatetimeIndex]]:
    """Cut every ticker's prices to one calendar.

    Parameters
    ----------
    prices
        Per ticker, a frame indexed by sorted unique dates.
    policy
        ``"common"``: keep the days present for every ticker; ``"none"``: keep each as is.

    Returns
    -------
    tuple
        The aligned frames and, per ticker, the dates it lost (empty when none).

    Raises
    ------
    DataError
        For an unknown policy, or when the tickers share no day at all.
    """
    if policy not in ALIGN_POLICIES:
        raise DataError(
            f"align = {policy!r} is not a calendar policy; use one of {', '.join(ALIGN_POLICIES)}"
        )
    empty = pd.DatetimeIndex([], name="date")
    if policy == "none" or len(prices) < 2:
        return dict(prices), {ticker: empty for ticker in prices}
    common = None
    for frame in prices.values():
        common = frame.index if common is None else common.intersection(frame.index)
    if len(common) == 0:
        spans = ", ".join(f"{t} {f.index[0].date()} to {f.index[-1].date()}" for t, f in prices.items())
        raise DataError(
            f"the tickers share no trading day ({spans}); choose overlapping dates or align: none"
        )
    aligned = {ticker: frame.loc[frame.index.isin(common)] for ticker, frame in prices.items()}
    dropped = {ticker: frame.index.difference(common).rename("date") for ticker, frame in prices.items()}
    return aligned, dropped
