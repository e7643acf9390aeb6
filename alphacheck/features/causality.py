"""Causality check: a feature at t must not change when the prices after t are cut off.

:func:`check_causality` computes a feature on all prices and on prices cut at
several dates, and names the first date whose value differs. ``build_dataset``
runs it on every custom feature, and the audit command on users' features.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CausalityReport", "check_causality", "default_cuts"]

# Values computed on a prefix may differ from the full computation by float
# rounding only (e.g. a different summation order in user code).
_RTOL = 1e-9
_ATOL = 1e-12


@dataclass(frozen=True)
class CausalityReport:
    """Outcome of :func:`check_causality`.

    Attributes
    ----------
    name
        The feature checked.
    cuts
        The cut dates tried.
    first_difference
        The earliest date whose value differs between a cut and the full
        computation, ``None`` when the feature is causal at every cut.
    cut
        The cut that revealed it.
    column
        The column that differs.
    full_value, cut_value
        The value computed on all prices and on prices up to ``cut``.
    """

    name: str
    cuts: tuple[pd.Timestamp, ...]
    first_difference: pd.Timestamp | None = None
    cut: pd.Timestamp | None = None
    column: str | None = None
    full_value: float | None = None
    cut_value: float | None = None

    @property
    def causal(self) -> bool:
        """True when no cut changed any value up to it."""
        return self.first_difference is None

    def __str__(self) -> str:
        if self.causal:
            return f"feature {self.name!r} is causal at {len(self.cuts)} cut dates"
        return (
            f"feature {self.name!r} looks ahead: on {self.first_difference.date()} column {self.column!r} is "
            f"{self.full_value:.6g} computed on all prices but {self.cut_value:.6g} on prices up to "
            f"{self.cut.date()}"
        )


def default_cuts(index: pd.DatetimeIndex, n_cuts: int = 5) -> list[pd.Timestamp]:
    """``n_cuts`` dates spread evenly over the second half of the index, the last date excluded."""
    n = len(index)
    positions = np.unique(np.linspace(n // 2, n - 2, n_cuts).astype(int))
    return [index[p] for p in positions if 0 <= p < n - 1]


def check_causality(
    feature_fn: Callable[[pd.DataFrame], pd.Series | pd.DataFrame],
    prices: pd.DataFrame,
    cuts: Iterable | None = None,
    name: str | None = None,
) -> CausalityReport:
    """Compare a feature on all prices with the same feature on prices cut at each date.

    Parameters
    ----------
    feature_fn
        ``feature_fn(prices) -> Series | DataFrame`` indexed like its input.
    prices
        A prices frame with a sorted ``DatetimeIndex``.
    cuts
        Dates (or anything ``pd.Timestamp`` accepts) to cut at; by default five
        dates spread over the second half of the prices.
    name
        Name used in the report; defaults to the function's name.

    Returns
    -------
    CausalityReport
        ``report.causal`` is False when some value at a date <= cut changes
        once the bars after the cut are added; the report names the first such
        date (earliest over all cuts), the column and both values.
    """
    name = name or getattr(feature_fn, "__name__", "feature")
    cut_dates = tuple(pd.Timestamp(c) for c in (default_cuts(prices.index) if cuts is None else cuts))
    full = _as_frame(feature_fn(prices), name)
    worst: CausalityReport | None = None
    for cut in cut_dates:
        truncated = prices.loc[:cut]
        if truncated.empty:
            continue
        part = _as_frame(feature_fn(truncated), name).reindex(truncated.index)
        expected = full.reindex(index=truncated.index, columns=part.columns)
        differs = _differs(expected.to_numpy(dtype="float64"), part.to_numpy(dtype="float64"))
        if not differs.any():
            continue
        row, col = np.argwhere(differs)[0]
        date = truncated.index[row]
        if worst is None or date < worst.first_difference:
            worst = CausalityReport(
                name, cut_dates, date, cut, str(part.columns[col]),
                float(expected.iat[row, col]), float(part.iat[row, col]),
            )  # fmt: skip
    return worst or CausalityReport(name, cut_dates)


def _as_frame(result: pd.Series | pd.DataFrame, name: str) -> pd.DataFrame:
    return result.to_frame(name) if isinstance(result, pd.Series) else result


def _differs(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    both_nan = np.isnan(expected) & np.isnan(actual)
    with np.errstate(invalid="ignore"):
        close = np.isclose(expected, actual, rtol=_RTOL, atol=_ATOL)
    return ~(close | both_nan)
