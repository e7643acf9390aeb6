"""Causal technical indicators as pure functions of price series.

Each value at date t uses bars up to and including t only: truncating the
series after t leaves it unchanged. Nothing here shifts backwards or fills
from the future; warm-up values are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["log_change", "pct_return", "rsi_wilder", "sma_ratio"]


def pct_return(close: pd.Series, periods: int = 1) -> pd.Series:
    """Simple return over ``periods`` bars: ``close_t / close_{t-periods} - 1``."""
    return close / close.shift(periods) - 1.0


def sma_ratio(close: pd.Series, window: int) -> pd.Series:
    """Close against its simple moving average: ``close / SMA(window) - 1``."""
    return close / close.rolling(window, min_periods=window).mean() - 1.0


def rsi_wilder(close: pd.Series, window: int = 14) -> pd.Series:
    """Relative strength index with Wilder's smoothing (alpha = 1/window), 0-100.

    Average gain and loss are exponential averages with ``alpha = 1 / window``,
    seeded by the simple mean of the first ``window`` changes (Wilder, 1978).
    """
    delta = close.diff().to_numpy()
    gains = np.where(delta > 0, delta, 0.0)
    losses = np.where(delta < 0, -delta, 0.0)
    avg_gain = _wilder_mean(gains, window)
    avg_loss = _wilder_mean(losses, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    rsi = np.where((avg_loss == 0) & ~np.isnan(avg_gain), 100.0, rsi)
    return pd.Series(rsi, index=close.index, name=f"rsi_{window}")


def _wilder_mean(values: np.ndarray, window: int) -> np.ndarray:
    # values[0] is the undefined first change; the seed is the mean of changes 1..window.
    out = np.full(values.shape, np.nan)
    if len(values) <= window:
        return out
    average = values[1 : window + 1].mean()
    out[window] = average
    for i in range(window + 1, len(values)):
        average += (values[i] - average) / window
        out[i] = average
    return out


def log_change(series: pd.Series, periods: int = 1) -> pd.Series:
    """Change of ``log(1 + x)`` over ``periods`` bars (defined for zero volume)."""
    logged = np.log1p(series.astype("float64"))
    return logged - logged.shift(periods)
