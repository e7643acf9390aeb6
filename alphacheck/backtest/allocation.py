"""Cross-sectional selection and allocation: P(up) across tickers to portfolio target weights.

Every function here is pure and works on (decision dates x tickers) arrays: a
row is what is known at the close of one decision date; nothing reads a later
row. ``NaN`` in P(up) means the ticker cannot be chosen on that date (no
prediction yet). Sides are +1 (long), -1 (short) and 0 (not held); weights are
signed fractions of the portfolio's equity whose absolute values sum to at most
the gross exposure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError, did_you_mean

__all__ = [
    "ALLOCATIONS",
    "CARRY_DATES",
    "REBALANCE",
    "SELECTIONS",
    "allocate",
    "cap_weights",
    "carry_proba",
    "equal_weights",
    "rebalance_mask",
    "select",
]

ALLOCATIONS = ("equal", "proba", "inverse_volatility")
SELECTIONS = ("threshold", "top_k")
REBALANCE = ("daily", "weekly", "monthly")
#: Decision dates in a row a ticker's latest P(up) stands in for a missing one.
CARRY_DATES = 5


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"portfolio.{field} {value!r} is unknown{did_you_mean(value, allowed)}; choose one of {allowed}"
        )


def select(
    proba: np.ndarray,
    policy: str = "long_only",
    upper: float = 0.5,
    lower: float = 0.5,
    selection: str = "threshold",
    k: int | None = None,
) -> np.ndarray:
    """The side held in each ticker on each date, from that date's P(up) alone.

    Parameters
    ----------
    proba
        P(up), shape (dates, tickers); ``NaN`` where a ticker cannot be chosen.
    policy
        ``long_only``, ``long_short`` or ``short_only`` (the backtest policy).
    upper, lower
        ``threshold`` selection: long above ``upper``, short below ``lower``.
    selection
        ``threshold`` or ``top_k``.
    k
        ``top_k``: tickers per side. The ``k`` highest P(up) are held long, the
        ``k`` lowest short (``long_short``: the two sides never share a ticker;
        on a date with fewer than ``2 k`` choosable tickers each side gets half
        of them). Ties go to the ticker listed first.

    Returns
    -------
    numpy.ndarray
        int8 sides, shape (dates, tickers).
    """
    _choice("selection", selection, SELECTIONS)
    proba = np.asarray(proba, dtype="float64")
    known = np.isfinite(proba)
    long_side = policy in ("long_only", "long_short")
    short_side = policy in ("long_short", "short_only")
    if selection == "threshold":
        side = np.zeros(proba.shape, dtype="int8")
        with np.errstate(invalid="ignore"):
            if long_side:
                side[known & (proba > upper)] = 1
            if short_side:
                side[known & (proba < lower)] = -1
        return side
    if k is None or k < 1:
        raise ConfigError(f"portfolio.k = {k!r}: selection 'top_k' needs k >= 1")
    return _top_k(proba, known, k, long_side, short_side)


def _top_k(proba, known, k, long_side, short_side) -> np.ndarray:
    n_dates, n_tickers = proba.shape
    side = np.zeros(proba.shape, dtype="int8")
    available = known.sum(axis=1)
    per_side = np.minimum(k, available // 2 if long_side and short_side else available)
    rows = np.arange(n_dates)
    # Stable sorts: equal P(up) keeps the tickers' order. Unknown values sort last both ways.
    if long_side:
        descending = np.argsort(np.where(known, -proba, np.inf), axis=1, kind="stable")
        for rank in range(min(k, n_tickers)):
            take = rank < per_side
            side[rows[take], descending[take, rank]] = 1
    if short_side:
        # The short side picks among the tickers the long side left.
        free = known & (side == 0)
        ascending = np.argsort(np.where(free, proba, np.inf), axis=1, kind="stable")
        for rank in range(min(k, n_tickers)):
            take = rank < per_side
            side[rows[take], ascending[take, rank]] = -1
    return side


def allocate(
    side: np.ndarray,
    proba: np.ndarray | None = None,
    volatility: np.ndarray | None = None,
    allocation: str = "equal",
    upper: float = 0.5,
    lower: float = 0.5,
    max_weight: float = 1.0,
    gross_exposure: float = 1.0,
) -> np.ndarray:
    """Signed target weights of the selected tickers, capped and scaled to the gross exposure.

    Parameters
    ----------
    side
        Sides from :func:`select`, shape (dates, tickers).
    proba
        P(up), needed by ``proba`` allocation: a long weighs ``P(up) - upper``, a
        short ``lower - P(up)`` (a selected ticker on the wrong side of the
        threshold, possible under ``top_k``, weighs 0).
    volatility
        Trailing annualised volatility known at each date, needed by
        ``inverse_volatility``: a ticker weighs ``1 / volatility``; one whose
        volatility is not known yet weighs the mean of the others selected on
        that date (1 when none is known).
    allocation
        ``equal``, ``proba`` or ``inverse_volatility``.
    max_weight
        Cap on each absolute weight; what a cap removes goes to the others in
        proportion to their scores, so the gross exposure is reached whenever
        enough tickers are held.
    gross_exposure
        Sum of absolute weights aimed at on every date with a selection.

    Returns
    -------
    numpy.ndarray
        float64 weights, shape (dates, tickers), 0 where not held.
    """
    _choice("allocation", allocation, ALLOCATIONS)
    side = np.asarray(side)
    held = side != 0
    if allocation == "equal":
        score = held.astype("float64")
    elif allocation == "proba":
        if proba is None:
            raise ValueError("proba allocation needs the P(up) array")
        proba = np.asarray(proba, dtype="float64")
        edge = np.where(side > 0, proba - upper, lower - proba)
        score = np.where(held & np.isfinite(edge), np.maximum(edge, 0.0), 0.0)
    else:
        if volatility is None:
            raise ValueError("inverse_volatility allocation needs the volatility array")
        score = _inverse_volatility(held, np.asarray(volatility, dtype="float64"))
    return side * cap_weights(score, max_weight, gross_exposure)


def _inverse_volatility(held: np.ndarray, volatility: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse = np.where(held & np.isfinite(volatility) & (volatility > 0), 1.0 / volatility, np.nan)
    known = np.isfinite(inverse)
    counts = known.sum(axis=1, keepdims=True)
    sums = np.where(known, inverse, 0.0).sum(axis=1, keepdims=True)
    fallback = np.divide(sums, counts, out=np.ones_like(sums), where=counts > 0)
    return np.where(held, np.where(known, inverse, fallback), 0.0)


def cap_weights(score: np.ndarray, max_weight: float, gross_exposure: float) -> np.ndarray:
    """Weights proportional to non-negative scores, summing to ``gross_exposure``, each <= ``max_weight``.

    Water-filling, row by row: weights above the cap are set to the cap and the
    rest of the budget is shared again among the others in proportion to their
    scores, until none exceeds it. A row whose scores cannot carry the whole
    budget under the cap (too few tickers) holds every one of them at the cap;
    a row of zero scores holds nothing.
    """
    score = np.asarray(score, dtype="float64")
    weights = np.zeros_like(score)
    capped = np.zeros(score.shape, dtype=bool)
    for _ in range(score.shape[1] + 1):
        free = np.where(capped, 0.0, score)
        total = free.sum(axis=1, keepdims=True)
        budget = gross_exposure - max_weight * capped.sum(axis=1, keepdims=True)
        share = np.divide(free, total, out=np.zeros_like(free), where=total > 0)
        weights = np.where(capped, max_weight, share * np.maximum(budget, 0.0))
        over = (weights > max_weight * (1 + 1e-12)) & ~capped
        if not over.any():
            break
        capped |= over
    return np.where(score > 0, np.minimum(weights, max_weight), 0.0)


def equal_weights(available: np.ndarray, gross_exposure: float = 1.0) -> np.ndarray:
    """``gross_exposure / n`` long in each of the ``n`` available tickers of a date."""
    available = np.asarray(available, dtype=bool)
    counts = available.sum(axis=1, keepdims=True)
    return np.where(available, gross_exposure / np.maximum(counts, 1), 0.0)


def rebalance_mask(dates: pd.DatetimeIndex, rebalance: str = "daily") -> np.ndarray:
    """The decision dates on which weights are recomputed: every one, or each week's or month's first."""
    _choice("rebalance", rebalance, REBALANCE)
    dates = pd.DatetimeIndex(dates)
    if rebalance == "daily" or len(dates) == 0:
        return np.ones(len(dates), dtype=bool)
    if rebalance == "weekly":
        iso = dates.isocalendar()
        period = iso["year"].to_numpy() * 100 + iso["week"].to_numpy()
    else:
        period = dates.year * 100 + dates.month
    period = np.asarray(period)
    return np.concatenate([[True], period[1:] != period[:-1]])


def carry_proba(proba: pd.DataFrame, limit: int = CARRY_DATES) -> pd.DataFrame:
    """Each ticker's latest P(up) on up to ``limit`` decision dates in a row that it has none.

    A ticker that did not trade on a date (another exchange's holiday) keeps
    the P(up) it had, so its position is not closed because it missed a day.
    Missing for longer, it cannot be chosen until it has a prediction again.
    """
    return proba.ffill(limit=limit)
