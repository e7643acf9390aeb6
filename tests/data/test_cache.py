"""The parquet price cache: round trip, metadata, atomic replacement."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from alphacheck import paths
from alphacheck.data import cache as cache_module
from alphacheck.data.cache import ADJUSTMENT, PriceCache
from alphacheck.exceptions import DataError


def raw_frame(n: int = 5, base: float = 100.0) -> pd.DataFrame:
    dates = pd.DatetimeIndex(list(pd.bdate_range("2021-03-01", periods=n)), name="date").astype(
        "datetime64[ns]"
    )
    close = [base + i for i in range(n)]
    return pd.DataFrame(
        {
            "open": close,
            "high": [c + 1 for c in close],
            "low": [c - 1 for c in close],
            "close": close,
            "adj_close": [c / 2 for c in close],
            "volume": [10.0] * n,
        },
        index=dates,
    )


def test_home_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "custom"))
    assert paths.alphacheck_home() == tmp_path / "custom"
    assert PriceCache().root == tmp_path / "custom" / "prices"
    monkeypatch.delenv("ALPHACHECK_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.alphacheck_home() == tmp_path / "xdg" / "alphacheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert paths.alphacheck_home() == Path.home() / ".cache" / "alphacheck"


def test_round_trip_keeps_values_and_metadata():
    cache = PriceCache()
    frame = raw_frame()
    cache.write("spy", frame, "yahoo", (dt.date(2021, 2, 27), dt.date(2021, 3, 7)))
    entry = cache.read("SPY")
    pd.testing.assert_frame_equal(entry.frame, frame)
    meta = entry.meta
    assert (meta.ticker, meta.source, meta.adjustment) == ("SPY", "yahoo", ADJUSTMENT)
    assert (meta.first, meta.last, meta.rows) == ("2021-03-01", "2021-03-05", 5)
    assert entry.covered == (dt.date(2021, 2, 27), dt.date(2021, 3, 7))
    assert dt.datetime.fromisoformat(meta.fetched_at).tzinfo is not None
    assert cache.tickers() == ["SPY"]


def test_tickers_with_special_characters_get_safe_file_names():
    cache = PriceCache()
    cache.write("^GSPC", raw_frame(), "yahoo", (dt.date(2021, 3, 1), dt.date(2021, 3, 5)))
    assert cache.path("^GSPC").name == "%5EGSPC.parquet"
    assert cache.tickers() == ["^GSPC"]
    assert cache.read("^gspc").meta.ticker == "^GSPC"


def test_an_interrupted_write_leaves_the_previous_file_intact(monkeypatch):
    cache = PriceCache()
    old = raw_frame(base=100.0)
    cache.write("SPY", old, "yahoo", (dt.date(2021, 3, 1), dt.date(2021, 3, 5)))
    before = cache.path("SPY").read_bytes()

    def crash_half_way(table, path):
        Path(path).write_bytes(b"PAR1 partial")  # some bytes reach the disk, then the process dies
        raise OSError("disk full")

    monkeypatch.setattr(cache_module, "_write_table", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        cache.write("SPY", raw_frame(n=8, base=200.0), "yahoo", (dt.date(2021, 3, 1), dt.date(2021, 3, 10)))
    assert cache.path("SPY").read_bytes() == before
    pd.testing.assert_frame_equal(cache.read("SPY").frame, old)
    assert sorted(p.name for p in cache.root.iterdir()) == ["SPY.parquet"]  # no temporary file left


def test_an_unreadable_cache_file_names_the_file_and_the_fix():
    cache = PriceCache()
    cache.root.mkdir(parents=True, exist_ok=True)
    cache.path("SPY").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"cache file .*SPY.parquet is unreadable .*delete it and run"):
        cache.read("SPY")
