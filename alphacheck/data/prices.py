"""The Prices convention: normalisation and structural validation.

A prices frame is indexed by a tz-naive ``DatetimeIndex`` named ``date`` and
holds lowercase ``open high low close volume``, total-return adjusted: when the
source gives an adjusted close, open, high and low are scaled by
``adj_close / close`` so that all four prices sit on one consistent scale.
"""

from __future__ import annotations

import pandas as pd

from alphacheck.data.validation import check_prices
from alphacheck.exceptions import DataError

__all__ = ["PRICE_COLUMNS", "normalise_ohlcv", "validate_prices"]

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")


def normalise_ohlcv(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Bring a yfinance-style OHLCV frame to the Prices convention.

    Parameters
    ----------
    frame
        Columns ``Open High Low Close Volume`` and optionally ``Adj Close``
        (any case), indexed by date.
    ticker
        Name used in error messages.

    Returns
    -------
    DataFrame
        Adjusted, validated prices.

    Raises
    ------
    DataError
        When a column is missing or the data breaks a structural rule.
    """
    renamed = frame.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    missing = [c for c in PRICE_COLUMNS if c not in renamed.columns]
    if missing:
        raise DataError(f"{ticker}: missing price columns {missing}; found {list(frame.columns)}")
    prices = renamed.loc[:, list(PRICE_COLUMNS)].astype("float64")
    if "adj_close" in renamed.columns:
        factor = renamed["adj_close"].astype("float64") / prices["close"]
        for column in ("open", "high", "low"):
            prices[column] = prices[column] * factor
        prices["close"] = renamed["adj_close"].astype("float64")
    index = pd.DatetimeIndex(pd.to_datetime(prices.index))
    if index.tz is not None:
        index = index.tz_localize(None)
    prices.index = index.normalize().astype("datetime64[ns]").rename("date")
    validate_prices(prices, ticker)
    return prices


def validate_prices(prices: pd.DataFrame, ticker: str) -> None:
    """Raise :class:`DataError` for structural problems, naming the dates.

    Checks: sorted unique dates, no missing values, positive prices,
    non-negative volume, ``high >= max(open, close)`` and
    ``low <= min(open, close)``. Suspicious-but-possible data is reported by
    :func:`alphacheck.data.validation.check_prices`, not here.
    """
    check_prices(prices, ticker).raise_errors()
