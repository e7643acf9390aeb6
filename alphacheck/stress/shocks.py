"""Synthetic price shocks as per-bar multipliers of a ticker's whole bar.

A shock is a multiplier ``m[t]`` per bar; the shocked bar ``t`` is the
original open, high, low and close times ``prod(m[:t+1])`` (volume unchanged),
so each bar keeps its own shape (high >= open, close >= low) and a level change
persists afterwards. Multipliers are 1 outside the ranges given (the test
periods), so training rows never change.

- volatility: ``m[t] = (1 + scale * r[t]) / (1 + r[t])`` with ``r`` the
  close-to-close return: the shocked close-to-close return is ``scale * r``
  (floored at -95%, a price never reaches zero);
- crash: ``m[t] = (1 - drop) ** (1 / days)`` on ``days`` consecutive bars, so
  the fall compounds to exactly ``drop``;
- gaps: ``m[t] = 1 +/- size`` on the chosen bars: the whole bar, from its open,
  moves against the previous close, which is an overnight gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.stress import CostShock, CrashShock, GapShock, VolatilityShock

__all__ = ["PRICE_COLUMNS", "apply_multipliers", "in_ranges", "shock_multipliers"]

PRICE_COLUMNS = ("open", "high", "low", "close")
_RETURN_FLOOR = -0.95


def in_ranges(index: pd.DatetimeIndex, ranges: list[tuple[pd.Timestamp, pd.Timestamp]]) -> np.ndarray:
    """Boolean mask of the dates inside any of the inclusive ``(start, end)`` ranges."""
    mask = np.zeros(len(index), dtype=bool)
    for start, end in ranges:
        mask |= (index >= start) & (index <= end)
    return mask


def shock_multipliers(
    prices: pd.DataFrame,
    shock: VolatilityShock | CrashShock | GapShock,
    ranges: list[tuple[pd.Timestamp, pd.Timestamp]],
    seed: int = 0,
) -> np.ndarray:
    """Per-bar multipliers of a price shock applied inside ``ranges`` only.

    Parameters
    ----------
    prices
        Prices frame of one ticker (Prices convention).
    shock
        A volatility, crash or gap shock (cost shocks do not touch prices).
    ranges
        Inclusive date ranges the shock applies to: the folds' test periods.
    seed
        Seeds the choice of gap days (the same days for every ticker of a calendar).

    Returns
    -------
    numpy.ndarray
        One multiplier per bar, 1.0 outside the ranges.

    Raises
    ------
    ConfigError
        When a crash's ``start`` lies outside every range, or the crash runs past the data.
    """
    index = pd.DatetimeIndex(prices.index)
    inside = in_ranges(index, ranges)
    multipliers = np.ones(len(index))
    if isinstance(shock, VolatilityShock):
        close = prices["close"].to_numpy(dtype="float64")
        returns = np.empty(len(close))
        returns[0] = 0.0
        returns[1:] = close[1:] / close[:-1] - 1.0
        scaled = np.maximum(shock.scale * returns, _RETURN_FLOOR)
        multipliers = np.where(inside, (1.0 + scaled) / (1.0 + returns), 1.0)
    elif isinstance(shock, CrashShock):
        step = (1.0 - shock.drop_pct / 100.0) ** (1.0 / shock.days)
        for first in _crash_starts(index, inside, shock, ranges):
            if first + shock.days > len(index):
                raise ConfigError(
                    f"shock {shock.name!r}: a {shock.days}-day crash from {index[first].date()} runs past "
                    f"the last bar {index[-1].date()}; move stress.shocks start or lower days"
                )
            multipliers[first : first + shock.days] = step
    elif isinstance(shock, GapShock):
        rng = np.random.default_rng(seed)
        chosen = (rng.uniform(size=len(index)) < shock.probability) & inside
        sign = {"down": -1.0, "up": 1.0}.get(shock.direction)
        signs = np.full(len(index), sign) if sign else rng.choice([-1.0, 1.0], size=len(index))
        multipliers = np.where(chosen, 1.0 + signs * shock.size_pct / 100.0, 1.0)
    elif isinstance(shock, CostShock):
        raise TypeError("a cost shock changes costs, not prices")
    return multipliers


def _crash_starts(index, inside, shock: CrashShock, ranges) -> list[int]:
    if shock.start is None:
        starts = [int(np.searchsorted(index, start)) + shock.offset_days for start, _ in ranges]
        return [s for s in starts if s < len(index) and inside[s]]
    first = int(np.searchsorted(index, pd.Timestamp(shock.start)))
    if first >= len(index) or not inside[first]:
        spans = ", ".join(f"{a.date()}..{b.date()}" for a, b in ranges)
        raise ConfigError(
            f"shock {shock.name!r}: start {shock.start} is not in a test period ({spans}); "
            "choose a start inside one, or leave start out to crash offset_days into every test period"
        )
    return [first]


def apply_multipliers(prices: pd.DataFrame, multipliers: np.ndarray) -> pd.DataFrame:
    """Prices with open, high, low and close scaled by the running product of ``multipliers``."""
    level = np.cumprod(np.asarray(multipliers, dtype="float64"))
    shocked = prices.copy()
    for column in PRICE_COLUMNS:
        shocked[column] = prices[column].to_numpy(dtype="float64") * level
    return shocked
