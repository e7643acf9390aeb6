"""Yahoo Finance through yfinance, cache first: the only module that talks to Yahoo.

:func:`download` is the single call into yfinance (tests replace it). It asks
for unadjusted OHLC plus the adjusted close (``auto_adjust=False``), so the
adjustment alphacheck applies does not depend on the yfinance version's
default. :func:`update_cache` downloads only the trading days the cache lacks,
with one overlapping row to check that Yahoo has not revised the history since
(a dividend or split changes every earlier adjusted close; then the whole range
is fetched again). Network errors are retried with exponential backoff a
bounded number of times. Offline (``ALPHACHECK_OFFLINE=1``, or the network
failing), a request the cache covers is served and any other is refused with
one line naming the ticker, the missing dates and the two ways out.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphacheck.data.cache import CacheEntry, PriceCache
from alphacheck.data.calendar import trading_days
from alphacheck.data.files import to_raw_frame
from alphacheck.data.prices import normalise_ohlcv, validate_prices
from alphacheck.exceptions import DataError

__all__ = [
    "ATTEMPTS",
    "BACKOFF_SECONDS",
    "TickerNotFound",
    "UpdateResult",
    "download",
    "download_many",
    "is_offline",
    "last_complete_day",
    "load_yahoo",
    "planned_downloads",
    "update_cache",
]

log = logging.getLogger(__name__)

#: Download attempts per request before the network counts as unavailable.
ATTEMPTS = 4
#: Wait before the second attempt; doubled before each further one.
BACKOFF_SECONDS = 1.0
# Cached and freshly downloaded closes of the overlap row must agree this closely.
_OVERLAP_RTOL = 1e-5


class TickerNotFound(LookupError):
    """Yahoo does not know the symbol (raised by :func:`download`)."""


@dataclass(frozen=True)
class UpdateResult:
    """The cache entry after an update and how many rows were downloaded."""

    entry: CacheEntry
    downloaded_rows: int


def _yfinance():
    """yfinance and its exceptions module, its timezone cache in the alphacheck home."""
    import yfinance as yf
    from yfinance import exceptions as yf_errors

    from alphacheck.paths import cache_subdir

    yf.set_tz_cache_location(str(cache_subdir("yfinance")))
    return yf, yf_errors


def download(ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Download daily prices from Yahoo Finance, ``start`` to ``end`` inclusive.

    Returns
    -------
    DataFrame
        yfinance's columns ``Open High Low Close Adj Close Volume`` (OHLC not
        dividend adjusted); empty when Yahoo has no rows in the range.

    Raises
    ------
    TickerNotFound
        When Yahoo does not know the symbol.
    OSError
        For network trouble (``ConnectionError``, timeouts, rate limits).
    """
    yf, yf_errors = _yfinance()
    yf.config.debug.hide_exceptions = False  # errors must reach us, not only yfinance's log
    try:
        return yf.Ticker(ticker).history(
            start=start.isoformat(),
            end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
            interval="1d",
            auto_adjust=False,
            back_adjust=False,
            actions=False,
            repair=False,
            keepna=False,
        )
    except yf_errors.YFTzMissingError as exc:
        raise TickerNotFound(str(exc)) from None
    except yf_errors.YFPricesMissingError:
        return pd.DataFrame(columns=["Open", "High", "Low", "Close", "Adj Close", "Volume"])
    except (yf_errors.YFRateLimitError, yf_errors.YFDataException) as exc:
        raise ConnectionError(str(exc)) from None


