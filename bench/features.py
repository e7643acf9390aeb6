"""Speed of the advanced feature set against a plain pandas implementation of the same indicators.

Both run in the same process on the same synthetic prices (random-walk OHLCV,
``--days`` bars per ticker), ticker by ticker, as a user computing features for
a universe would. Timings are measured on ``--tickers`` tickers (a subset of the
target universe), repeated ``--repeat`` times with the two implementations
taking turns (best kept), reported per million bars and extrapolated to
``--universe`` tickers (the work is per ticker, so it scales linearly). Before timing, the two
implementations are checked to agree (after the EMA seeds have decayed), so the
comparison is like for like.

    .venv/bin/python bench/features.py --tickers 20 --days 5000 --universe 500 --repeat 5

Exits non-zero when alphacheck is slower than plain pandas.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from alphacheck.features import FEATURE_SETS, compute_features


def synthetic_universe(n_tickers: int, n_days: int, seed: int = 0) -> list[pd.DataFrame]:
    """Random-walk OHLCV frames in the Prices convention."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2000-01-03", periods=n_days, name="date")
    frames = []
    for _ in range(n_tickers):
        close = 50 * np.exp(np.cumsum(rng.normal(0.0002, 0.015, n_days)))
        open_ = close * np.exp(rng.normal(0, 0.004, n_days))
        high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n_days))
        low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n_days))
        volume = rng.integers(100_000, 5_000_000, n_days).astype("float64")
        frames.append(
            pd.DataFrame(
                {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=dates
            )
        )
    return frames


def plain_pandas_advanced(p: pd.DataFrame) -> pd.DataFrame:
    """The 33 advanced indicators written the usual pandas way (the baseline)."""
    o, h, l, c, v = p["open"], p["high"], p["low"], p["close"], p["volume"]
    ret = c.pct_change(fill_method=None)
    f = {"ret_1": ret}
    for w in (3, 5, 10, 20):
        f[f"mom_{w}"] = c.pct_change(w, fill_method=None)
    for w in (5, 10, 20):
        f[f"vol_{w}"] = ret.rolling(w).std()
    for w in (5, 10, 20):
        f[f"vol_{w}_vs_50"] = f[f"vol_{w}"] / f[f"vol_{w}"].rolling(50).mean() - 1
    f["volume_vs_20"] = v / v.rolling(20).mean() - 1
    flow = c * v
    f["money_flow_vs_20"] = flow / flow.rolling(20).mean() - 1
    f["hl_range"] = (h - l) / c
    f["close_vs_high"] = c / h - 1
    f["close_vs_low"] = c / l - 1
    f["gap"] = o / c.shift(1) - 1
    f["intraday"] = c / o - 1
    for w in (10, 20, 50):
        f[f"close_sma_{w}"] = c / c.rolling(w).mean() - 1
    delta = c.diff()
    gain, loss = delta.clip(lower=0), -delta.clip(upper=0)
    for w in (9, 14, 21):
        avg_gain = gain.ewm(alpha=1 / w, adjust=False, min_periods=w).mean()
        avg_loss = loss.ewm(alpha=1 / w, adjust=False, min_periods=w).mean()
        f[f"rsi_{w}"] = 100 - 100 / (1 + avg_gain / avg_loss)
    line = (
        c.ewm(span=12, adjust=False, min_periods=12).mean()
        - c.ewm(span=26, adjust=False, min_periods=26).mean()
    )
    signal = line.ewm(span=9, adjust=False, min_periods=9).mean()
    f["macd"], f["macd_signal"], f["macd_hist"] = line / c, signal / c, (line - signal) / c
    mid, sd = c.rolling(20).mean(), c.rolling(20).std(ddof=0)
    upper, lower = mid + 2 * sd, mid - 2 * sd
    f["bb_position"], f["bb_width"] = (c - lower) / (upper - lower), (upper - lower) / mid
    tp = (h + l + c) / 3
    f["close_vwap_20"] = c / ((tp * v).rolling(20).sum() / v.rolling(20).sum()) - 1
    prev = c.shift(1)
    tr = pd.concat([h - l, (h - prev).abs(), (l - prev).abs()], axis=1).max(axis=1)
    f["atr_14"] = tr.ewm(alpha=1 / 14, adjust=False, min_periods=14).mean() / c
    lowest, highest = l.rolling(14).min(), h.rolling(14).max()
    f["stoch_k"] = 100 * (c - lowest) / (highest - lowest)
    f["stoch_d"] = f["stoch_k"].rolling(3).mean()
    return pd.DataFrame(f, index=p.index)


def best_seconds(functions: dict, frames: list[pd.DataFrame], repeat: int) -> dict[str, float]:
    """Best wall time of ``repeat`` passes over all frames, per function.

    Time is this process's CPU time (``time.process_time``): on shared cores
    wall time mostly measures the other processes. The functions take turns
    within each pass, so what load remains (caches) hits both alike.
    """
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.process_time()
            for frame in frames:
                function(frame)
            best[name] = min(best[name], time.process_time() - started)
    return best


def check_same_indicators(frame: pd.DataFrame) -> None:
    """Both implementations agree once the different EMA/Wilder seeds have decayed (after 500 bars)."""
    ours = compute_features(frame, "advanced")
    plain = plain_pandas_advanced(frame)[list(FEATURE_SETS["advanced"])]
    np.testing.assert_allclose(ours.iloc[500:].to_numpy(), plain.iloc[500:].to_numpy(), rtol=1e-8, atol=1e-10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickers", type=int, default=20, help="tickers actually timed")
    parser.add_argument("--days", type=int, default=5000, help="bars per ticker")
    parser.add_argument("--universe", type=int, default=500, help="tickers to extrapolate to")
    parser.add_argument("--repeat", type=int, default=3, help="passes; the best is kept")
    args = parser.parse_args()
    frames = synthetic_universe(args.tickers, args.days)
    check_same_indicators(frames[0])
    for function in (compute_features, plain_pandas_advanced):  # warm caches and lazy imports
        function(frames[0])
    functions = {
        "alphacheck": lambda f: compute_features(f, "advanced"),
        "plain pandas": plain_pandas_advanced,
    }
    seconds = best_seconds(functions, frames, args.repeat)
    ours, plain = seconds["alphacheck"], seconds["plain pandas"]
    million_bars = args.tickers * args.days / 1e6
    universe_million_bars = args.universe * args.days / 1e6
    print(
        f"advanced set (33 features), {args.tickers} tickers x {args.days} days = {million_bars:.2f} M bars, "
        f"best of {args.repeat}, CPU seconds"
    )
    for name, elapsed in seconds.items():
        per_million = elapsed / million_bars
        print(
            f"  {name:<13} {per_million:7.3f} s per M bars  -> {args.universe} tickers x {args.days} days: "
            f"{per_million * universe_million_bars:6.1f} s"
        )
    print(f"  ratio alphacheck / plain pandas: {ours / plain:.2f}")
    return 0 if ours <= plain else 1


if __name__ == "__main__":
    raise SystemExit(main())
