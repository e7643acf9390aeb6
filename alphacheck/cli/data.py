"""``alphacheck data``: fetch, import, list and inspect cached prices."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from alphacheck.cli.options import echo_json, json_option
from alphacheck.exceptions import AlphacheckError

__all__ = ["data"]


def _user_errors(command: Callable) -> Callable:
    """Turn alphacheck's errors into one line and a non-zero exit."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AlphacheckError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log each download and cache decision.")
def data(verbose: bool) -> None:
    """Fetch, import, list and inspect the price cache (ALPHACHECK_HOME/prices).

    A scenario with `source: yahoo` reads this cache first and downloads only
    the dates it lacks; imported files make such a scenario run offline.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@data.command()
@click.argument("tickers", nargs=-1)
@click.option(
    "--tickers-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A universe file: one symbol a line, '#' comments. Fetched in batches; rerun to resume.",
)
@click.option("--start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First date, YYYY-MM-DD.")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last date, YYYY-MM-DD (default: yesterday).")
@click.option(
    "--batch-size",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Symbols per request to Yahoo with --tickers-file.",
)
@_user_errors
def fetch(
    tickers: tuple[str, ...],
    tickers_file: Path | None,
    start: dt.datetime,
    end: dt.datetime | None,
    batch_size: int,
) -> None:
    """Download TICKERS (or a --tickers-file universe) from Yahoo Finance into the cache.

    Only the dates the cache lacks are downloaded. With --tickers-file the
    symbols go to Yahoo in batches, tickers already cached are skipped (so a
    stopped fetch resumes), and a summary names every ticker that failed; the
    exit status is 1 when any did.
    """
    if bool(tickers) == bool(tickers_file):
        raise click.UsageError("give TICKERS or --tickers-file FILE (one of them)")
    if tickers_file is not None:
        _fetch_universe(tickers_file, start.date(), end.date() if end else None, batch_size)
        return
    from alphacheck.data.cache import PriceCache
    from alphacheck.data.prices import normalise_ohlcv
    from alphacheck.data.validation import check_prices
    from alphacheck.data.yahoo import last_complete_day, update_cache

    cache = PriceCache()
    last = last_complete_day(end.date() if end else None)
    rows, notes = [], []
    for ticker in tickers:
        result = update_cache(ticker, start.date(), last, cache)
        meta = result.entry.meta
        rows.append(
            (meta.ticker, meta.source, meta.first, meta.last, str(meta.rows), str(result.downloaded_rows))
        )
        report = check_prices(normalise_ohlcv(result.entry.frame, meta.ticker), meta.ticker)
        notes.extend(f"  warning: {meta.ticker}: {finding.message}" for finding in report.warnings)
    click.echo(_table(("ticker", "source", "first", "last", "rows", "downloaded"), rows))
    for note in notes:
        click.echo(note, err=True)


def _fetch_universe(path: Path, start: dt.date, end: dt.date | None, batch_size: int) -> None:
    from alphacheck.data.batch import fetch_universe
    from alphacheck.scenarios.universe import read_tickers_file

    symbols = read_tickers_file(path)

    def progress(done) -> None:
        summary = done.summary
        click.echo(
            f"batch {done.batch}/{done.batches}: {len(done.tickers)} tickers; so far "
            f"{len(summary.downloaded)} downloaded, {len(summary.failed)} failed",
            err=True,
        )

    summary = fetch_universe(symbols, start, end, batch_size=batch_size, on_batch=progress)
    rows = sum(summary.downloaded.values())
    click.echo(
        f"{len(symbols)} tickers from {path}: {len(summary.cached)} already cached, "
        f"{len(summary.downloaded)} downloaded ({rows} rows), {len(summary.failed)} failed"
    )
    if summary.failed:
        for ticker, reason in summary.failed.items():
            click.echo(f"  failed: {ticker}: {reason}")
        click.echo(f"rerun the same command to retry the {len(summary.failed)} failed tickers")
        raise SystemExit(1)


@data.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--ticker", help="Ticker to store the file under (default: the file name, e.g. SPY.csv -> SPY)."
)
@_user_errors
def import_(files: tuple[Path, ...], ticker: str | None) -> None:
    """Validate price files (CSV as yfinance writes it, or parquet) and put them in the cache."""
    from alphacheck.data.cache import PriceCache
    from alphacheck.data.files import read_price_file, ticker_from_path
    from alphacheck.data.prices import normalise_ohlcv, validate_prices
    from alphacheck.data.validation import check_prices

    if ticker and len(files) > 1:
        raise click.UsageError(
            "--ticker names one file's ticker; import several files one at a time, or name them"
        )
    cache = PriceCache()
    for path in files:
        name = (ticker or ticker_from_path(path)).upper()
        raw = read_price_file(path, name)
        validate_prices(raw, name)
        report = check_prices(normalise_ohlcv(raw, name), name)
        replaced = _replaced(cache, name)
        entry = cache.write(name, raw, f"import:{path.name}", (raw.index[0].date(), raw.index[-1].date()))
        click.echo(
            f"{name}: {entry.meta.rows} rows {entry.meta.first} to {entry.meta.last} from {path}{replaced}"
        )
        for finding in report.warnings:
            click.echo(f"  warning: {finding.message}", err=True)


def _replaced(cache, name: str) -> str:
    """What an import replaces, for its line: an entry, an unreadable file, or nothing."""
    from alphacheck.exceptions import DataError

    try:
        previous = cache.read(name)
    except DataError as exc:  # a corrupt entry is what an import is for: replace it
        return f" (replaced an unreadable cache file: {exc})"
    if previous is None:
        return ""
    return f" (replaced {previous.meta.source}, {previous.meta.first} to {previous.meta.last})"


@data.command(name="list")
@json_option
@_user_errors
def list_(as_json: bool) -> None:
    """List the cached tickers: source, first and last date, rows, when fetched.

    An unreadable entry is listed as such, with how to replace it; the others are listed all the same.
    """
    from alphacheck.data.cache import PriceCache
    from alphacheck.exceptions import DataError

    cache = PriceCache()
    rows, broken, records = [], [], []
    for name in cache.tickers():
        try:
            meta = cache.read(name).meta
        except DataError as exc:
            rows.append((name, "UNREADABLE", "-", "-", "-", "-"))
            broken.append(str(exc))
            records.append({"ticker": name, "error": str(exc)})
            continue
        rows.append((meta.ticker, meta.source, meta.first, meta.last, str(meta.rows), meta.fetched_at))
        records.append({"ticker": meta.ticker, "source": meta.source, "first": meta.first, "last": meta.last,
                        "rows": meta.rows, "fetched_at": meta.fetched_at})
    if as_json:
        echo_json(records)
        return
    if not rows:
        click.echo(
            f"no cached prices in {cache.root}; use `alphacheck data fetch` or `alphacheck data import`"
        )
        return
    click.echo(_table(("ticker", "source", "first", "last", "rows", "fetched_at"), rows))
    for message in broken:
        click.echo(f"warning: {message}", err=True)


@data.command()
@click.argument("ticker")
@click.option(
    "--from",
    "source",
    type=click.Choice(["cache", "sample"]),
    help="Read TICKER from the price cache or the embedded sample (default: the cache, else the sample).",
)
@click.option(
    "--rows", default=5, show_default=True, type=click.IntRange(min=1), help="Rows shown at each end."
)
@_user_errors
def show(ticker: str, source: str | None, rows: int) -> None:
    """Show TICKER's first and last rows (adjusted prices) and its validation report."""
    import pandas as pd

    from alphacheck.data.validation import check_prices

    prices, origin = _read_for_show(ticker.upper(), source)
    report = check_prices(prices, ticker.upper())
    click.echo(f"{ticker.upper()}: {origin}")
    with pd.option_context("display.width", 120, "display.max_columns", 10):
        click.echo(prices.head(rows).to_string())
        click.echo("...")
        click.echo(prices.tail(rows).rename_axis(None).to_string(header=False))
    if not report.findings:
        click.echo("validation: no findings")
    for finding in report.findings:
        click.echo(f"{finding.severity}: {finding.message}")


def _read_for_show(ticker: str, source: str | None):
    from alphacheck.data.cache import PriceCache
    from alphacheck.data.prices import normalise_ohlcv
    from alphacheck.data.sample import SAMPLE_TICKERS, load_sample
    from alphacheck.exceptions import DataError, did_you_mean

    cache = PriceCache()
    entry = cache.read(ticker) if source in (None, "cache") else None
    if entry is not None:
        meta = entry.meta
        origin = (
            f"{meta.rows} rows {meta.first} to {meta.last}, source {meta.source}, fetched {meta.fetched_at}, "
            f"{cache.path(ticker)}"
        )
        return normalise_ohlcv(entry.frame, ticker), origin
    if source == "sample" or (source is None and ticker in SAMPLE_TICKERS):
        prices = load_sample(ticker)
        return prices, f"{len(prices)} rows, embedded sample"
    known = cache.tickers() + list(SAMPLE_TICKERS)
    raise DataError(
        f"{ticker} is not in the cache at {cache.root}{did_you_mean(ticker, known)}; "
        f"run `alphacheck data fetch {ticker} --start YYYY-MM-DD` or `alphacheck data import FILE`"
    )


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *rows]
    ]
    return "\n".join(lines)
