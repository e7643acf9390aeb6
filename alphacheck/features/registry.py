"""The feature registry: every feature by name, with its formula and windows.

Built-in features are registered by :mod:`alphacheck.features.builtin`; users
add their own with :func:`register` in a module loaded by ``--plugin MODULE``
or through the ``alphacheck.features`` entry-point group. Nothing in a
scenario file imports code: it can only name features registered here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError, did_you_mean

__all__ = ["FEATURES", "Feature", "get_feature", "register"]

FeatureFunction = Callable[..., "pd.Series | pd.DataFrame"]


@dataclass(frozen=True)
class Feature:
    """One named feature: a causal function of a prices frame.

    Attributes
    ----------
    name
        Registry name, also the column name (a function returning a frame
        gives columns ``<name>_<column>``).
    function
        ``function(prices, **windows) -> Series | DataFrame`` aligned on the
        prices' dates, NaN while warming up.
    formula
        The formula in words, shown by ``alphacheck features list``.
    windows
        Default window lengths in bars, passed to ``function`` as keywords.
    builtin
        Shipped with alphacheck (``False`` for plugins).
    column
        For features that share one multi-column function (MACD, Bollinger,
        stochastic): the column of its frame that this feature is.
    """

    name: str
    function: FeatureFunction
    formula: str = ""
    windows: Mapping[str, int] = field(default_factory=dict)
    builtin: bool = False
    column: str | None = None

    def resolve_windows(self, override: int | Mapping[str, int] | None = None) -> dict[str, int]:
        """The windows to use: defaults updated by ``override`` (an int for a one-window feature).

        Raises
        ------
        ConfigError
            When the override names a window the feature does not have, or is a
            bare number for a feature with several windows (or none).
        """
        windows = dict(self.windows)
        if override is None:
            return windows
        if isinstance(override, int):
            if len(windows) != 1:
                raise ConfigError(
                    f"features.windows.{self.name}: {override} is ambiguous; {self.name!r} has windows "
                    f"{windows or 'none'}; give a mapping such as {{{next(iter(windows), 'window')}: {override}}}"
                )
            return {next(iter(windows)): int(override)}
        for key, value in override.items():
            if key not in windows:
                raise ConfigError(
                    f"features.windows.{self.name}: unknown window {key!r}{did_you_mean(key, windows)}; "
                    f"{self.name!r} has {', '.join(windows) or 'no windows'}"
                )
            windows[key] = int(value)
        return windows

    def window_text(self, windows: Mapping[str, int] | None = None) -> str:
        """Windows as ``"fast=12, slow=26"``; ``"-"`` when there are none."""
        windows = self.windows if windows is None else windows
        return ", ".join(f"{k}={v}" for k, v in windows.items()) or "-"

    def compute(
        self, prices: pd.DataFrame, windows: Mapping[str, int] | None = None, cache: dict | None = None
    ) -> pd.DataFrame:
        """Run the function and check its output: numeric columns on the prices' dates.

        ``cache`` (a dict kept for one prices frame) lets features that share a
        function and windows compute it once.

        Raises
        ------
        ConfigError
            When the function returns something other than a Series or
            DataFrame aligned on ``prices.index``, or non-numeric values.
        """
        return pd.DataFrame(self.columns(prices, windows, cache), index=prices.index)

    def columns(
        self, prices: pd.DataFrame, windows: Mapping[str, int] | None = None, cache: dict | None = None
    ) -> dict[str, np.ndarray]:
        """Like :meth:`compute`, as ``{column: float64 array}`` (no frame built per feature)."""
        resolved = self.resolve_windows(windows)
        key = (self.function, tuple(sorted(resolved.items())))
        if cache is not None and key in cache:
            result = cache[key]
        else:
            result = self.function(prices, **resolved)
            if cache is not None:
                cache[key] = result
        if self.column is not None:
            result = result[self.column]
        if isinstance(result, pd.Series):
            named = {self.name: result}
        elif isinstance(result, pd.DataFrame):
            named = {f"{self.name}_{c}": result[c] for c in result.columns}
        else:
            raise ConfigError(
                f"feature {self.name!r} returned {type(result).__name__}; "
                "return a pandas Series or DataFrame indexed like the prices"
            )
        if not (result.index is prices.index or result.index.equals(prices.index)):
            raise ConfigError(
                f"feature {self.name!r} returned {len(result)} rows on other dates than the {len(prices)} "
                "price bars; keep the prices' index (warm-up rows as NaN, never dropped or filled)"
            )
        try:
            return {name: series.to_numpy(dtype="float64") for name, series in named.items()}
        except (TypeError, ValueError):
            raise ConfigError(f"feature {self.name!r} returned non-numeric values; return floats") from None


_REGISTRY: dict[str, Feature] = {}
FEATURES: Mapping[str, Feature] = MappingProxyType(_REGISTRY)
"""Every registered feature by name (read-only; add with :func:`register`)."""


def register(
    name: str,
    *,
    formula: str | None = None,
    windows: Mapping[str, int] | None = None,
) -> Callable[[FeatureFunction], FeatureFunction]:
    """Register a custom feature: ``@alphacheck.features.register("name")``.

    Parameters
    ----------
    name
        Registry and column name; letters, digits and ``_``.
    formula
        Formula shown by ``alphacheck features list``; defaults to the first
        line of the function's docstring.
    windows
        Default windows in bars, passed to the function as keyword arguments
        and changeable in the scenario (``features.windows``).

    Returns
    -------
    callable
        A decorator that registers ``function(prices, **windows) -> Series |
        DataFrame`` and returns it unchanged.

    Raises
    ------
    ConfigError
        When the name is not an identifier or is already taken by another function.
    """
    return _registrar(name, formula, windows, builtin=False)


def _registrar(name, formula, windows, builtin: bool, column: str | None = None):
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(
            f"feature name {name!r} is not valid; use letters, digits and '_' (e.g. 'my_signal')"
        )

    def decorator(function: FeatureFunction) -> FeatureFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and _qualified(existing.function) != _qualified(function):
            raise ConfigError(
                f"feature {name!r} is already registered by {_qualified(existing.function)}; "
                "choose another name"
            )
        text = formula or (inspect.getdoc(function) or "").split("\n")[0] or name
        _REGISTRY[name] = Feature(name, function, text, dict(windows or {}), builtin, column)
        return function

    return decorator


def _qualified(function: Callable) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', function)!s}"


def get_feature(name: str) -> Feature:
    """The registered feature called ``name``.

    Features from installed entry points are loaded on the first miss.

    Raises
    ------
    ConfigError
        When no feature has that name, with a close match when there is one.
    """
    if name not in _REGISTRY:
        from alphacheck.features.plugins import load_entry_points

        load_entry_points()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown feature {name!r}{did_you_mean(name, _REGISTRY)}; `alphacheck features list --set all` "
            "shows every feature; custom ones need `--plugin MODULE`"
        ) from None
