"""Checks on out-of-sample predictions: causality, shuffled-label control, degenerate and too-good models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from alphacheck.audit.verdict import FAIL, PASS, WARN, Check

__all__ = [
    "CONSTANT_SHARE",
    "TOO_GOOD_MARGIN",
    "TOO_GOOD_SHARPE",
    "degenerate_predictor",
    "prediction_causality",
    "shuffled_labels",
    "too_good_to_be_true",
]

CONSTANT_SHARE = 0.98
"""A model that says the same thing on this share of days (or more) trades as a constant predictor."""
NEARLY_CONSTANT_SHARE = 0.90
TOO_GOOD_MARGIN = 0.05
"""Daily direction accuracy this far above the window's majority rate (p < 0.01) is too good to trust.

The margin is over the majority rate of the same predictions, not an absolute level: a constant
"up" predictor scores the up-day share, 60.4% in a window with 60.4% up days, and knows nothing.
"""
TOO_GOOD_SHARPE = 3.0
_MIN_PROBA_STD = 1e-3
_P_VALUE = 0.01

_TOO_GOOD_REASONS = (
    "a feature computed from future bars (a shifted-back return, a centred window, a label column)",
    "a scaler or other preprocessing fitted on all rows, test rows included",
    "test dates inside a training range, or no purge between them",
    "costs left out, or fills at a price known only after the signal",
    "a short or lucky test period: read the intervals, not the point figure",
)


def prediction_causality(
    full: pd.DataFrame, cut: pd.DataFrame, cut_date: pd.Timestamp, atol: float = 1e-6, before: bool = False
) -> Check:
    """Every prediction up to ``cut_date`` must be remade, unchanged, from the prices up to ``cut_date``.

    Parameters
    ----------
    full
        Predictions made with all prices, on dates up to ``cut_date``.
    cut
        Predictions made with the prices up to ``cut_date``; rows whose
        ``fwd_return`` is NaN were not labelled yet, their label is not compared.
        Labels are compared only when both have them (files from outside need not).
    cut_date
        The last date of the cut prices.
    atol
        Largest P(up) difference tolerated (float rounding).
    before
        ``full`` holds the predictions strictly before ``cut_date`` (``alphacheck
        audit-predictions``): the messages say "before" instead of "up to".
    """
    keys = ["date", "ticker", "variant"]
    merged = full.merge(cut, on=keys, how="left", suffixes=("_full", "_cut"), indicator=True)
    upto = "before" if before else "up to"
    if merged.empty:
        return Check("prediction_causality", WARN, f"no predictions {upto} {cut_date.date()} to compare")
    missing = merged[merged["_merge"] == "left_only"]
    if len(missing):
        return _unmade(missing, cut_date, before)
    labelled = merged["fwd_return_cut"].notna().to_numpy() if "fwd_return_cut" in merged else True
    difference = np.abs(merged["proba_full"].to_numpy() - merged["proba_cut"].to_numpy())
    label_changed = False
    if "label_full" in merged and "label_cut" in merged:
        label_changed = (merged["label_full"].to_numpy() != merged["label_cut"].to_numpy()) & labelled
    changed = (difference > atol) | label_changed
    details = {
        "cut": str(cut_date.date()),
        "compared": len(merged),
        "max_abs_difference": float(difference.max()),
    }
    if not changed.any():
        return Check(
            "prediction_causality",
            PASS,
            f"{len(merged)} predictions unchanged when prices end at {cut_date.date()} "
            f"(max |dP| {difference.max():.1e})",
            details=details,
        )
    return _changed(merged, changed, difference, cut_date, details)


def _unmade(missing: pd.DataFrame, cut_date: pd.Timestamp, before: bool) -> Check:
    """The failure for predictions the cut prices cannot make: a feature needs bars after the cut."""
    first = missing.sort_values("date").iloc[0]
    upto = "before" if before else "up to"
    why = "the file made on the cut prices lacks it" if before else "a feature is missing without bars"
    return Check(
        "prediction_causality",
        FAIL,
        f"{len(missing)} prediction(s) {upto} {cut_date.date()} cannot be made from the prices up to then",
        (
            f"{first['variant']} on {first['ticker']} {pd.Timestamp(first['date']).date()}: {why} "
            f"after {cut_date.date()}; it reads the future",
        ),
        {
            "cut": str(cut_date.date()),
            "missing": len(missing),
            "first_missing": str(pd.Timestamp(first["date"]).date()),
        },
    )


def _changed(
    merged: pd.DataFrame,
    changed: np.ndarray,
    difference: np.ndarray,
    cut_date: pd.Timestamp,
    details: dict[str, object],
) -> Check:
    """The failure for predictions that change when later prices are added, with the first of them."""
    first = merged[changed].sort_values("date").iloc[0]
    evidence = (
        (
            f"{first['variant']} on {first['ticker']} {pd.Timestamp(first['date']).date()}: P(up) "
            f"{first['proba_full']:.6f} with all prices, {first['proba_cut']:.6f} with prices up to "
            f"{cut_date.date()}"
        ),
        f"{int(changed.sum())} of {len(merged)} predictions change; max |dP| {difference.max():.3g}",
    )
    return Check(
        "prediction_causality",
        FAIL,
        f"predictions before {cut_date.date()} change when later prices are added",
        evidence,
        {
            **details,
            "changed": int(changed.sum()),
            "first_changed": str(pd.Timestamp(first["date"]).date()),
            "differences": _differences(merged[changed]),
        },
    )


def _differences(rows: pd.DataFrame, limit: int = 1000) -> list[dict[str, object]]:
    """The first ``limit`` changed predictions, date order: what each file says."""
    rows = rows.sort_values(["date", "ticker", "variant"]).head(limit)
    return [
        {
            "date": str(pd.Timestamp(r["date"]).date()),
            "ticker": str(r["ticker"]),
            "variant": str(r["variant"]),
            "proba_full": float(r["proba_full"]),
            "proba_cut": float(r["proba_cut"]),
        }
        for r in rows.to_dict("records")
    ]


def _accuracy(rows: pd.DataFrame, threshold: float) -> tuple[int, int, float]:
    up = rows["proba"].to_numpy() > threshold
    label = rows["label"].to_numpy().astype(bool)
    majority = max(label.mean(), 1 - label.mean())
    return int(np.sum(up == label)), len(label), float(majority)


def shuffled_labels(
    shuffled: pd.DataFrame, real: pd.DataFrame | None = None, threshold: float = 0.5
) -> Check:
    """Trained on permuted labels, a model must score no better than the majority rate of those labels.

    ``shuffled`` holds predictions from a walk-forward whose labels were
    permuted (its ``label`` column is the permuted one). Above the majority
    rate (one-sided binomial test, p < 0.01) something other than the
    labels carries the answer: test rows seen in training, a label-derived input.
    """
    evidence, details, failing = [], {}, []
    for variant, rows in shuffled.groupby("variant", sort=True):
        correct, n, majority = _accuracy(rows, threshold)
        p_value = float(stats.binomtest(correct, n, majority, alternative="greater").pvalue)
        line = f"{variant}: {correct / n:.1%} on permuted labels vs majority {majority:.1%} (p={p_value:.2g}, n={n})"
        if real is not None:
            real_correct, real_n, _ = _accuracy(real[real["variant"] == variant], threshold)
            line += f"; {real_correct / real_n:.1%} on the real labels"
        evidence.append(line)
        details[str(variant)] = {"accuracy": correct / n, "majority_rate": majority, "p_value": p_value}
        if p_value < _P_VALUE:
            failing.append(str(variant))
    if failing:
        summary = f"{', '.join(failing)} beat the base rate on permuted labels: the answer leaks in elsewhere"
        return Check("shuffled_labels", FAIL, summary, tuple(evidence), details)
    return Check(
        "shuffled_labels",
        PASS,
        "on permuted labels every variant falls to the base rate",
        tuple(evidence),
        details,
    )


def degenerate_predictor(predictions: pd.DataFrame, threshold: float = 0.5) -> Check:
    """Name variants whose model output is constant (fail), or whose calls are (nearly) all one way (warn).

    A model whose own P(up) (``proba_raw``, before calibration, when the
    predictions have it) does not move (standard deviation below 0.001)
    ignores its inputs: a broken model, and its accuracy is the share of the
    class it repeats. Calls that are the same on :data:`CONSTANT_SHARE` of the
    days from a model whose output does move warn: a calibrated model with
    little skill keeps P(up) near the up-day rate, on one side of the
    threshold (or the calibration, finding no skill on the validation tail,
    maps every score to that rate), and trades as always-long; its accuracy is
    then the up-day share, no evidence of skill, but nothing in the pipeline is
    broken. From :data:`NEARLY_CONSTANT_SHARE` the calls are nearly constant
    (warn). An accuracy that happens to equal the up-day share is not flagged
    by itself: a model that says up on 73% of days can land on that count by
    coincidence.
    """
    evidence, details, verdicts = [], {}, []
    for variant, rows in predictions.groupby("variant", sort=True):
        proba = rows["proba"].to_numpy()
        own = rows["proba_raw"].to_numpy() if "proba_raw" in rows else proba
        share_up = float(np.mean(proba > threshold))
        spread, own_spread = float(np.std(proba)), float(np.std(own))
        details[str(variant)] = {
            "share_up": share_up,
            "proba_std": spread,
            "model_proba_std": own_spread,
            "up_day_share": float(rows["label"].to_numpy().astype(bool).mean()),
        }
        described = f"{variant}: says up on {share_up:.1%} of days, P(up) std {spread:.2g}"
        one_way = max(share_up, 1 - share_up)
        if own_spread < _MIN_PROBA_STD:
            verdicts.append(FAIL)
            evidence.append(
                f"{described}: a constant predictor (the model's P(up) does not move: it ignores its "
                "inputs), its accuracy is the share of the class it repeats"
            )
        elif one_way >= CONSTANT_SHARE or spread < _MIN_PROBA_STD:
            verdicts.append(WARN)
            evidence.append(
                f"{described}: P(up) {proba.min():.3f}..{proba.max():.3f} stays on one side of {threshold:g} "
                f"(the model's own {own.min():.3f}..{own.max():.3f}), so it trades as a constant predictor "
                "and its accuracy is the share of the class it repeats"
            )
        elif one_way >= NEARLY_CONSTANT_SHARE:
            verdicts.append(WARN)
            evidence.append(
                f"{described}: nearly constant, its accuracy is close to the share of the class it repeats"
            )
        else:
            verdicts.append(PASS)
            evidence.append(described)
    verdict = FAIL if FAIL in verdicts else WARN if WARN in verdicts else PASS
    flagged = [line.split(":")[0] for line, v in zip(evidence, verdicts, strict=True) if v != PASS]
    summary = (
        f"degenerate: {', '.join(flagged)}"
        if flagged
        else "every variant's predictions vary and say both up and down"
    )
    return Check("degenerate_predictor", verdict, summary, tuple(evidence), details)


def too_good_to_be_true(
    predictions: pd.DataFrame, sharpe_after_costs: dict[str, float], threshold: float = 0.5
) -> Check:
    """Warn of daily accuracy far above the majority rate, or a Sharpe ratio above 3 after costs.

    Per variant on each ticker, the accuracy is compared with the majority
    rate of the same dates: :data:`TOO_GOOD_MARGIN` or more above it, with a
    one-sided binomial p < 0.01, is too good. The evidence lists the usual
    causes.

    Parameters
    ----------
    predictions
        Out-of-sample predictions: ``ticker``, ``variant``, ``proba``, ``label``.
    sharpe_after_costs
        ``{"<variant> on <ticker>": Sharpe ratio}`` from the backtest with costs.
    threshold
        P(up) above which a prediction says "up".
    """
    flags, details = [], {}
    for (variant, ticker), rows in predictions.groupby(["variant", "ticker"], sort=True):
        name = f"{variant} on {ticker}"
        correct, n, majority = _accuracy(rows, threshold)
        p_value = float(stats.binomtest(correct, n, majority, alternative="greater").pvalue)
        details[name] = {"accuracy": correct / n, "majority_rate": majority, "p_value": p_value}
        if correct / n - majority >= TOO_GOOD_MARGIN and p_value < _P_VALUE:
            flags.append(
                f"{name}: daily direction accuracy {correct / n:.1%} vs majority {majority:.1%} "
                f"({100 * (correct / n - majority):+.1f} points, binomial p={p_value:.2g}, n={n})"
            )
    for name, sharpe in sorted(sharpe_after_costs.items()):
        details.setdefault(name, {})["sharpe_after_costs"] = sharpe
        if np.isfinite(sharpe) and sharpe > TOO_GOOD_SHARPE:
            flags.append(f"{name}: Sharpe {sharpe:.2f} after costs > {TOO_GOOD_SHARPE:g}")
    if not flags:
        return Check(
            "too_good_to_be_true",
            PASS,
            f"accuracy within {TOO_GOOD_MARGIN:.0%} of the majority rate (or not significantly above it) "
            f"and Sharpe after costs <= {TOO_GOOD_SHARPE:g}",
            details=details,
        )
    evidence = (*flags, "it usually happens through:", *(f"- {reason}" for reason in _TOO_GOOD_REASONS))
    return Check("too_good_to_be_true", WARN, f"review before trusting: {flags[0]}", evidence, details)
