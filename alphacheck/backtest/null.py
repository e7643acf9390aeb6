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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alphacheck.backtest.metrics import PERIODS_PER_YEAR, sharpe_ratio

__all__ = [
    "MIN_SHIFT_DAYS",
    "NullDraws",
    "circular_shifts",
    "null_rank",
    "null_rng",
    "shift_offsets",
    "simulate_null",
]

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

    A draw with the very same Sharpe ratio counts against the strategy: a
    strategy whose shifted copies all earn what it earns (always long, say)
    has no timing for the null to find, and sits at the 0th percentile.

    Parameters
    ----------
    sharpe
        The strategy's annualised Sharpe ratio after costs.
    null_sharpes
        The same figure for each null draw (undefined draws are left out).
    level
        The share of draws a strategy must beat (0.95: it is at or above the
        null's 95th percentile).

    Returns
    -------
    dict
        ``percentile`` (share of draws strictly below the strategy, in
        percent), ``beats_null`` (1.0 when that share is ``level`` or more,
        else 0.0), ``null_quantile`` (the null's ``level`` quantile, linear
        interpolation), ``p_value`` ((1 + draws at or above) / (1 + draws)),
        and the null's ``mean`` and ``std`` (ddof 1); ``nan`` where undefined.
    """
    draws = np.asarray(null_sharpes, dtype="float64")
    draws = draws[np.isfinite(draws)]
    nan = float("nan")
    record = dict.fromkeys(("percentile", "beats_null", "null_quantile", "p_value", "mean", "std"), nan)
    if len(draws) == 0:
        return record
    record.update(
        null_quantile=float(np.quantile(draws, level)),
        mean=float(draws.mean()),
        std=float(np.std(draws, ddof=1)) if len(draws) > 1 else nan,
        beats_null=0.0,
    )
    if np.isfinite(sharpe):
        below = float(np.mean(draws < sharpe))
        record.update(
            percentile=100.0 * below,
            beats_null=float(below >= level),
            p_value=float((1.0 + np.sum(draws >= sharpe)) / (1.0 + len(draws))),
        )
    return record


@dataclass(frozen=True)
class NullDraws:
    """One strategy's matched null: the shifts drawn and what each shifted copy earned after costs.

    ``sharpe`` is annualised; ``turnover`` the traded value over equity,
    annualised; ``exposure`` the share of bars with a position, as in the
    run's metrics.
    """

    seed: int
    offsets: np.ndarray
    sharpe: np.ndarray
    turnover: np.ndarray
    exposure: np.ndarray

    def summary(self, sharpe: float, turnover: float) -> dict[str, float]:
        """The ``matched_null`` record of ``metrics.json``: the draws, where the strategy falls among them."""
        rank = null_rank(sharpe, self.sharpe)
        return {
            "draws": int(np.sum(np.isfinite(self.sharpe))),
            "null_draws_requested": len(self.offsets),
            "seed": self.seed,
            "min_shift_days": int(self.offsets.min()),
            "max_shift_days": int(self.offsets.max()),
            "sharpe": sharpe,
            "percentile": rank["percentile"],
            "beats_null": rank["beats_null"],
            "p_value": rank["p_value"],
            "null_sharpe_p95": rank["null_quantile"],
            "null_sharpe_mean": rank["mean"],
            "null_sharpe_std": rank["std"],
            "turnover": turnover,
            "null_turnover_mean": float(np.mean(self.turnover)),
            "null_exposure_mean": float(np.mean(self.exposure)),
        }


def simulate_null(
    weights: pd.DataFrame,
    draws: int,
    seed: int,
    ticker: str,
    simulate,
) -> dict[str, NullDraws]:
    """Trade ``draws`` circular shifts of each strategy's weights; one call of ``simulate`` per strategy.

    Parameters
    ----------
    weights
        Target weights per decision date (index) of each strategy (columns).
    draws
        Shifts per strategy.
    seed
        The run's seed; each strategy's generator is :func:`null_rng` of it,
        ``ticker`` and the strategy's name.
    ticker
        The ticker the weights trade.
    simulate
        ``simulate(weights_frame) -> Simulation`` at the strategies' own costs
        and execution (the run's backtest).

    Returns
    -------
    dict
        ``{strategy: NullDraws}``.
    """
    result = {}
    for name in weights.columns:
        offsets = shift_offsets(len(weights), draws, null_rng(seed, ticker, str(name)))
        shifted = circular_shifts(weights[name].to_numpy(), offsets)
        frame = pd.DataFrame(shifted.T, index=weights.index, columns=[f"null_{i}" for i in range(draws)])
        sim = simulate(frame)
        net, traded, position = sim.net_return, sim.traded, sim.position
        n_bars = len(net)
        result[str(name)] = NullDraws(
            seed=int(seed),
            offsets=offsets,
            sharpe=np.array([sharpe_ratio(net[c].to_numpy()) for c in frame.columns]),
            turnover=traded.sum().to_numpy() / n_bars * PERIODS_PER_YEAR,
            exposure=(position != 0).mean().to_numpy(),
        )
    return result

