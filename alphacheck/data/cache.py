"""The price cache: one parquet file per ticker, its metadata inside, written atomically.

A cached file holds the source's raw columns ``open high low close adj_close
volume`` (unadjusted OHLC plus the split- and dividend-adjusted close), so the
adjustment applied at load time is explicit and reproducible. The metadata
(source, fetched_at, adjustment, first/last date, the date range the source
was asked for) sits in the parquet schema, so data and metadata are replaced
together by one rename: a write goes to a temporary file in the same folder
and is renamed over the old file only once complete, so an interrupted write
leaves the previous file readable and intact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote, unquote

import pandas as pd

from alphacheck.exceptions import DataError
from alphacheck.paths import cache_subdir

try:
    import fcntl
except ImportError:  # Windows: stale temporary files are told by their age
    fcntl = None

__all__ = ["ADJUSTMENT", "RAW_COLUMNS", "CacheEntry", "CacheMeta", "PriceCache"]

log = logging.getLogger(__name__)

#: Columns of a cached raw frame (index: ``date``).
RAW_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")
#: What the cached columns are: stated in every file's metadata.
ADJUSTMENT = "raw OHLC (split-adjusted only) plus adj_close (split and dividend adjusted)"
_META_KEY = b"alphacheck"
_FORMAT_VERSION = 1
# Without file locks, a temporary file this old belongs to no live write.
_STALE_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class CacheMeta:
    """What a cached file holds and where it came from."""

    ticker: str
    source: str
    fetched_at: str
    adjustment: str
    first: str
    last: str
    covered_start: str
    covered_end: str
    rows: int
    version: int = _FORMAT_VERSION


@dataclass(frozen=True)
class CacheEntry:
    """A cached raw frame and its metadata."""

    frame: pd.DataFrame
    meta: CacheMeta

    @property
    def covered(self) -> tuple[dt.date, dt.date]:
        """The date range the source was asked for (data may start later or end earlier)."""
        return dt.date.fromisoformat(self.meta.covered_start), dt.date.fromisoformat(self.meta.covered_end)


class PriceCache:
    """Cached raw prices under ``root`` (default: ``prices/`` in the alphacheck home).

    Parameters
    ----------
    root
        Folder of the parquet files; created when first written.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_subdir("prices")

    def path(self, ticker: str) -> Path:
        """The file of one ticker (characters such as ``^`` are percent-encoded)."""
        return self.root / f"{quote(ticker.upper(), safe='-._=')}.parquet"

    def tickers(self) -> list[str]:
        """Tickers with a cached file, sorted; temporary files of killed writes are removed first."""
        if not self.root.is_dir():
            return []
        self.remove_stale_temporaries()
        return sorted(unquote(p.stem) for p in self.root.glob("*.parquet"))

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete the temporary files that killed writes left behind; return them.

        A write holds an exclusive lock on its temporary file until the rename,
        so a file that can be locked belongs to no live writer (the lock died
        with its process). Without ``fcntl`` (Windows), files older than an
        hour count as stale.
        """
        removed = []
        for path in self.root.glob(".*.tmp"):
            if _is_stale(path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
                    log.info("removed %s, left by an interrupted cache write", path)
        return removed

    def read(self, ticker: str) -> CacheEntry | None:
        """The cached entry of ``ticker``, or ``None`` when nothing is cached.

        Raises
        ------
        DataError
            When the file exists but cannot be read (name it and how to fix it).
        """
        import pyarrow.parquet as pq

        path = self.path(ticker)
        if not path.is_file():
            return None
        fix = f"delete it and run `alphacheck data fetch {ticker}` or `alphacheck data import FILE`"
        try:
            table = pq.read_table(path)
            meta = CacheMeta(**json.loads((table.schema.metadata or {})[_META_KEY]))
        except (OSError, ValueError, KeyError, TypeError) as exc:  # pyarrow's errors derive from these
            reason = f"no {_META_KEY.decode()} metadata" if isinstance(exc, KeyError) else str(exc)
            raise DataError(f"cache file {path} is unreadable ({reason}); {fix}") from None
        missing = [c for c in RAW_COLUMNS if c not in table.column_names]
        if missing:
            raise DataError(f"cache file {path} is unreadable (missing columns {missing}); {fix}")
        frame = table.to_pandas()
        try:
            frame.index = pd.DatetimeIndex(frame.index).astype("datetime64[ns]").rename("date")
            frame = frame.loc[:, list(RAW_COLUMNS)].astype("float64")
        except (TypeError, ValueError) as exc:
            raise DataError(f"cache file {path} is unreadable ({exc}); {fix}") from None
        return CacheEntry(frame, meta)

    def write(
        self, ticker: str, frame: pd.DataFrame, source: str, covered: tuple[dt.date, dt.date]
    ) -> CacheEntry:
        """Replace the cached frame of ``ticker`` atomically and return the new entry.

        Parameters
        ----------
        frame
            Raw prices with :data:`RAW_COLUMNS`, indexed by sorted unique dates.
        source
            Where the rows came from, e.g. ``"yahoo"`` or ``"import:SPY.csv"``.
        covered
            The date range the source was asked for.
        """
        frame = frame.loc[:, list(RAW_COLUMNS)].astype("float64")
        frame.index = pd.DatetimeIndex(frame.index).astype("datetime64[ns]").rename("date")
        meta = CacheMeta(
            ticker=ticker.upper(),
            source=source,
            fetched_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            adjustment=ADJUSTMENT,
            first=str(frame.index[0].date()),
            last=str(frame.index[-1].date()),
            covered_start=str(covered[0]),
            covered_end=str(covered[1]),
            rows=len(frame),
        )
        self._replace(self.path(ticker), frame, meta)
        return CacheEntry(frame, meta)

    def _replace(self, path: Path, frame: pd.DataFrame, meta: CacheMeta) -> None:
        import pyarrow as pa

        table = pa.Table.from_pandas(frame.rename_axis("date"), preserve_index=True)
        metadata = {**(table.schema.metadata or {}), _META_KEY: json.dumps(asdict(meta)).encode()}
        table = table.replace_schema_metadata(metadata)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.remove_stale_temporaries()
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            if fcntl is not None:  # held until the rename: marks the file as a live write
                fcntl.flock(handle, fcntl.LOCK_EX)
            _write_table(table, temporary)
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            os.replace(temporary, path)
        finally:
            os.close(handle)
            if os.path.exists(temporary):
                os.unlink(temporary)


def _is_stale(path: Path) -> bool:
    """True when no live write holds ``path`` (see :meth:`PriceCache.remove_stale_temporaries`)."""
    if fcntl is None:
        try:
            return time.time() - path.stat().st_mtime > _STALE_AFTER_SECONDS
        except FileNotFoundError:
            return False
    try:
        handle = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(handle)
    return True


def _write_table(table, path: str) -> None:
    """Write a parquet file (a seam: tests interrupt it to check atomicity)."""
    import pyarrow.parquet as pq

    pq.write_table(table, path)
