"""The embedded sample: real daily OHLCV shipped inside the ``arch`` package.

``SP500`` (S&P 500 index) and ``NASDAQ`` (NASDAQ composite), 1999-01-04 to
2018-12-31, from ``arch.data.sp500`` and ``arch.data.nasdaq``. No network.
"""

from __future__ import annotations

import importlib

import pandas as pd

from alphacheck.data.prices import normalise_ohlcv
from alphacheck.exceptions import DataError, did_you_mean

__all__ = ["SAMPLE_KNOWN_FINDINGS", "SAMPLE_TICKERS", "load_sample"]

SAMPLE_TICKERS = {"SP500": "arch.data.sp500", "NASDAQ": "arch.data.nasdaq"}

#: Validation findings the embedded data is known to have, per ticker and rule. They are
#: listed by ``alphacheck data show`` and logged, not warned about on every run: they are
#: documented here and a user cannot fix the package's data. Any other finding still warns.
SAMPLE_KNOWN_FINDINGS = {"NASDAQ": {"zero_volume": ("2015-05-12", "2018-01-09")}}


def load_sample(ticker: str) -> pd.DataFrame:
    """Load one embedded series in the Prices convention.

    Raises
    ------
    DataError
        For a ticker the sample does not hold.
    """
    module_name = SAMPLE_TICKERS.get(ticker.upper())
    if module_name is None:
        raise DataError(
            f"unknown ticker {ticker!r} for source 'sample'{did_you_mean(ticker.upper(), SAMPLE_TICKERS)}; "
            f"the embedded sample holds {', '.join(SAMPLE_TICKERS)}"
        )
    raw = importlib.import_module(module_name).load()
    return normalise_ohlcv(raw, ticker.upper())
