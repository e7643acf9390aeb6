"""Market data: sources, normalisation and validation, returning Prices frames."""

from alphacheck.data.loader import load_prices
from alphacheck.data.prices import PRICE_COLUMNS, normalise_ohlcv, validate_prices
from alphacheck.data.sample import SAMPLE_TICKERS, load_sample

__all__ = [
    "PRICE_COLUMNS",
    "SAMPLE_TICKERS",
    "load_prices",
    "load_sample",
    "normalise_ohlcv",
    "validate_prices",
]
