"""Causal technical indicators as pure functions of price series.

Each value at date t uses bars up to and including t only: truncating the
series after t leaves it unchanged. Nothing here shifts backwards or fills
from the future; warm-up values are NaN.

The element-wise arithmetic runs on numpy arrays; pandas is used only for its
compiled rolling and exponential kernels (never a cumulative sum that drifts)
and at the boundary. Series of a few thousand bars spend most of their time in
pandas' per-operation overhead (~20x numpy's for a division), which this avoids.
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
    "relative",
    "rolling_volatility",
    "rsi_wilder",
    "sma_ratio",
    "stochastic",
    "true_range",
    "vwap_ratio",
    "wilder_mean",
]


def _values(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64")


def _lag(values: np.ndarray, periods: int) -> np.ndarray:
    """``values`` delayed by ``periods`` >= 0 bars, NaN at the start."""
    out = np.full(values.shape, np.nan)
    if periods < len(values):
        out[periods:] = values[: len(values) - periods]
    return out


def _trailing(values: np.ndarray, window: int, statistic: str, **kwargs) -> np.ndarray:
    """pandas' rolling ``statistic`` (mean, sum, std, min, max) over ``window`` bars; NaN until full.

    A window holding a NaN gives NaN (``min_periods=window``). pandas' compiled
    rolling kernels are exact online updates and faster than reductions over
    strided views; only this call goes through pandas.
    """
    rolling = pd.Series(values, copy=False).rolling(window, min_periods=window)
    return getattr(rolling, statistic)(**kwargs).to_numpy()


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerator / denominator


def pct_return(close: pd.Series, periods: int = 1) -> pd.Series:
    """Simple return over ``periods`` bars: ``close_t / close_{t-periods} - 1``."""
    values = _values(close)
    return pd.Series(_divide(values, _lag(values, periods)) - 1.0, index=close.index, copy=False)


def relative(numerator: pd.Series, denominator: pd.Series, lag: int = 0) -> pd.Series:
    """``numerator_t / denominator_{t-lag} - 1`` (e.g. the overnight gap: open over the previous close)."""
    ratio = _divide(_values(numerator), _lag(_values(denominator), lag)) - 1.0
    return pd.Series(ratio, index=numerator.index, copy=False)


def sma_ratio(close: pd.Series, window: int) -> pd.Series:
    """Close against its simple moving average: ``close / SMA(window) - 1``."""
    return ratio_to_mean(close, window)


def ratio_to_mean(series: pd.Series, window: int) -> pd.Series:
    """A series against its own trailing mean: ``x / SMA(x, window) - 1``."""
    values = _values(series)
    return pd.Series(_divide(values, _trailing(values, window, "mean")) - 1.0, index=series.index, copy=False)


def rolling_volatility(close: pd.Series, window: int) -> pd.Series:
    """Sample standard deviation (ddof 1) of 1-day returns over ``window`` bars."""
    values = _values(close)
    returns = _divide(values, _lag(values, 1)) - 1.0
    return pd.Series(_trailing(returns, window, "std", ddof=1), index=close.index, copy=False)


def rsi_wilder(close: pd.Series, window: int = 14) -> pd.Series:
    """Relative strength index with Wilder's smoothing (alpha = 1/window), 0-100.

    Average gain and loss are exponential averages with ``alpha = 1 / window``,
    seeded by the simple mean of the first ``window`` changes (Wilder, 1978).
    """
    values = _values(close)
    delta = values - _lag(values, 1)
    gains = np.where(delta > 0, delta, 0.0)
    losses = np.where(delta < 0, -delta, 0.0)
    # One exponential-mean call for both columns: pandas' per-call overhead dominates at this size.
    averages = wilder_mean(np.column_stack([gains, losses]), window)
    avg_gain, avg_loss = averages[:, 0], averages[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    rsi = np.where((avg_loss == 0) & ~np.isnan(avg_gain), 100.0, rsi)
    return pd.Series(rsi, index=close.index, name=f"rsi_{window}")


def wilder_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Wilder's running mean of ``values[1:]``: seeded by a simple mean, then alpha = 1/window.

    ``values[0]`` is the undefined first change (a difference has no value at
    the first bar); the seed at index ``window`` is the mean of changes
    ``1..window`` and each later value is ``prev + (x - prev) / window``.
    ``values`` may be 2-D (bars x series); each column is averaged on its own.
    """
    values = np.asarray(values, dtype="float64")
    out = np.full(values.shape, np.nan)
    if len(values) <= window:
        return out
    # From the seed on, y_i = y_{i-1} + (x_i - y_{i-1}) / window is an exponential mean with
    # alpha = 1/window started at the seed (adjust=False), computed by pandas in compiled code.
    tail = values[window:].copy()
    tail[0] = values[1 : window + 1].mean(axis=0)
    frame = pd.DataFrame(tail, copy=False) if tail.ndim == 2 else pd.Series(tail, copy=False)
    averaged = frame.ewm(alpha=1.0 / window, adjust=False).mean().to_numpy().reshape(len(tail), -1)
    # A missing value leaves the average unknown from there on (pandas would carry it over the gap).
    gone = np.maximum.accumulate(np.isnan(tail.reshape(len(tail), -1)), axis=0)
    out[window:] = np.where(gone, np.nan, averaged).reshape(tail.shape)
    return out


