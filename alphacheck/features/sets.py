"""Named feature sets, feature selection and the dataset builder (features + label per date)."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError, did_you_mean
from alphacheck.features.builtin import ADVANCED, BASIC, shared_intermediates
from alphacheck.features.labels import forward_return
from alphacheck.features.registry import Feature, get_feature

__all__ = ["FEATURE_SETS", "build_dataset", "compute_features", "resolve_features"]

log = logging.getLogger(__name__)

FEATURE_SETS: dict[str, tuple[str, ...]] = {"basic": BASIC, "advanced": ADVANCED}
"""Feature names of each named set, in column order."""


def resolve_features(features: Any = "basic") -> list[tuple[Feature, dict[str, int]]]:
    """The features a configuration selects, each with its windows.

    Parameters
    ----------
    features
        A set name, or a :class:`~alphacheck.scenarios.schema.FeatureConfig`
        (``set``, ``add``, ``drop``, ``windows``).

    Returns
    -------
    list of (Feature, dict)
        The set's features minus ``drop``, then ``add``, in that order.

    Raises
    ------
    ConfigError
        For an unknown set or feature name, a dropped feature that is not in
        use, a feature listed twice, or a window override that does not fit.
    """
    set_name = features if isinstance(features, str) else features.set
    add = [] if isinstance(features, str) else list(features.add)
    drop = [] if isinstance(features, str) else list(features.drop)
    windows: Mapping[str, Any] = {} if isinstance(features, str) else features.windows
    if set_name not in FEATURE_SETS:
        raise ConfigError(
            f"features.set: unknown feature set {set_name!r}{did_you_mean(set_name, FEATURE_SETS)}; "
            f"choose one of {', '.join(FEATURE_SETS)}"
        )
    names = list(FEATURE_SETS[set_name])
    for name in drop:
        if name not in names:
            raise ConfigError(
                f"features.drop: {name!r} is not in set {set_name!r}{did_you_mean(name, names)}; "
                "`alphacheck features list` shows the set"
            )
    names = [name for name in names if name not in drop]
    for name in add:
        if name in names:
            raise ConfigError(f"features.add: {name!r} is already in set {set_name!r}; remove it from add")
        names.append(name)
    selected = [get_feature(name) for name in names]
    for name in windows:
        if name not in names:
            raise ConfigError(
                f"features.windows: {name!r} is not a selected feature{did_you_mean(name, names)}; "
                "add it or fix the name"
            )
    return [(feature, feature.resolve_windows(windows.get(feature.name))) for feature in selected]


def compute_features(prices: pd.DataFrame, feature_set: Any = "basic") -> pd.DataFrame:
    """Compute the selected features; warm-up rows are NaN, never back-filled.

    Parameters
    ----------
    prices
        One ticker's prices frame.
    feature_set
        A set name or a ``FeatureConfig`` (see :func:`resolve_features`).

    Returns
    -------
    DataFrame
        One column per feature (a custom feature returning a frame gives
        several), indexed like ``prices``.
    """
    cache: dict = {}
    columns: dict[str, np.ndarray] = {}
    with shared_intermediates(prices):
        for feature, windows in resolve_features(feature_set):
            for name, values in feature.columns(prices, windows, cache).items():
                if name in columns:
                    raise ConfigError(
                        f"feature {feature.name!r} makes a column {name!r} that another one makes"
                    )
                columns[name] = values
    # pandas stores a frame's float columns as one (columns x rows) block: stacking rows of that
    # block and transposing builds the frame without another copy.
    block = np.vstack(list(columns.values())) if columns else np.empty((0, len(prices)))
    return pd.DataFrame(block.T, index=prices.index, columns=_column_index(tuple(columns)), copy=False)


@functools.lru_cache(maxsize=64)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(names)


def build_dataset(prices: pd.DataFrame, feature_set: Any, execution: str) -> pd.DataFrame:
    """Features, ``fwd_return`` and ``label`` per date, warm-up and unlabelled rows dropped.

    Rows at the start whose features are still warming up are dropped and
    counted in the log. Rows at the end whose forward return is not yet known
    are dropped too: they cannot be scored. Custom (plugin) features are
    checked for causality first.

    Raises
    ------
    ConfigError
        When no complete row is left, or features have gaps after warm-up.
    LeakageError
        When a custom feature's past values change once later prices are added, unless
        ``features.allow_lookahead`` names it (then a ``LeakageWarning``).
    """
    _check_custom_features(prices, feature_set)
    features = compute_features(prices, feature_set)
    fwd = forward_return(prices, execution)
    complete = features.notna().all(axis=1).to_numpy() & np.isfinite(features.to_numpy()).all(axis=1)
    if not complete.any():
        raise ConfigError(
            f"feature set {_describe(feature_set)} leaves no complete rows in {len(prices)} bars"
        )
    first = int(np.argmax(complete))
    if not complete[first:].all():
        bad = features.index[first:][~complete[first:]]
        columns = features.columns[~np.isfinite(features.loc[bad[0]].to_numpy(dtype="float64"))]
        raise ConfigError(f"features have gaps after warm-up, first on {bad[0].date()} in {list(columns)}")
    data = features.iloc[first:].copy()
    data["fwd_return"] = fwd.iloc[first:]
    data = data[data["fwd_return"].notna()]
    data["label"] = (data["fwd_return"] > 0).astype("int8")
    log.info("dropped %d warm-up rows and %d unlabelled rows", first, len(features) - first - len(data))
    return data


def _describe(feature_set: Any) -> str:
    return repr(feature_set if isinstance(feature_set, str) else feature_set.set)


def _check_custom_features(prices: pd.DataFrame, feature_set: Any) -> None:
    from alphacheck.exceptions import LeakageError, LeakageWarning
    from alphacheck.features.causality import check_causality

    accepted = set(getattr(feature_set, "allow_lookahead", ()))
    for feature, windows in resolve_features(feature_set):
        if feature.builtin:
            continue
        report = check_causality(lambda p, f=feature, w=windows: f.compute(p, w), prices, name=feature.name)
        if report.causal:
            continue
        if feature.name not in accepted:
            raise LeakageError(f"{report}; a feature at t may use bars up to t only: build it from past bars")
        warnings.warn(
            f"{report}; run anyway because features.allow_lookahead names it: every verdict of this run "
            "is leak_suspected",
            LeakageWarning,
            stacklevel=3,
        )
