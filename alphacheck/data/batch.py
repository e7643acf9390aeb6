"""Fetch a whole universe from Yahoo Finance in batches, resuming from the cache.

Tickers whose cached history already covers the request are not downloaded
again, so a fetch that stopped half-way resumes where it stopped when run
again. The others go to Yahoo ``batch_size`` symbols per call
(:func:`~alphacheck.data.yahoo.download_many`); each ticker's rows then pass
the same checks as a single download (revisions of the adjusted history,
validation) before they are cached. A ticker that fails does not stop the
others: the summary names each failure and its reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from alphacheck.data import yahoo
from alphacheck.data.cache import PriceCache
from alphacheck.exceptions import DataError

__all__ = ["BatchProgress", "FetchSummary", "fetch_universe"]

log = logging.getLogger(__name__)


@dataclass
class FetchSummary:
    """What a universe fetch did, per ticker."""

    cached: list[str] = field(default_factory=list)
    downloaded: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchProgress:
    """One finished batch: its number, the number of batches, its tickers and the summary so far."""

    batch: int
    batches: int
    tickers: list[str]
    summary: FetchSummary


def fetch_universe(
    tickers: list[str],
    start: dt.date,
    end: dt.date | None = None,
    cache: PriceCache | None = None,
    batch_size: int = 50,
    on_batch: Callable[[BatchProgress], None] | None = None,
) -> FetchSummary:
    """Bring every ticker's prices from ``start`` to ``end`` into the cache.

    Parameters
    ----------
    tickers
        Yahoo symbols.
    start, end
        The dates wanted (``end`` capped at yesterday, as for one ticker).
    cache
        The price cache (default: the one in the alphacheck home).
    batch_size
        Symbols per call to Yahoo.
    on_batch
        Called after each batch, for progress.

    Returns
    -------
    FetchSummary
        Already cached, downloaded (rows) and failed (reason) tickers.
    """
    cache = cache or PriceCache()
    end = yahoo.last_complete_day(end)
    summary = FetchSummary()
    plans = {}
    for ticker in (t.upper() for t in tickers):
        planned = yahoo.planned_downloads(ticker, start, end, cache)
        if planned:
            plans[ticker] = planned
        else:
            summary.cached.append(ticker)
    pending = list(plans)
    batches = [pending[i : i + batch_size] for i in range(0, len(pending), batch_size)]
    for number, batch in enumerate(batches, start=1):
        _fetch_batch(batch, {t: plans[t] for t in batch}, start, end, cache, summary)
        if on_batch is not None:
            on_batch(BatchProgress(number, len(batches), batch, summary))
    return summary


def _fetch_batch(batch, plans, start, end, cache, summary) -> None:
    lo = min(a for ranges in plans.values() for a, _ in ranges)
    hi = max(b for ranges in plans.values() for _, b in ranges)
    if yahoo.is_offline():
        rows = dict.fromkeys(batch, "offline (ALPHACHECK_OFFLINE is set)")
    else:
        rows = _download_batch(batch, lo, hi)
    for ticker in batch:
        got = rows.get(ticker, "not in Yahoo's answer")
        if isinstance(got, str):
            summary.failed[ticker] = got
            continue
        try:
            result = yahoo.update_cache(ticker, start, end, cache, fetch=_serve(got, lo, hi))
        except DataError as exc:
            summary.failed[ticker] = str(exc)
            continue
        summary.downloaded[ticker] = result.downloaded_rows
        log.info("%s: %d rows downloaded", ticker, result.downloaded_rows)


def _download_batch(batch: list[str], lo: dt.date, hi: dt.date) -> dict[str, pd.DataFrame | str]:
    """One batch call, retried with backoff; every ticker failed when the network stays down."""
    for attempt in range(1, yahoo.ATTEMPTS + 1):
        try:
            return yahoo.download_many(batch, lo, hi)
        except OSError as exc:
            failure = exc
            if attempt < yahoo.ATTEMPTS:
                wait = yahoo.BACKOFF_SECONDS * 2 ** (attempt - 1)
                log.info(
                    "batch failed (%s); attempt %d of %d in %.0fs", exc, attempt + 1, yahoo.ATTEMPTS, wait
                )
                yahoo._sleep(wait)
    reason = f"the network is unavailable ({yahoo.ATTEMPTS} attempts, last error: {failure})"
    return dict.fromkeys(batch, reason)


def _serve(frame: pd.DataFrame, lo: dt.date, hi: dt.date):
    """A download function answering from a batch's rows inside ``lo..hi``, from Yahoo outside it."""
    index = pd.DatetimeIndex(frame.index)
    days = (index.tz_localize(None) if index.tz is not None else index).normalize()

    def fetch(ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        if start < lo or end > hi:  # a full refetch after a revision: beyond what the batch brought
            return yahoo.download(ticker, start, end)
        return frame[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]

    return fetch
