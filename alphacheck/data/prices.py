"""The Prices convention: normalisation and structural validation.

A prices frame is indexed by a tz-naive ``DatetimeIndex`` named ``date`` and
holds lowercase ``open high low close volume``, total-return adjusted: when the
source gives an adjusted close, open, high and low are scaled by
``adj_close / close`` so that all four prices sit on one consistent scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.exceptions import DataError

__all__ = ["PRICE_COLUMNS", "normalise_ohlcv", "validate_prices"]

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")

# Relative slack for high/low consistency checks: sources round to a few decimals.
_OHLC_TOLERANCE = 1e-6


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
    ``high >= max(open, close)`` and ``low <= min(open, close)``.
    """
    index = prices.index
    if len(prices) == 0:
        raise DataError(f"{ticker}: no price rows")
    if index.has_duplicates:
        dup = index[index.duplicated()].unique()
        raise DataError(f"{ticker}: duplicate dates {_dates(dup)}")
    if not index.is_monotonic_increasing:
        bad = index[1:][np.diff(index.asi8) < 0]
        raise DataError(f"{ticker}: dates not sorted, first out of order at {_dates(bad)}")
    values = prices.loc[:, list(PRICE_COLUMNS)]
    if values.isna().any().any():
        rows = values.index[values.isna().any(axis=1)]
        raise DataError(f"{ticker}: missing values on {_dates(rows)}")
    ohlc = values[["open", "high", "low", "close"]]
    if (ohlc <= 0).any().any():
        rows = ohlc.index[(ohlc <= 0).any(axis=1)]
        raise DataError(f"{ticker}: zero or negative prices on {_dates(rows)}")
    slack = 1 + _OHLC_TOLERANCE
    high_low = (ohlc["high"] * slack < ohlc[["open", "close"]].max(axis=1)) | (
        ohlc["low"] > ohlc[["open", "close"]].min(axis=1) * slack
    )
    if high_low.any():
        raise DataError(
            f"{ticker}: high below open/close or low above them on {_dates(ohlc.index[high_low])}"
        )


def _dates(index: pd.Index, limit: int = 5) -> str:
    shown = ", ".join(str(pd.Timestamp(d).date()) for d in index[:limit])
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return shown + more