def download_many(tickers: list[str], start: dt.date, end: dt.date) -> dict[str, pd.DataFrame | str]:
    """Download several tickers in one yfinance call, ``start`` to ``end`` inclusive.

    Returns
    -------
    dict
        Per ticker, yfinance's columns (as :func:`download`) when Yahoo had
        rows, else the reason it had none (Yahoo's error message, or "no rows").

    Raises
    ------
    OSError
        For network trouble affecting the whole call.
    """
    yf, yf_errors = _yfinance()
    try:
        frame = yf.download(
            tickers=list(tickers),
            start=start.isoformat(),
            end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
            interval="1d",
            auto_adjust=False,
            actions=False,
            repair=False,
            keepna=False,
            group_by="ticker",
            progress=False,
            threads=True,
            multi_level_index=True,
        )
    except (yf_errors.YFRateLimitError, yf_errors.YFDataException) as exc:
        raise ConnectionError(str(exc)) from None
    errors = dict(getattr(getattr(yf, "shared", None), "_ERRORS", {}) or {})
    out: dict[str, pd.DataFrame | str] = {}
    for ticker in tickers:
        part = frame[ticker].dropna(how="all") if ticker in frame.columns.get_level_values(0) else None
        out[ticker] = part if part is not None and not part.empty else str(errors.get(ticker, "no rows"))
    return out


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def is_offline() -> bool:
    """Whether ``ALPHACHECK_OFFLINE`` asks never to touch the network."""
    return os.environ.get("ALPHACHECK_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def last_complete_day(end: dt.date | None = None) -> dt.date:
    """``end`` capped at yesterday: a bar dated today may still be moving."""
    yesterday = dt.date.today() - dt.timedelta(days=1)
    return min(end, yesterday) if end else yesterday


def load_yahoo(
    ticker: str,
    start: dt.date,
    end: dt.date | None = None,
    cache: PriceCache | None = None,
    offline: bool | None = None,
) -> pd.DataFrame:
    """Raw prices of ``ticker`` from ``start`` to ``end`` (default: yesterday), cache first.

    Returns
    -------
    DataFrame
        Raw columns (see :data:`alphacheck.data.cache.RAW_COLUMNS`) cut to the range.

    Raises
    ------
    DataError
        Unknown ticker, no prices in the range, or dates the cache lacks while offline.
    """
    ticker = ticker.upper()
    end = last_complete_day(end)
    entry = update_cache(ticker, start, end, cache, offline).entry
    frame = entry.frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    if frame.empty:
        raise DataError(
            f"{ticker}: Yahoo has no prices between {start} and {end} (the cache holds "
            f"{entry.meta.first} to {entry.meta.last}); choose dates when {ticker} traded"
        )
    return frame


def update_cache(
    ticker: str,
    start: dt.date,
    end: dt.date,
    cache: PriceCache | None = None,
    offline: bool | None = None,
    fetch: Callable[[str, dt.date, dt.date], pd.DataFrame] | None = None,
) -> UpdateResult:
    """Make the cache cover ``start``..``end``, downloading only the missing trading days.

    ``fetch`` replaces :func:`download` (same arguments and result), e.g. to
    serve rows a batch download already brought.

    Raises
    ------
    DataError
        As :func:`load_yahoo`.
    """
    ticker = ticker.upper()
    cache = cache or PriceCache()
    offline = is_offline() if offline is None else offline
    end = last_complete_day(end)
    if start > end:
        raise DataError(f"{ticker}: start {start} is after end {end} (the last complete day)")
    entry = cache.read(ticker)
    gaps = _missing_ranges(entry, start, end)
    if not gaps:
        log.info(
            "%s: served from the cache (%s, fetched %s)%s",
            ticker,
            entry.meta.source,
            entry.meta.fetched_at,
            " while offline" if offline else "",
        )
        return UpdateResult(entry, 0)
    if offline:
        raise _cannot_serve(ticker, gaps, cache, "offline (ALPHACHECK_OFFLINE is set)")
    try:
        return _download_gaps(ticker, entry, gaps, start, end, cache, fetch or download)
    except _NetworkDown as exc:
        raise _cannot_serve(ticker, gaps, cache, f"the network is unavailable ({exc})") from None


class _NetworkDown(Exception):
    pass


def _missing_ranges(entry: CacheEntry | None, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar ranges of the request outside the cache's coverage that hold a trading day."""
    if entry is None:
        return [(start, end)]
    covered_start, covered_end = entry.covered
    gaps = []
    if start < covered_start and len(trading_days(start, covered_start - dt.timedelta(days=1))):
        gaps.append((start, covered_start - dt.timedelta(days=1)))
    if end > covered_end and len(trading_days(covered_end + dt.timedelta(days=1), end)):
        gaps.append((covered_end + dt.timedelta(days=1), end))
    return gaps


def planned_downloads(
    ticker: str, start: dt.date, end: dt.date, cache: PriceCache | None = None
) -> list[tuple[dt.date, dt.date]]:
    """The date ranges :func:`update_cache` would download for a request (none: the cache covers it).

    Each range of a cached ticker includes one cached row, fetched again to
    detect revisions of the adjusted history.
    """
    entry = (cache or PriceCache()).read(ticker.upper())
    end = last_complete_day(end)
    return [lo_hi for lo_hi, _ in _download_ranges(entry, _missing_ranges(entry, start, end), start, end)]


def _download_ranges(entry, gaps, start, end) -> list[tuple[tuple[dt.date, dt.date], pd.Timestamp | None]]:
    """Per gap, the range to download and the cached row it overlaps (``None`` without a cache)."""
    if entry is None:
        return [((start, end), None)]
    ranges = []
    for gap_start, gap_end in gaps:
        before = gap_end < entry.covered[0]
        overlap = entry.frame.index[0] if before else entry.frame.index[-1]
        ranges.append((((gap_start, overlap.date()) if before else (overlap.date(), gap_end)), overlap))
    return ranges


def _download_gaps(ticker, entry, gaps, start, end, cache, fetch) -> UpdateResult:
    if entry is None:
        frame = _download_checked(ticker, start, end, True, fetch)
        return UpdateResult(_store(cache, ticker, frame, (start, end)), len(frame))
    cached = entry.frame
    covered = (min(start, entry.covered[0]), max(end, entry.covered[1]))
    parts = []
    for (lo, hi), overlap in _download_ranges(entry, gaps, start, end):
        part = _download_checked(ticker, lo, hi, False, fetch)
        if not _agrees(cached, part, overlap):
            log.info(
                "%s: Yahoo revised the history since %s (a dividend or split); fetching %s to %s again",
                ticker,
                entry.meta.fetched_at,
                *covered,
            )
            frame = _download_checked(ticker, *covered, True, fetch)
            return UpdateResult(_store(cache, ticker, frame, covered), len(frame))
        parts.append(part.drop(index=overlap))
    new = pd.concat(parts) if parts else cached.iloc[:0]
    merged = pd.concat([cached, new]).sort_index()
    log.info("%s: downloaded %d new rows", ticker, len(new))
    return UpdateResult(_store(cache, ticker, merged, covered), len(new))


def _agrees(cached: pd.DataFrame, part: pd.DataFrame, overlap: pd.Timestamp) -> bool:
    if overlap not in part.index:
        return False
    old = cached.loc[overlap, ["close", "adj_close"]].to_numpy()
    new = part.loc[overlap, ["close", "adj_close"]].to_numpy()
    return bool(np.allclose(old, new, rtol=_OVERLAP_RTOL, atol=0))


def _download_checked(ticker: str, start: dt.date, end: dt.date, first: bool, fetch) -> pd.DataFrame:
    try:
        raw = _download_retrying(ticker, start, end, fetch)
    except TickerNotFound as exc:
        raise DataError(
            f"unknown ticker {ticker!r} at Yahoo Finance ({exc}); check the symbol as Yahoo spells it "
            "(indexes like ^GSPC, share classes like BRK-B)"
        ) from None
    frame = to_raw_frame(raw, f"Yahoo download of {ticker}", ticker)
    frame = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    if first and frame.empty:
        raise DataError(
            f"{ticker}: Yahoo returned no prices between {start} and {end}; choose dates when it traded"
        )
    return frame


def _download_retrying(ticker: str, start: dt.date, end: dt.date, fetch=None) -> pd.DataFrame:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return (fetch or download)(ticker, start, end)
        except OSError as exc:
            failure = exc
            if attempt < ATTEMPTS:
                wait = BACKOFF_SECONDS * 2 ** (attempt - 1)
                log.info(
                    "%s: download failed (%s); attempt %d of %d in %.0fs",
                    ticker,
                    exc,
                    attempt + 1,
                    ATTEMPTS,
                    wait,
                )
                _sleep(wait)
    raise _NetworkDown(f"{ATTEMPTS} attempts, last error: {failure}")


def _store(cache: PriceCache, ticker: str, frame: pd.DataFrame, covered) -> CacheEntry:
    validate_prices(frame, ticker)  # raw order, before anything is cached
    normalise_ohlcv(frame, ticker)  # the adjusted prices must be sound too
    return cache.write(ticker, frame, "yahoo", covered)


def _cannot_serve(ticker: str, gaps, cache: PriceCache, reason: str) -> DataError:
    days = sum(len(trading_days(a, b)) for a, b in gaps)
    spans = " and ".join(f"{a} to {b}" for a, b in gaps)
    first, last = gaps[0][0], gaps[-1][1]
    return DataError(
        f"{ticker}: {spans} ({days} trading days) not in the cache at {cache.root}, and {reason}; "
        f"run `alphacheck data fetch {ticker} --start {first} --end {last}` when online, "
        f"or `alphacheck data import FILE --ticker {ticker}`"
    )
