"""Load the prices a scenario asks for."""

from __future__ import annotations

import logging

import pandas as pd

from alphacheck.data.sample import load_sample
from alphacheck.exceptions import DataError
from alphacheck.scenarios.schema import DataConfig

__all__ = ["load_prices"]

log = logging.getLogger(__name__)


def load_prices(config: DataConfig) -> dict[str, pd.DataFrame]:
    """Return validated prices per ticker, cut to the configured dates.

    Raises
    ------
    DataError
        When a ticker is unknown or the date range leaves no rows.
    """
    prices = {}
    for ticker in config.tickers:
        frame = load_sample(ticker)
        start = pd.Timestamp(config.start) if config.start else None
        end = pd.Timestamp(config.end) if config.end else None
        frame = frame.loc[start:end]
        if frame.empty:
            raise DataError(
                f"{ticker}: no prices between {config.start} and {config.end} "
                f"in source {config.source!r}"
            )
        log.info("%s: %d bars %s to %s", ticker, len(frame), frame.index[0].date(), frame.index[-1].date())
        prices[ticker.upper()] = frame
    return prices
