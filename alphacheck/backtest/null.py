"""A matched null: the model's own positions, moved in time by random circular shifts.

The question a null answers is "is the timing of the positions worth
anything?". A uniform random predictor is a weak answer: it switches position
about three times as often as a model and is long half the time, so costs sink
it and almost any model beats it. The matched null keeps everything about the
model's positions except their timing: draw ``k`` and hold, on decision date
``t``, the weight the model decided on date ``t - k`` (modulo the number of
dates). Each draw is traded through the same backtest at the same costs.

Why circular shifts rather than a stationary bootstrap of the position
series: a shift keeps the exact distribution of weights (so the exposure, the
long/short split and the sizes), every holding period but the one cut at the
wrap, and hence the number of trades to within one round trip. Bootstrap
blocks start at random positions, so each block boundary adds a trade the
model never made: the null would pay more costs than the model and look worse
than it is, the very bias of the uniform predictor.

Shifts closer to 0 than ``MIN_SHIFT_DAYS`` are never drawn: a position series
held for weeks, moved by a day or two, still overlaps the model's own timing,
and such a draw is the model rather than a null.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["MIN_SHIFT_DAYS", "circular_shifts", "null_rank", "null_rng", "shift_offsets"]

MIN_SHIFT_DAYS = 21
"""Smallest shift drawn, in decision dates (a trading month), either way round."""


def null_rng(seed: int, *names: str) -> np.random.Generator:
    """The generator of one strategy's null draws: from the run's seed and the strategy's names.

    The same seed and names give the same draws whatever else the run holds, in any order.
    """
    keys = [zlib.crc32(name.encode()) for name in names]
    return np.random.default_rng([int(seed), *keys])


def shift_offsets(n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` shifts in ``[m, n - m]`` with ``m = min(MIN_SHIFT_DAYS, n // 4)``.

    Distinct shifts while there are enough of them, else drawn with replacement.

    Raises
    ------
    ValueError
        With fewer than 2 dates (no shift moves anything) or fewer than 1 draw.
    """
    if n < 2:
        raise ValueError(f"a matched null needs at least 2 decision dates, got {n}")
    if draws < 1:
        raise ValueError(f"a matched null needs at least 1 draw, got {draws}")
    smallest = max(1, min(MIN_SHIFT_DAYS, n // 4))
    admissible = np.arange(smallest, n - smallest + 1)
    return rng.choice(admissible, size=draws, replace=draws > len(admissible))


def circular_shifts(weights: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """One row per offset ``k``: ``row[t] = weights[(t - k) mod n]``.

    Parameters
    ----------
    weights
        The model's target weights per decision date.
    offsets
        Shifts from :func:`shift_offsets`.

    Returns
    -------
    numpy.ndarray
        ``(len(offsets), len(weights))`` float64 weights.
    """
    weights = np.asarray(weights, dtype="float64")
    n = len(weights)
    index = (np.arange(n)[None, :] - np.asarray(offsets)[:, None]) % n
    return weights[index]


def null_rank(sharpe: float, null_sharpes: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Where a strategy's Sharpe ratio falls among its null draws.

    Parameters
    ----------
    sharpe
        The strategy's annualised Sharpe ratio after costs.
    null_sharpes
        The same figure for each null draw (undefined draws are left out).
    level
        The quantile of the null a strategy must reach (0.95: its 95th percentile).

    Returns
    -------
    dict
        ``percentile`` (share of draws below the strategy, ties counted half,
        in percent), ``null_quantile`` (the null's ``level`` quantile, linear
        interpolation), ``beats_null`` (1.0 when the Sharpe ratio is at or above
        it, else 0.0), ``p_value`` ((1 + draws at or above) / (1 + draws)), and
        the null's ``mean`` and ``std`` (ddof 1); ``nan`` where undefined.
    """
    draws = np.asarray(null_sharpes, dtype="float64")
    draws = draws[np.isfinite(draws)]
    nan = float("nan")
    if len(draws) == 0:
        return {
            "percentile": nan,
            "null_quantile": nan,
            "beats_null": nan,
            "p_value": nan,
            "mean": nan,
            "std": nan,
        }
    quantile = float(np.quantile(draws, level))
    spread = float(np.std(draws, ddof=1)) if len(draws) > 1 else nan
    if not np.isfinite(sharpe):
        return {
            "percentile": nan,
            "null_quantile": quantile,
            "beats_null": 0.0,
            "p_value": nan,
            "mean": float(draws.mean()),
            "std": spread,
        }
    below, ties = float(np.sum(draws < sharpe)), float(np.sum(draws == sharpe))
    return {
        "percentile": 100.0 * (below + ties / 2) / len(draws),
        "null_quantile": quantile,
        "beats_null": float(sharpe >= quantile),
        "p_value": float((1.0 + np.sum(draws >= sharpe)) / (1.0 + len(draws))),
        "mean": float(draws.mean()),
        "std": spread,
    }
