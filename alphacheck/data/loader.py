"""Load the prices a scenario asks for: dispatch on the source, validate, align."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from alphacheck.data.align import align_calendars
from alphacheck.data.cache import PriceCache
from alphacheck.data.prices import normalise_ohlcv
from alphacheck.data.sample import SAMPLE_KNOWN_FINDINGS, SAMPLE_TICKERS, load_sample
from alphacheck.data.validation import ValidationReport, check_prices, format_dates
from alphacheck.exceptions import DataError, did_you_mean
from alphacheck.scenarios.schema import DataConfig

__all__ = ["load_prices", "load_ticker"]

log = logging.getLogger(__name__)


def load_prices(config: DataConfig, cache: PriceCache | None = None) -> dict[str, pd.DataFrame]:
    """Return validated prices per ticker, cut to the configured dates and aligned.

    Each ticker's data is validated on every load: structural problems raise,
    suspicious data gets one :class:`~alphacheck.exceptions.DataWarning` per
    ticker (known findings of the embedded sample are only logged). With
    ``config.align == "common"`` the frames keep only the days every ticker
    traded; the dropped days are logged as a warning.

    Parameters
    ----------
    config
        The scenario's ``data`` block.
    cache
        The price cache for source ``yahoo`` (default: the one in the alphacheck home).

    Raises
    ------
    DataError
        When a ticker is unknown, a file is missing or broken, the date range
        leaves no rows, or (offline) the cache lacks dates.
    """
    prices = {}
    for ticker in config.tickers:
        frame, report = load_ticker(ticker, config, cache)
        _report_findings(report, config.source)
        first, last = frame.index[0].date(), frame.index[-1].date()
        log.info("%s: %d bars %s to %s", report.ticker, len(frame), first, last)
        prices[report.ticker] = frame
    aligned, dropped = align_calendars(prices, config.align)
    lost = {ticker: days for ticker, days in dropped.items() if len(days)}
    if lost:
        common = len(next(iter(aligned.values())))
        what = "; ".join(f"{t}: {len(d)} days ({format_dates(d, 3)})" for t, d in lost.items())
        log.warning("aligned %d tickers to %d common days; dropped %s", len(aligned), common, what)
    return aligned


def load_ticker(
    ticker: str, config: DataConfig, cache: PriceCache | None = None
) -> tuple[pd.DataFrame, ValidationReport]:
    """One ticker's prices from the configured source, cut to the dates, with its validation report.

    Raises
    ------
    DataError
        As :func:`load_prices`; structural problems are raised, warnings are only reported.
    """
    ticker = ticker.upper()
    start = pd.Timestamp(config.start) if config.start else None
    end = pd.Timestamp(config.end) if config.end else None
    frame = _from_source(ticker, config, cache).loc[start:end]
    if frame.empty:
        raise DataError(
            f"{ticker}: no prices between {config.start} and {config.end} in source {config.source!r}"
        )
    report = check_prices(frame, ticker)
    report.raise_errors()
    return frame, report


def _from_source(ticker: str, config: DataConfig, cache: PriceCache | None) -> pd.DataFrame:
    if config.source == "sample":
        return load_sample(ticker) if ticker in SAMPLE_TICKERS else _from_cache(ticker, cache or PriceCache())
    if config.source == "yahoo":
        from alphacheck.data.yahoo import load_yahoo

        cache = cache or PriceCache()
        start, end = _yahoo_dates(ticker, config, cache)
        return normalise_ohlcv(load_yahoo(ticker, start, end, cache), ticker)
    from alphacheck.data.files import read_price_file

    return normalise_ohlcv(read_price_file(_csv_path(ticker, config), ticker), ticker)


def _from_cache(ticker: str, cache: PriceCache) -> pd.DataFrame:
    """A ticker the embedded sample lacks, by name from the price cache (imported or fetched), as it is."""
    entry = cache.read(ticker)
    if entry is None:
        known = [*SAMPLE_TICKERS, *cache.tickers()]
        raise DataError(
            f"unknown ticker {ticker!r} for source 'sample'{did_you_mean(ticker, known)}: neither the "
            f"embedded sample ({', '.join(SAMPLE_TICKERS)}) nor the price cache at {cache.root} holds it; "
            f"run `alphacheck data import FILE --ticker {ticker}` or "
            f"`alphacheck data fetch {ticker} --start YYYY-MM-DD`"
        )
    meta = entry.meta
    log.info("%s: from the price cache (%s, %s to %s)", ticker, meta.source, meta.first, meta.last)
    return normalise_ohlcv(entry.frame, ticker)


def _yahoo_dates(ticker: str, config: DataConfig, cache: PriceCache) -> tuple[dt.date, dt.date | None]:
    """The dates to ask Yahoo for: the scenario's, else those the cache holds.

    Without ``data.start`` a cached ticker starts where its cache does. Without
    ``data.end`` a cached ticker ends where its cache does: the days since are
    downloaded only when asked for (``--update``, or an explicit ``data.end``).
    An uncached ticker needs ``data.start`` and runs to yesterday.
    """
    entry = cache.read(ticker)
    if entry is None:
        if config.start is None:
            raise DataError(
                f"source 'yahoo' needs data.start for {ticker}, which the price cache at {cache.root} "
                f"does not hold: give --start YYYY-MM-DD (the first date to download), e.g. 2018-01-01, "
                f"or import a file with `alphacheck data import FILE --ticker {ticker}`"
            )
        return config.start, config.end
    covered_start, covered_end = entry.covered
    start = config.start or covered_start
    end = config.end or (covered_end if start <= covered_end else None)
    return start, end


def _csv_path(ticker: str, config: DataConfig) -> Path:
    named = {t.upper(): p for t, p in config.files.items()}
    if ticker in named:
        return Path(named[ticker])
    candidates = [config.directory / f"{ticker}{suffix}" for suffix in (".csv", ".parquet")]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(
        f"{ticker}: no price file {candidates[0]} or {candidates[1].name} for source 'csv'; "
        f"put the file there or name it under data.files"
    )


def _report_findings(report: ValidationReport, source: str) -> None:
    known = SAMPLE_KNOWN_FINDINGS.get(report.ticker, {}) if source == "sample" else {}
    unknown = ValidationReport(report.ticker)
    for finding in report.warnings:
        known_dates = {pd.Timestamp(d) for d in known.get(finding.rule, ())}
        if finding.dates and set(finding.dates) <= known_dates:
            log.info("%s: known in the embedded sample: %s", report.ticker, finding.message)
        else:
            unknown.findings.append(finding)
    unknown.warn(stacklevel=3)  # points at the caller of load_prices