def ema(series: pd.Series, span: int) -> pd.Series:
    """Exponential moving average, alpha = 2 / (span + 1), NaN for the first ``span - 1`` bars.

    The recursion starts at the first bar (``adjust=False``), so each value
    depends only on the bars up to it.
    """
    return series.ewm(span=span, adjust=False, min_periods=span).mean()


def _ema(values: np.ndarray, span: int) -> np.ndarray:
    return ema(pd.Series(values, copy=False), span).to_numpy()


def macd(close: pd.Series, fast: int = 12, slow: int = 26, signal: int = 9) -> pd.DataFrame:
    """MACD line, signal line and histogram, each divided by the close (scale-free).

    ``macd = EMA(fast) - EMA(slow)``, ``signal = EMA(macd, signal)``,
    ``hist = macd - signal``; all three over ``close``.
    """
    values = _values(close)
    line = _ema(values, fast) - _ema(values, slow)
    signal_line = _ema(line, signal)
    return pd.DataFrame(
        {
            "macd": line / values,
            "macd_signal": signal_line / values,
            "macd_hist": (line - signal_line) / values,
        },
        index=close.index,
    )


def bollinger(close: pd.Series, window: int = 20, n_std: float = 2.0) -> pd.DataFrame:
    """Bollinger position ``(close - lower) / (upper - lower)`` and width ``(upper - lower) / middle``.

    Bands are ``SMA(window) +- n_std * std``, with the population standard
    deviation (ddof 0), as Bollinger defines them.
    """
    values = _values(close)
    middle = _trailing(values, window, "mean")
    spread = n_std * _trailing(values, window, "std", ddof=0)
    lower, upper = middle - spread, middle + spread
    return pd.DataFrame(
        {"bb_position": _divide(values - lower, upper - lower), "bb_width": _divide(upper - lower, middle)},
        index=close.index,
    )


def _true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    previous = _lag(close, 1)
    return np.maximum(high - low, np.maximum(np.abs(high - previous), np.abs(low - previous)))


def true_range(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.Series:
    """``max(high - low, |high - close_{t-1}|, |low - close_{t-1}|)``; NaN at the first bar."""
    values = _true_range(_values(high), _values(low), _values(close))
    return pd.Series(values, index=close.index, copy=False)


def atr_wilder(high: pd.Series, low: pd.Series, close: pd.Series, window: int = 14) -> pd.Series:
    """Average true range with Wilder's smoothing, divided by the close."""
    closes = _values(close)
    atr = wilder_mean(_true_range(_values(high), _values(low), closes), window)
    return pd.Series(atr / closes, index=close.index, copy=False)


def stochastic(
    high: pd.Series, low: pd.Series, close: pd.Series, window: int = 14, smooth: int = 3
) -> pd.DataFrame:
    """Fast stochastic oscillator, 0-100.

    ``%K = 100 * (close - LL) / (HH - LL)`` over the last ``window`` highs and
    lows; ``%D = SMA(%K, smooth)``.
    """
    lowest = _trailing(_values(low), window, "min")
    highest = _trailing(_values(high), window, "max")
    k = 100.0 * _divide(_values(close) - lowest, highest - lowest)
    return pd.DataFrame({"stoch_k": k, "stoch_d": _trailing(k, smooth, "mean")}, index=close.index)


def vwap_ratio(
    high: pd.Series, low: pd.Series, close: pd.Series, volume: pd.Series, window: int = 20
) -> pd.Series:
    """Close against the rolling volume-weighted average of the typical price, minus 1.

    ``VWAP = sum(tp * volume) / sum(volume)`` over ``window`` bars with
    ``tp = (high + low + close) / 3``.
    """
    closes, volumes = _values(close), _values(volume)
    typical = (_values(high) + _values(low) + closes) / 3.0
    vwap = _divide(_trailing(typical * volumes, window, "sum"), _trailing(volumes, window, "sum"))
    return pd.Series(_divide(closes, vwap) - 1.0, index=close.index, copy=False)


def log_change(series: pd.Series, periods: int = 1) -> pd.Series:
    """Change of ``log(1 + x)`` over ``periods`` bars (defined for zero volume)."""
    logged = np.log1p(_values(series))
    return pd.Series(logged - _lag(logged, periods), index=series.index, copy=False)
