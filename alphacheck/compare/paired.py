"""Paired tests of two variants on the same out-of-sample dates, and a confidence set over all of them.

- McNemar (exact binomial on the discordant pairs) on right/wrong calls;
- Diebold-Mariano on log loss, with a Newey-West (Bartlett) long-run variance;
- a stationary-bootstrap interval for the difference in Sharpe ratios (from
  ``alphacheck.backtest.significance``, where the verdict uses it too);
- Hansen's model confidence set (``arch.bootstrap.MCS``) across variants;
- the minimum track record length (Bailey and Lopez de Prado, 2012): how many
  days of returns show one Sharpe ratio above another at a given confidence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alphacheck.backtest.metrics import sharpe_ratio
from alphacheck.backtest.significance import sharpe_difference_interval

__all__ = [
    "diebold_mariano",
    "log_loss_per_row",
    "mcnemar",
    "min_track_record_length",
    "model_confidence_set",
    "newey_west_lag",
    "sharpe_difference_interval",
]

_EPS = 1e-12


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> dict[str, float]:
    """McNemar's test of equal accuracy on paired calls.

    Parameters
    ----------
    correct_a, correct_b
        Per row, whether variant A and variant B called the direction right.

    Returns
    -------
    dict
        ``a_only`` (A right, B wrong), ``b_only``, ``statistic`` (chi-square with
        continuity correction, ``(|a_only - b_only| - 1)^2 / (a_only + b_only)``)
        and ``p_value`` (exact two-sided binomial test of the discordant pairs).
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    a_only, b_only = int(np.sum(a & ~b)), int(np.sum(~a & b))
    discordant = a_only + b_only
    if discordant == 0:
        return {"a_only": 0, "b_only": 0, "statistic": 0.0, "p_value": 1.0}
    statistic = (abs(a_only - b_only) - 1) ** 2 / discordant
    p_value = float(stats.binomtest(a_only, discordant, 0.5).pvalue)
    return {"a_only": a_only, "b_only": b_only, "statistic": float(statistic), "p_value": p_value}


def log_loss_per_row(proba: np.ndarray, label: np.ndarray) -> np.ndarray:
    """``-(y log p + (1 - y) log(1 - p))`` per row, ``p`` clipped to ``[1e-12, 1 - 1e-12]``."""
    p = np.clip(np.asarray(proba, dtype="float64"), _EPS, 1 - _EPS)
    y = np.asarray(label, dtype="float64")
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def newey_west_lag(n: int) -> int:
    """The Newey-West rule of thumb ``floor(4 (n / 100)^(2/9))``."""
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, lag: int | None = None) -> dict[str, float]:
    """Diebold-Mariano test of equal expected loss.

    ``d = loss_a - loss_b``; ``DM = mean(d) / sqrt(LRV / n)`` with the
    Bartlett-weighted long-run variance
    ``LRV = g0 + 2 sum_{k=1..lag} (1 - k / (lag + 1)) g_k`` (``g_k`` the
    autocovariances of ``d``, divided by ``n``). Positive DM: A loses more.

    Returns
    -------
    dict
        ``mean_difference``, ``statistic``, ``p_value`` (two-sided, normal) and ``lag``.
    """
    d = np.asarray(loss_a, dtype="float64") - np.asarray(loss_b, dtype="float64")
    n = len(d)
    lag = newey_west_lag(n) if lag is None else lag
    centred = d - d.mean()
    lrv = centred @ centred / n
    for k in range(1, min(lag, n - 1) + 1):
        lrv += 2 * (1 - k / (lag + 1)) * (centred[k:] @ centred[:-k]) / n
    if n < 2 or lrv <= 0:
        return {"mean_difference": float(d.mean()) if n else float("nan"), "statistic": float("nan"),
                "p_value": float("nan"), "lag": lag}  # fmt: skip
    statistic = d.mean() / np.sqrt(lrv / n)
    p_value = 2 * stats.norm.sf(abs(statistic))
    return {
        "mean_difference": float(d.mean()),
        "statistic": float(statistic),
        "p_value": float(p_value),
        "lag": lag,
    }


def model_confidence_set(
    losses: pd.DataFrame, size: float = 0.10, reps: int = 1000, block_days: int = 10, seed: int = 0
) -> dict[str, object]:
    """Hansen's model confidence set: the variants not beaten on loss at level ``size``.

    Parameters
    ----------
    losses
        One column per variant, one row per date (lower is better).

    Returns
    -------
    dict
        ``included`` and ``excluded`` variant names and each one's MCS ``p_values``.

    Notes
    -----
    Variants with identical losses cannot be told apart: the set is computed
    over one of each group (arch's ``MCS`` fails on a loss difference that is
    zero on every date) and each twin gets its group's p-value and membership.
    A single distinct variant is the whole set, with p-value 1.
    """
    from arch.bootstrap import MCS

    columns = [str(c) for c in losses.columns]
    losses = losses.set_axis(columns, axis=1)
    distinct = losses.T.drop_duplicates().T
    twin_of = {c: next(d for d in distinct.columns if losses[c].equals(losses[d])) for c in columns}
    if distinct.shape[1] == 1:
        p_values, included = dict.fromkeys(distinct.columns, 1.0), set(distinct.columns)
    else:
        mcs = MCS(distinct, size=size, reps=reps, block_size=block_days, seed=np.random.default_rng(seed))
        mcs.compute()
        p_values = {str(k): float(v) for k, v in mcs.pvalues["Pvalue"].items()}
        included = set(map(str, mcs.included))
    return {"size": size, "included": sorted(c for c in columns if twin_of[c] in included),
            "excluded": sorted(c for c in columns if twin_of[c] not in included),
            "p_values": {c: p_values[twin_of[c]] for c in columns}}  # fmt: skip


def min_track_record_length(returns: np.ndarray, benchmark_sharpe: float = 0.0, level: float = 0.95) -> float:
    """Days of returns needed to show the Sharpe ratio above ``benchmark_sharpe`` at ``level``.

    ``MinTRL = 1 + (1 - g3 SR + (g4 - 1) / 4 SR^2) (z_level / (SR - SR*))^2``
    with per-period Sharpe ratios ``SR`` and ``SR*`` (``benchmark_sharpe`` is
    per period too), ``g3`` the skewness and ``g4`` the (plain) kurtosis of the
    returns. Infinite when ``SR <= SR*``; NaN when either Sharpe ratio is
    undefined (returns that never vary).
    """
    r = np.asarray(returns, dtype="float64")
    sharpe = sharpe_ratio(r, periods_per_year=1)
    if not (np.isfinite(sharpe) and np.isfinite(benchmark_sharpe)):
        return float("nan")
    if sharpe <= benchmark_sharpe:
        return float("inf")
    skew = float(stats.skew(r))
    kurtosis = float(stats.kurtosis(r, fisher=False))
    spread = 1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2
    z = stats.norm.ppf(level)
    return float(1 + spread * (z / (sharpe - benchmark_sharpe)) ** 2)
