"""Market data: sources, cache, normalisation, validation and alignment, returning Prices frames."""

from alphacheck.data.align import ALIGN_POLICIES, align_calendars
from alphacheck.data.cache import PriceCache
from alphacheck.data.files import read_price_file
from alphacheck.data.loader import load_prices, load_ticker
from alphacheck.data.prices import PRICE_COLUMNS, normalise_ohlcv, validate_prices
from alphacheck.data.sample import SAMPLE_TICKERS, load_sample
from alphacheck.data.validation import Finding, ValidationReport, check_prices

__all__ = [
    "ALIGN_POLICIES",
    "PRICE_COLUMNS",
    "SAMPLE_TICKERS",
    "Finding",
    "PriceCache",
    "ValidationReport",
    "align_calendars",
    "check_prices",
    "load_prices",
    "load_sample",
    "load_ticker",
    "normalise_ohlcv",
    "read_price_file",
    "validate_prices",
]
