"""Feature checks: causality under truncation, and single features that predict the label too well."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from alphacheck.audit.verdict import FAIL, PASS, WARN, Check
from alphacheck.features.causality import check_causality, default_cuts
from alphacheck.features.sets import resolve_features

__all__ = [
    "LEAKAGE_FAIL_MARGIN",
    "LEAKAGE_WARN_MARGIN",
    "feature_causality",
    "stump_accuracy",
    "target_leakage",
]

LEAKAGE_FAIL_MARGIN = 0.05
"""A lone feature whose threshold rule beats the majority rate by this much out of sample (p < 0.01) fails.

No built-in feature comes within 2 points of the majority rate on the shipped scenarios or on SPY, AAPL,
MSFT and XBI 2018-2023 (basic and advanced sets); a 5-day centred mean of an outside series joined by
date scores 64.0% against a 56.4% majority on ``quick``, 63.5% against 53.5% on ``default``.
"""
LEAKAGE_WARN_MARGIN = 0.02
"""A smaller margin that is still significant (p < 0.01) is worth a look."""
_P_VALUE = 0.01
_QUANTILES = np.linspace(0.05, 0.95, 19)


def feature_causality(prices: dict[str, pd.DataFrame], feature_set: Any, n_cuts: int = 5) -> Check:
    """Recompute every selected feature on prices cut at ``n_cuts`` dates; name any that look ahead.

    Parameters
    ----------
    prices
        Prices frame per ticker.
    feature_set
        A set name or a ``FeatureConfig`` (built-in and custom features).
    n_cuts
        Cut dates per ticker, spread over the second half of its prices.
    """
    leaks, checked = [], 0
    for feature, windows in resolve_features(feature_set):
        for ticker, frame in prices.items():
            checked += 1
            report = check_causality(
                lambda p, f=feature, w=windows: f.compute(p, w),
                frame,
                cuts=default_cuts(frame.index, n_cuts),
                name=feature.name,
            )
            if not report.causal:
                leaks.append((feature.name, ticker, report))
                break
    if not leaks:
        return Check(
            "feature_causality",
            PASS,
            f"{checked} feature computations unchanged at {n_cuts} cut dates",
            details={"features_checked": checked, "cuts": n_cuts},
        )
    evidence = tuple(f"{ticker}: {report}" for _, ticker, report in leaks)
    names = ", ".join(name for name, _, _ in leaks)
    return Check(
        "feature_causality",
        FAIL,
        f"{len(leaks)} feature(s) use later bars: {names}",
        evidence,
        {
            "leaking": {
                name: {"ticker": ticker, "first_difference": str(report.first_difference.date())}
                for name, ticker, report in leaks
            }
        },
    )


def stump_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    """Predictions of the best one-threshold rule on one feature, fitted on the training rows.

    The threshold is one of the training values' 5%..95% quantiles and the
    rule says "up" above it or below it, whichever is more accurate in training.
    """
    thresholds = np.quantile(x_train, _QUANTILES)
    above = x_train[:, None] > thresholds[None, :]
    hits = (above == y_train[:, None].astype(bool)).mean(axis=0)
    best = int(np.argmax(np.maximum(hits, 1 - hits)))
    up_above = hits[best] >= 1 - hits[best]
    predicted = x_test > thresholds[best]
    return predicted if up_above else ~predicted


def target_leakage(datasets: dict[str, pd.DataFrame], folds: list, feature_columns: list[str]) -> Check:
    """Score a threshold rule on each feature alone, walk-forward, against the majority rate.

    Per fold the rule is fitted on the training range (fit and validation rows,
    all tickers pooled) and scored on the test range. Daily direction is hard
    to predict: a lone feature that beats the majority rate by
    :data:`LEAKAGE_FAIL_MARGIN` or more, with a one-sided binomial p < 0.01,
    fails (a leak until shown otherwise); a significant margin of
    :data:`LEAKAGE_WARN_MARGIN` or more warns.

    This is the check that catches what truncating the prices cannot: a custom
    feature that reads an outside, date-indexed series (mis-stamped data, a
    centred window over it) does not change when the prices it is given end
    earlier, but it knows the label.
    """
    correct = dict.fromkeys(feature_columns, 0)
    n, up = 0, 0
    for fold in folds:
        train = pd.concat([d.loc[fold.fit_start : fold.val_end] for d in datasets.values()])
        test = pd.concat([d.loc[fold.test_start : fold.test_end] for d in datasets.values()])
        if train.empty or test.empty:
            continue
        y_test = test["label"].to_numpy().astype(bool)
        n += len(test)
        up += int(y_test.sum())
        for column in feature_columns:
            predicted = stump_accuracy(
                train[column].to_numpy(), train["label"].to_numpy(), test[column].to_numpy()
            )
            correct[column] += int(np.sum(predicted == y_test))
    if n == 0:
        return Check("target_leakage", WARN, "no test rows to score the features on")
    majority = max(up, n - up) / n
    scores = []
    for column, hits in correct.items():
        p_value = float(stats.binomtest(hits, n, majority, alternative="greater").pvalue)
        scores.append((hits / n - majority, column, hits / n, p_value))
    scores.sort(reverse=True)
    flagged = [s for s in scores if s[0] >= LEAKAGE_WARN_MARGIN and s[3] < _P_VALUE]
    failing = [s for s in flagged if s[0] >= LEAKAGE_FAIL_MARGIN]
    verdict = FAIL if failing else WARN if flagged else PASS
    shown = flagged or scores[:3]
    evidence = tuple(
        f"{column}: threshold rule {accuracy:.1%} out of sample vs majority {majority:.1%} "
        f"({margin:+.1%}, binomial p={p_value:.2g}, n={n})"
        for margin, column, accuracy, p_value in shown
    )
    if verdict == PASS:
        summary = (
            f"no lone feature beats the majority rate {majority:.1%} by {LEAKAGE_WARN_MARGIN:.0%} or more "
            f"with p < {_P_VALUE}"
        )
    else:
        summary = f"{len(flagged)} feature(s) predict the label implausibly well: " + ", ".join(
            s[1] for s in flagged
        )
    details = {
        "majority_rate": majority,
        "n_test_rows": n,
        "features": {column: {"accuracy": acc, "p_value": p} for _, column, acc, p in scores},
    }
    return Check("target_leakage", verdict, summary, evidence, details)
