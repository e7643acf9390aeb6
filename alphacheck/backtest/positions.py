"""Predicted probabilities to target positions: policy, neutral band, holding, sizing.

A row of ``proba`` is P(up) decided at the close of a date. The direction is
+1 (long), -1 (short) or 0 (flat); the weight is the signed fraction of equity
the position takes when it is entered. Everything here uses the decision date
and earlier bars only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.backtest.metrics import PERIODS_PER_YEAR
from alphacheck.exceptions import ConfigError, did_you_mean

__all__ = ["POLICIES", "direction_from_proba", "policy_weights", "position_weights", "trailing_volatility"]

POLICIES = ("long_only", "long_short", "short_only")


def direction_from_proba(
    proba: np.ndarray,
    policy: str = "long_only",
    upper: float = 0.5,
    lower: float = 0.5,
    neutral: str = "flat",
    min_holding_days: int = 1,
) -> np.ndarray:
    """Turn P(up) into directions in {-1, 0, +1}, one per decision date.

    Parameters
    ----------
    proba
        P(up) per decision date, in date order.
    policy
        ``long_only`` (up -> long, else flat), ``long_short`` (up -> long,
        down -> short) or ``short_only`` (down -> short, else flat).
    upper, lower
        ``proba > upper`` reads "up", ``proba < lower`` reads "down"; in between
        is the neutral band.
    neutral
        Inside the band: ``flat`` closes the position, ``hold`` keeps it.
    min_holding_days
        A position, once changed, is kept at least this many decision dates.

    Returns
    -------
    numpy.ndarray
        int8 directions.

    Raises
    ------
    ConfigError
        For an unknown policy or neutral mode.
    """
    if policy not in POLICIES:
        raise ConfigError(
            f"backtest.policy {policy!r} is unknown{did_you_mean(policy, POLICIES)}; choose one of {POLICIES}"
        )
    if neutral not in ("flat", "hold"):
        raise ConfigError(f"backtest.neutral {neutral!r} is unknown; choose 'flat' or 'hold'")
    proba = np.asarray(proba, dtype="float64")
    wanted = np.where(proba > upper, 1, np.where(proba < lower, -1, 0))
    if policy == "long_only":
        wanted = np.where(wanted < 0, 0, wanted)
    elif policy == "short_only":
        wanted = np.where(wanted > 0, 0, wanted)
    in_band = (proba <= upper) & (proba >= lower)
    direction = np.zeros(len(proba), dtype="int8")
    current, held = 0, min_holding_days  # flat at the start may change at once
    for i, want in enumerate(wanted):
        if neutral == "hold" and in_band[i]:
            want = current
        if want != current and held >= min_holding_days:
            current, held = int(want), 0
        held += 1
        direction[i] = current
    return direction


def trailing_volatility(close: pd.Series, days: int, periods_per_year: int = PERIODS_PER_YEAR) -> pd.Series:
    """Annualised standard deviation (ddof=1) of the last ``days`` close-to-close returns.

    The value at t uses closes up to t only; NaN until ``days`` returns exist.
    """
    returns = close.pct_change()
    return returns.rolling(days, min_periods=days).std(ddof=1) * np.sqrt(periods_per_year)


def position_weights(
    direction: np.ndarray,
    volatility: np.ndarray | None = None,
    fraction: float = 1.0,
    target_volatility: float = 0.10,
    max_leverage: float = 1.0,
) -> np.ndarray:
    """Signed fractions of equity, fixed at each entry and held until the direction changes.

    Parameters
    ----------
    direction
        Directions from :func:`direction_from_proba`.
    volatility
        Annualised trailing volatility at each decision date; ``None`` sizes
        every entry at ``fraction``. With it, an entry takes
        ``min(target_volatility / volatility, max_leverage)`` (``fraction`` when
        the volatility is not known yet).
    fraction, target_volatility, max_leverage
        Sizing parameters; the simulator fills weights up to 1 on either side
        (see :mod:`alphacheck.backtest.engine`), so the scenario keeps
        ``fraction`` and ``max_leverage`` at most 1.

    Returns
    -------
    numpy.ndarray
        float64 weights, 0 when flat.
    """
    direction = np.asarray(direction, dtype="float64")
    if volatility is None:
        return direction * fraction
    volatility = np.asarray(volatility, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.minimum(target_volatility / volatility, max_leverage)
    size = np.where(np.isfinite(size) & (volatility > 0), size, fraction)
    weights = np.zeros(len(direction))
    for i in range(len(direction)):
        if direction[i] == 0:
            continue
        if i > 0 and direction[i] == direction[i - 1]:
            weights[i] = weights[i - 1]
        else:
            weights[i] = direction[i] * size[i]
    return weights


def policy_weights(proba: np.ndarray, config, volatility: np.ndarray | None = None) -> np.ndarray:
    """The weights a scenario's ``backtest`` policy takes on P(up), one per decision date in order.

    Parameters
    ----------
    proba
        P(up) per decision date, in date order.
    config
        A ``BacktestConfig`` (policy, band, holding and sizing are read).
    volatility
        With ``sizing: volatility``, the trailing volatility at each date
        (``alphacheck.backtest.strategies.sizing_volatility``); ignored otherwise.
    """
    direction = direction_from_proba(
        proba, config.policy, config.upper, config.lower, config.neutral, config.min_holding_days
    )
    return position_weights(
        direction, volatility, config.fraction, config.target_volatility, config.max_leverage
    )
