"""The built-in features, registered by name with their formulas and windows.

Every function here takes a prices frame (and its windows as keywords) and is
causal: its value at t uses bars up to t only. Multi-column indicators (MACD,
Bollinger, stochastic) are one function whose columns are separate features,
computed once per prices frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.features import indicators as ind
from alphacheck.features.registry import _registrar

__all__ = ["ADVANCED", "BASIC", "shared_intermediates"]

# (id of the prices frame, its intermediates) while compute_features runs on it.
_SHARED: ContextVar[tuple[int, dict] | None] = ContextVar("alphacheck_feature_intermediates", default=None)


@contextmanager
def shared_intermediates(prices: pd.DataFrame) -> Iterator[None]:
    """Let built-in features computed on ``prices`` share columns and intermediates (e.g. vol_20)."""
    token = _SHARED.set((id(prices), {}))
    try:
        yield
    finally:
        _SHARED.reset(token)


def _shared(prices: pd.DataFrame, key: Any, compute: Callable[[], Any]) -> Any:
    # Only for the frame the scope was opened for: a truncated copy (causality checks) recomputes.
    scope = _SHARED.get()
    if scope is None or scope[0] != id(prices):
        return compute()
    store = scope[1]
    if key not in store:
        store[key] = compute()
    return store[key]


def _col(prices: pd.DataFrame, name: str) -> pd.Series:
    return _shared(prices, name, lambda: prices[name])


def _cols(prices: pd.DataFrame, *names: str) -> list[pd.Series]:
    return [_col(prices, name) for name in names]


def _arr(prices: pd.DataFrame, name: str) -> np.ndarray:
    return _shared(prices, ("array", name), lambda: _col(prices, name).to_numpy(dtype="float64"))


def _builtin(name: str, formula: str, column: str | None = None, **windows: int):
    return _registrar(name, formula, windows, builtin=True, column=column)


def _lagged_return(prices: pd.DataFrame, lag: int) -> pd.Series:
    return ind.pct_return(_col(prices, "close"), 1).shift(lag)


def _lagged_log_volume_change(prices: pd.DataFrame, lag: int) -> pd.Series:
    return ind.log_change(_col(prices, "volume"), 1).shift(lag)


def _momentum(prices: pd.DataFrame, window: int) -> pd.Series:
    return ind.pct_return(_col(prices, "close"), window)


def _close_sma(prices: pd.DataFrame, window: int) -> pd.Series:
    return ind.sma_ratio(_col(prices, "close"), window)


def _volatility(prices: pd.DataFrame, window: int) -> pd.Series:
    return _shared(prices, ("vol", window), lambda: ind.rolling_volatility(_col(prices, "close"), window))


def _volatility_vs_average(prices: pd.DataFrame, window: int, average: int) -> pd.Series:
    return ind.ratio_to_mean(_volatility(prices, window), average)


def _rsi(prices: pd.DataFrame, window: int) -> pd.Series:
    return ind.rsi_wilder(_col(prices, "close"), window)


_builtin("ret_1", "close_t / close_{t-1} - 1")(lambda prices: ind.pct_return(_col(prices, "close"), 1))
_builtin("log_volume_change", "log(1 + volume_t) - log(1 + volume_{t-1})")(
    lambda prices: ind.log_change(_col(prices, "volume"), 1)
)
for _lag in range(1, 6):
    _builtin(f"ret_lag_{_lag}", "ret_1 at t - lag", lag=_lag)(_lagged_return)
for _lag in range(1, 4):
    _builtin(f"log_volume_change_lag_{_lag}", "log_volume_change at t - lag", lag=_lag)(
        _lagged_log_volume_change
    )
for _window in (5, 10, 20, 50):
    _builtin(f"close_sma_{_window}", "close / SMA(close, window) - 1", window=_window)(_close_sma)
for _window in (3, 5, 10, 20):
    _builtin(f"mom_{_window}", "close_t / close_{t-window} - 1", window=_window)(_momentum)
for _window in (5, 10, 20):
    _builtin(f"vol_{_window}", "std(ret_1 over window), ddof 1", window=_window)(_volatility)
    _builtin(
        f"vol_{_window}_vs_50",
        "vol_window / SMA(vol_window, average) - 1",
        window=_window,
        average=50,
    )(_volatility_vs_average)
for _window in (9, 14, 21):
    _builtin(f"rsi_{_window}", "RSI, Wilder smoothing (alpha 1/window, SMA seed), 0-100", window=_window)(
        _rsi
    )


@_builtin("volume_vs_20", "volume / SMA(volume, window) - 1", window=20)
def _volume_vs_average(prices: pd.DataFrame, window: int) -> pd.Series:
    return ind.ratio_to_mean(_col(prices, "volume"), window)


@_builtin("money_flow_vs_20", "close * volume / SMA(close * volume, window) - 1", window=20)
def _money_flow_vs_average(prices: pd.DataFrame, window: int) -> pd.Series:
    flow = _arr(prices, "close") * _arr(prices, "volume")
    return ind.ratio_to_mean(pd.Series(flow, index=prices.index, copy=False), window)


@_builtin("hl_range", "(high - low) / close")
def _hl_range(prices: pd.DataFrame) -> pd.Series:
    values = (_arr(prices, "high") - _arr(prices, "low")) / _arr(prices, "close")
    return pd.Series(values, index=prices.index, copy=False)


@_builtin("close_vs_high", "close / high - 1")
def _close_vs_high(prices: pd.DataFrame) -> pd.Series:
    return ind.relative(_col(prices, "close"), _col(prices, "high"))


@_builtin("close_vs_low", "close / low - 1")
def _close_vs_low(prices: pd.DataFrame) -> pd.Series:
    return ind.relative(_col(prices, "close"), _col(prices, "low"))


@_builtin("gap", "open_t / close_{t-1} - 1 (overnight gap)")
def _gap(prices: pd.DataFrame) -> pd.Series:
    return ind.relative(_col(prices, "open"), _col(prices, "close"), lag=1)


@_builtin("intraday", "close_t / open_t - 1 (intraday return)")
def _intraday(prices: pd.DataFrame) -> pd.Series:
    return ind.relative(_col(prices, "close"), _col(prices, "open"))


def _macd(prices: pd.DataFrame, fast: int, slow: int, signal: int) -> pd.DataFrame:
    return ind.macd(_col(prices, "close"), fast, slow, signal)


_MACD = {"fast": 12, "slow": 26, "signal": 9}
_builtin("macd", "(EMA(close, fast) - EMA(close, slow)) / close", column="macd", **_MACD)(_macd)
_builtin("macd_signal", "EMA(macd line, signal) / close", column="macd_signal", **_MACD)(_macd)
_builtin("macd_hist", "(macd line - signal line) / close", column="macd_hist", **_MACD)(_macd)


def _bollinger(prices: pd.DataFrame, window: int, n_std: int) -> pd.DataFrame:
    return ind.bollinger(_col(prices, "close"), window, n_std)


_BANDS = "SMA(close, window) +- n_std * std(close, window, ddof 0)"
_builtin(
    "bb_position", f"(close - lower) / (upper - lower); bands {_BANDS}", "bb_position", window=20, n_std=2
)(_bollinger)
_builtin("bb_width", f"(upper - lower) / SMA(close, window); bands {_BANDS}", "bb_width", window=20, n_std=2)(
    _bollinger
)


@_builtin(
    "close_vwap_20",
    "close / VWAP - 1; VWAP = sum(tp * volume) / sum(volume), tp = (h + l + c) / 3",
    window=20,
)
def _close_vwap(prices: pd.DataFrame, window: int) -> pd.Series:
    return ind.vwap_ratio(*_cols(prices, "high", "low", "close", "volume"), window)


@_builtin("atr_14", "ATR (Wilder smoothing of the true range, SMA seed) / close", window=14)
def _atr(prices: pd.DataFrame, window: int) -> pd.Series:
    return ind.atr_wilder(*_cols(prices, "high", "low", "close"), window)


def _stochastic(prices: pd.DataFrame, window: int, smooth: int) -> pd.DataFrame:
    return ind.stochastic(*_cols(prices, "high", "low", "close"), window, smooth)


_builtin(
    "stoch_k",
    "%K = 100 * (close - min(low, window)) / (max(high, window) - min(low, window))",
    "stoch_k",
    window=14,
    smooth=3,
)(_stochastic)
_builtin("stoch_d", "%D = SMA(%K, smooth)", "stoch_d", window=14, smooth=3)(_stochastic)

BASIC = (
    "ret_1",
    *(f"ret_lag_{lag}" for lag in range(1, 6)),
    "close_sma_5",
    "close_sma_10",
    "close_sma_20",
    "rsi_14",
    "log_volume_change",
    *(f"log_volume_change_lag_{lag}" for lag in range(1, 4)),
)
"""The seed project's baseline inputs in scale-free form (14 features)."""

ADVANCED = (
    "ret_1",
    "mom_3", "mom_5", "mom_10", "mom_20",
    "vol_5", "vol_10", "vol_20", "vol_5_vs_50", "vol_10_vs_50", "vol_20_vs_50",
    "volume_vs_20", "money_flow_vs_20",
    "hl_range", "close_vs_high", "close_vs_low", "gap", "intraday",
    "close_sma_10", "close_sma_20", "close_sma_50",
    "rsi_9", "rsi_14", "rsi_21",
    "macd", "macd_signal", "macd_hist",
    "bb_position", "bb_width",
    "close_vwap_20", "atr_14", "stoch_k", "stoch_d",
)  # fmt: skip
"""The 33 indicators of the advanced model, honestly built."""
