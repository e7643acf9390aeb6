"""Named feature sets and the dataset builder (features + label per date)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError, did_you_mean
from alphacheck.features import indicators as ind
from alphacheck.features.labels import forward_return

__all__ = ["FEATURE_SETS", "build_dataset", "compute_features"]

log = logging.getLogger(__name__)


def _basic(prices: pd.DataFrame) -> pd.DataFrame:
    close = prices["close"]
    ret_1 = ind.pct_return(close, 1)
    columns = {"ret_1": ret_1}
    for lag in range(1, 6):
        columns[f"ret_lag_{lag}"] = ret_1.shift(lag)
    for window in (5, 10, 20):
        columns[f"close_sma_{window}"] = ind.sma_ratio(close, window)
    columns["rsi_14"] = ind.rsi_wilder(close, 14)
    columns["log_volume_change"] = ind.log_change(prices["volume"], 1)
    return pd.DataFrame(columns, index=prices.index)


FEATURE_SETS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {"basic": _basic}


def compute_features(prices: pd.DataFrame, feature_set: str = "basic") -> pd.DataFrame:
    """Compute a named feature set; warm-up rows are NaN, never back-filled."""
    try:
        builder = FEATURE_SETS[feature_set]
    except KeyError:
        raise ConfigError(
            f"unknown feature set {feature_set!r}{did_you_mean(feature_set, FEATURE_SETS)}; "
            f"choose one of {', '.join(FEATURE_SETS)}"
        ) from None
    return builder(prices)


def build_dataset(prices: pd.DataFrame, feature_set: str, execution: str) -> pd.DataFrame:
    """Features, ``fwd_return`` and ``label`` per date, warm-up and unlabelled rows dropped.

    Rows at the start whose features are still warming up are dropped and
    counted in the log. Rows at the end whose forward return is not yet known
    are dropped too: they cannot be scored.
    """
    features = compute_features(prices, feature_set)
    fwd = forward_return(prices, execution)
    complete = features.notna().all(axis=1).to_numpy() & np.isfinite(features.to_numpy()).all(axis=1)
    if not complete.any():
        raise ConfigError(f"feature set {feature_set!r} leaves no complete rows in {len(prices)} bars")
    first = int(np.argmax(complete))
    if not complete[first:].all():
        bad = features.index[first:][~complete[first:]]
        raise ConfigError(f"features have gaps after warm-up, first on {bad[0].date()}")
    data = features.iloc[first:].copy()
    data["fwd_return"] = fwd.iloc[first:]
    data = data[data["fwd_return"].notna()]
    data["label"] = (data["fwd_return"] > 0).astype("int8")
    log.debug("dropped %d warm-up rows and %d unlabelled rows", first, len(features) - first - len(data))
    return data
