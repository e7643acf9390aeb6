"""Price files: CSV in the layout yfinance writes, and parquet.

Accepted CSV layouts: the classic one (``Date,Open,High,Low,Close,Adj
Close,Volume``) and the three-line header that recent yfinance versions write
for ``download(...).to_csv()`` (``Price,...`` / ``Ticker,...`` / ``Date,,,``).
Parquet files hold the same columns (any case), with the date as index or as a
``Date`` column. Rows are kept in file order so validation can report
unsorted or duplicate dates instead of hiding them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from alphacheck.data.cache import RAW_COLUMNS
from alphacheck.data.dates import parse_dates
from alphacheck.exceptions import DataError

__all__ = ["read_price_file", "ticker_from_path", "to_raw_frame"]

log = logging.getLogger(__name__)

_SUFFIXES = (".csv", ".parquet", ".pq")


def ticker_from_path(path: Path) -> str:
    """The ticker a file is named after: ``data/SPY.csv`` -> ``SPY``."""
    return Path(path).stem.upper()


def read_price_file(path: Path, ticker: str | None = None) -> pd.DataFrame:
    """Read a price file into a raw frame with :data:`RAW_COLUMNS`, in file order.

    Parameters
    ----------
    path
        A ``.csv`` or ``.parquet`` file.
    ticker
        Name used in messages (default: from the file name).

    Returns
    -------
    DataFrame
        Indexed by tz-naive dates named ``date``. Without an ``Adj Close``
        column the close is used as given (no dividend adjustment), with a
        log note.

    Raises
    ------
    DataError
        When the file is missing, of an unknown kind, or lacks a price column.
    """
    path = Path(path)
    ticker = ticker or ticker_from_path(path)
    if not path.is_file():
        raise DataError(f"price file {path} not found; give the path of a .csv or .parquet file")
    if path.suffix.lower() not in _SUFFIXES:
        raise DataError(f"price file {path}: unknown kind {path.suffix!r}; use one of {', '.join(_SUFFIXES)}")
    try:
        frame = _read_parquet(path) if path.suffix.lower() != ".csv" else _read_csv(path)
    except (ValueError, OSError, KeyError) as exc:
        raise DataError(
            f"price file {path}: cannot be read ({exc}); expected the layout yfinance writes"
        ) from None
    return to_raw_frame(frame, f"price file {path}", ticker)


def to_raw_frame(frame: pd.DataFrame, where: str, ticker: str) -> pd.DataFrame:
    """Bring a yfinance-layout frame to :data:`RAW_COLUMNS` and a tz-naive ``date`` index.

    Parameters
    ----------
    frame
        Columns ``Open High Low Close [Adj Close] Volume`` in any case, indexed by date.
    where
        Where the frame came from, for messages (a file, a download).
    ticker
        Name used in messages.

    Raises
    ------
    DataError
        When a price column is missing, a date cannot be read, or the file's
        day/month order is ambiguous. Timezone-aware dates (offsets that change
        with daylight saving included) become exchange-local days.
    """
    frame = frame.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    if "adj_close" not in frame.columns and "close" in frame.columns:
        log.info(
            "%s: %s has no Adj Close column; prices are used as given (not dividend adjusted)", ticker, where
        )
        frame = frame.assign(adj_close=frame["close"])
    missing = [c for c in RAW_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: missing columns {missing}; found {list(frame.columns)}; "
            "expected Date,Open,High,Low,Close,Adj Close,Volume"
        )
    frame = frame.loc[:, list(RAW_COLUMNS)].apply(pd.to_numeric, errors="coerce").astype("float64")
    frame.index = parse_dates(frame.index, where)
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    with path.open() as handle:
        head = [handle.readline() for _ in range(3)]
    if head[0].lower().startswith("price,") and head[1].lower().startswith("ticker,"):
        # yfinance >= 0.2.51: column names on line 1, tickers on line 2, "Date,,," on line 3
        names = ["date", *[c.strip() for c in head[0].strip().split(",")[1:]]]
        return pd.read_csv(path, skiprows=3, header=None, names=names, index_col=0)
    return pd.read_csv(path, index_col=0)


def _read_parquet(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    lowered = {str(c).lower(): c for c in frame.columns}
    if "date" in lowered:
        frame = frame.set_index(lowered["date"])
    return frame
