"""Reliability of P(up): predicted probability against the realised up rate, in bins.

A calibrated model's days with P(up) near 0.56 go up on about 56% of them.
Bins hold equal numbers of predictions (quantiles of the predicted P(up)),
since a model's probabilities crowd a narrow band around the up rate and
fixed-width bins would leave all but one or two empty; tied predictions
always share a bin. Each bin reports its range of predictions, their mean,
the realised up rate with its Wilson 95% interval, and its count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["RELIABILITY_BINS", "reliability_bins", "reliability_section"]

RELIABILITY_BINS = 10


def reliability_bins(proba: np.ndarray, label: np.ndarray, n_bins: int = RELIABILITY_BINS) -> dict[str, list]:
    """Equal-count bins of predicted P(up) with the realised up rate in each.

    Parameters
    ----------
    proba
        Predicted P(up).
    label
        1 when the day went up.
    n_bins
        Bins wanted; fewer when ties or a short sample leave fewer distinct edges.

    Returns
    -------
    dict
        Columns of equal length, one entry per bin: ``bin`` (from 1),
        ``proba_low``, ``proba_high``, ``mean_proba``, ``up_rate``,
        ``up_rate_ci_low``, ``up_rate_ci_high``, ``n``. Empty lists without predictions.
    """
    proba = np.asarray(proba, dtype="float64")
    label = np.asarray(label).astype(bool)
    names = (
        "bin", "proba_low", "proba_high", "mean_proba", "up_rate", "up_rate_ci_low", "up_rate_ci_high", "n"
    )
    columns: dict[str, list] = {name: [] for name in names}
    if len(proba) == 0:
        return columns
    inner = np.unique(np.quantile(proba, np.linspace(0, 1, n_bins + 1)[1:-1], method="lower"))
    assigned = np.searchsorted(inner, proba, side="left")  # a prediction equal to an edge joins the lower bin
    for number, key in enumerate(np.unique(assigned), start=1):
        mine = assigned == key
        ups, n = int(label[mine].sum()), int(mine.sum())
        low, high = stats.binomtest(ups, n).proportion_ci(confidence_level=0.95, method="wilson")
        row = (number, proba[mine].min(), proba[mine].max(), proba[mine].mean(), ups / n, low, high, n)
        for name, value in zip(names, row):
            columns[name].append(int(value) if name in ("bin", "n") else float(value))
    return columns


def reliability_section(predictions: pd.DataFrame, n_bins: int = RELIABILITY_BINS) -> dict[str, dict]:
    """``{variant: {"proba": bins, "proba_raw": bins}}`` over every ticker's predictions of each variant.

    ``proba`` is the calibrated P(up) the run traded on; ``proba_raw`` the
    model's own sigmoid, when the predictions carry it.
    """
    section: dict[str, dict] = {}
    for variant, rows in predictions.groupby("variant", sort=False):
        label = rows["label"].to_numpy()
        section[str(variant)] = {
            column: reliability_bins(rows[column].to_numpy(), label, n_bins)
            for column in ("proba", "proba_raw")
            if column in rows.columns
        }
    return section
