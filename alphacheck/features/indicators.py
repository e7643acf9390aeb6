"""Causal technical indicators as pure functions of price series.

Each value at date t uses bars up to and including t only: truncating the
series after t leaves it unchanged. Nothing here shifts backwards or fills
from the future; warm-up values are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "atr_wilder",
    "bollinger",
    "ema",
    "log_change",
    "macd",
    "pct_return",
    "ratio_to_mean",
    "rolling_volatility",
    "rsi_wilder",
    "sma_ratio",
    "stochastic",
    "true_range",
    "vwap_ratio",
    "wilder_mean",
]


def pct_return(close: pd.Series, periods: int = 1) -> pd.Series:
    """Simple return over ``periods`` bars: ``close_t / close_{t-periods} - 1``."""
    return close / close.shift(periods) - 1.0


def sma_ratio(close: pd.Series, window: int) -> pd.Series:
    """Close against its simple moving average: ``close / SMA(window) - 1``."""
    return close / close.rolling(window, min_periods=window).mean() - 1.0


def ratio_to_mean(series: pd.Series, window: int) -> pd.Series:
    """A series against its own trailing mean: ``x / SMA(x, window) - 1``."""
    return series / series.rolling(window, min_periods=window).mean() - 1.0


def rolling_volatility(close: pd.Series, window: int) -> pd.Series:
    """Sample standard deviation (ddof 1) of 1-day returns over ``window`` bars."""
    return pct_return(close, 1).rolling(window, min_periods=window).std()


def rsi_wilder(close: pd.Series, window: int = 14) -> pd.Series:
    """Relative strength index with Wilder's smoothing (alpha = 1/window), 0-100.

    Average gain and loss are exponential averages with ``alpha = 1 / window``,
    seeded by the simple mean of the first ``window`` changes (Wilder, 1978).
    """
    delta = close.diff().to_numpy()
    gains = np.where(delta > 0, delta, 0.0)
    losses = np.where(delta < 0, -delta, 0.0)
    avg_gain = wilder_mean(gains, window)
    avg_loss = wilder_mean(losses, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    rsi = np.where((avg_loss == 0) & ~np.isnan(avg_gain), 100.0, rsi)
    return pd.Series(rsi, index=close.index, name=f"rsi_{window}")


def wilder_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Wilder's running mean of ``values[1:]``: seeded by a simple mean, then alpha = 1/window.

    ``values[0]`` is the undefined first change (a difference has no value at
    the first bar); the seed at index ``window`` is the mean of changes
    ``1..window`` and each later value is ``prev + (x - prev) / window``.
    """
    values = np.asarray(values, dtype="float64")
    out = np.full(values.shape, np.nan)
    if len(values) <= window:
        return out
    seed = values[1 : window + 1].mean()
    out[window] = seed
    # From the seed on, y_i = y_{i-1} + (x_i - y_{i-1}) / window is an exponential mean with
    # alpha = 1/window started at the seed (adjust=False), computed by pandas in compiled code.
    tail = values[window:].copy()
    tail[0] = seed
    # A missing value leaves the average unknown from there on (pandas would carry it over the gap).
    missing = np.flatnonzero(np.isnan(tail))
    end = missing[0] if len(missing) else len(tail)
    out[window : window + end] = pd.Series(tail[:end]).ewm(alpha=1.0 / window, adjust=False).mean().to_numpy()
    return out


def ema(series: pd.Series, span: int) -> pd.Series:
    """Exponential moving average, alpha = 2 / (span + 1), NaN for the first ``span - 1`` bars.

    The recursion starts at the first bar (``adjust=False``), so each value
    depends only on the bars up to it.
    """
    return series.ewm(span=span, adjust=False, min_periods=span).mean()


def macd(close: pd.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> pd.DataFrame:
    """MACD line, signal line and histogram, each divided by the close (scale-free).

    ``macd = EMA(fast) - EMA(slow)``, ``signal = EMA(macd, signal)``,
    ``hist = macd - signal``; all three over ``close``.
    """
    line = ema(close, fast) - ema(close, slow)
    signal_line = ema(line, signal)
    return pd.DataFrame(
        {"macd": line / close, "macd_signal": signal_line / close, "macd_hist": (line - signal_line) / close},
        index=close.index,
    )


def bollinger(close: pd.Series, window: int = 20, n_std: float = 2.0) -> pd.DataFrame:
    """Bollinger position ``(close - lower) / (upper - lower)`` and width ``(upper - lower) / middle``.

    Bands are ``SMA(window) +- n_std * std``, with the population standard
    deviation (ddof 0), as Bollinger defines them.
    """
    rolling = close.rolling(window, min_periods=window)
    middle = rolling.mean()
    spread = n_std * rolling.std(ddof=0)
    lower, upper = middle - spread, middle + spread
    return pd.DataFrame(
        {"bb_position": (close - lower) / (upper - lower), "bb_width": (upper - lower) / middle},
        index=close.index,
    )


def true_range(prices: pd.DataFrame) -> pd.Series:
    """``max(high - low, |high - close_{t-1}|, |low - close_{t-1}|)``; NaN at the first bar."""
    previous = prices["close"].shift(1)
    ranges = pd.concat(
        [prices["high"] - prices["low"], (prices["high"] - previous).abs(), (prices["low"] - previous).abs()],
        axis=1,
    )
    return ranges.max(axis=1, skipna=False)


def atr_wilder(prices: pd.DataFrame, window: int = 14) -> pd.Series:
    """Average true range with Wilder's smoothing, divided by the close."""
    atr = wilder_mean(true_range(prices).to_numpy(), window)
    return pd.Series(atr, index=prices.index) / prices["close"]


def stochastic(prices: pd.DataFrame, window: int = 14, smooth: int = 3) -> pd.DataFrame:
    """Fast stochastic oscillator, 0-100.

    ``%K = 100 * (close - LL) / (HH - LL)`` over the last ``window`` highs and
    lows; ``%D = SMA(%K, smooth)``.
    """
    lowest = prices["low"].rolling(window, min_periods=window).min()
    highest = prices["high"].rolling(window, min_periods=window).max()
    k = 100.0 * (prices["close"] - lowest) / (highest - lowest)
    return pd.DataFrame({"stoch_k": k, "stoch_d": k.rolling(smooth, min_periods=smooth).mean()}, index=prices.index)


def vwap_ratio(prices: pd.DataFrame, window: int = 20) -> pd.Series:
    """Close against the rolling volume-weighted average of the typical price, minus 1.

    ``VWAP = sum(tp * volume) / sum(volume)`` over ``window`` bars with
    ``tp = (high + low + close) / 3``.
    """
    typical = (prices["high"] + prices["low"] + prices["close"]) / 3.0
    volume = prices["volume"]
    value = (typical * volume).rolling(window, min_periods=window).sum()
    vwap = value / volume.rolling(window, min_periods=window).sum()
    return prices["close"] / vwap - 1.0


def log_change(series: pd.Series, periods: int = 1) -> pd.Series:
    """Change of ``log(1 + x)`` over ``periods`` bars (defined for zero volume)."""
    logged = np.log1p(series.astype("float64"))
    return logged - logged.shift(periods)
