"""Drift: how far each feature's test rows moved from its training rows, fold by fold."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alphacheck.audit.verdict import PASS, WARN, Check

__all__ = ["KS_P_VALUE", "MIN_TEST_ROWS", "PSI_SHIFT", "drift", "population_stability_index"]

PSI_SHIFT = 0.25
"""PSI above which a feature's distribution is usually called significantly shifted."""
_BINS = 10
_FLOOR = 1e-4  # an empty bin would make the PSI infinite
MIN_TEST_ROWS = 50
"""Folds with fewer test rows are skipped: PSI over a handful of rows is mostly noise."""
KS_P_VALUE = 0.01
"""A shift counts when the PSI is large and the KS test rejects equal distributions at this level."""


def population_stability_index(expected: np.ndarray, actual: np.ndarray, bins: int = _BINS) -> float:
    """PSI of ``actual`` against ``expected`` over the deciles of ``expected``.

    ``sum((a - e) * ln(a / e))`` over the bins, with the shares ``e`` and ``a``
    floored at 1e-4. 0 for identical distributions; above 0.25 is a large shift.
    """
    expected = np.asarray(expected, dtype="float64")
    actual = np.asarray(actual, dtype="float64")
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1) / len(expected)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1) / len(actual)
    e, a = np.maximum(e, _FLOOR), np.maximum(a, _FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def drift(datasets: dict[str, pd.DataFrame], folds: list, feature_columns: list[str], top: int = 5) -> Check:
    """Kolmogorov-Smirnov and PSI of each feature between each fold's fitting and test rows.

    Drift is a fact of markets, not a bug, so the verdict is ``warn`` at most:
    a model trained on one regime and tested on another deserves a look.
    Folds with fewer than ``MIN_TEST_ROWS`` test rows are skipped.
    The evidence lists the ``top`` most shifted (fold, feature) pairs by PSI.
    """
    rows = []
    for fold in folds:
        train = pd.concat([d.loc[fold.fit_start : fold.fit_end, feature_columns] for d in datasets.values()])
        test = pd.concat([d.loc[fold.test_start : fold.test_end, feature_columns] for d in datasets.values()])
        if len(train) < MIN_TEST_ROWS or len(test) < MIN_TEST_ROWS:
            continue
        for column in feature_columns:
            ks = stats.ks_2samp(train[column].to_numpy(), test[column].to_numpy())
            psi = population_stability_index(train[column].to_numpy(), test[column].to_numpy())
            rows.append((psi, float(ks.statistic), float(ks.pvalue), fold.index, column))
    if not rows:
        return Check("drift", PASS, "no fold with training and test rows to compare")
    rows.sort(reverse=True)
    shifted = [r for r in rows if r[0] > PSI_SHIFT and r[2] < KS_P_VALUE]
    evidence = tuple(
        f"fold {fold}: {column} PSI={psi:.2f}, KS D={d:.2f} (p={p:.2g})"
        for psi, d, p, fold, column in rows[:top]
    )
    worst = {}
    for psi, d, p, fold, column in rows:
        worst.setdefault(column, {"psi": psi, "ks": d, "ks_p_value": p, "fold": fold})
    if shifted:
        features = sorted({r[4] for r in shifted})
        summary = (
            f"{len(features)} feature(s) shifted (PSI > {PSI_SHIFT}, KS p < {KS_P_VALUE}) between training and test: "
            + ", ".join(features[:top])
            + (" ..." if len(features) > top else "")
        )
        return Check("drift", WARN, summary, evidence, {"worst_per_feature": worst})
    return Check(
        "drift",
        PASS,
        f"no feature shifted (PSI > {PSI_SHIFT} with KS p < {KS_P_VALUE}) in {len(folds)} folds",
        evidence,
        {"worst_per_feature": worst},
    )
