"""Split hygiene: purge at least the label horizon, scalers fitted on training rows only, no test date in training."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphacheck.audit.verdict import FAIL, PASS, Check

if TYPE_CHECKING:
    from alphacheck.walkforward import Fold

__all__ = ["scaler_leaks", "split_hygiene"]

_META = ("fwd_return", "label")


def split_hygiene(
    calendar: pd.DatetimeIndex,
    folds: list,
    purge_days: int,
    horizon: int,
    predictions: pd.DataFrame | None = None,
    datasets: dict[str, pd.DataFrame] | None = None,
    sequence_length: int = 1,
) -> Check:
    """Check the folds, the predictions and the fold preparation for overlaps between training and test.

    Parameters
    ----------
    calendar
        The labelled trading days the folds were cut from.
    folds
        The walk-forward folds.
    purge_days, horizon
        The configured purge and the label horizon in bars.
    predictions
        Out-of-sample predictions with ``date``, ``ticker``, ``variant`` and ``fold``.
    datasets
        Per ticker features and labels; when given, the fold preparation's
        scaler is tested with :func:`scaler_leaks`.
    sequence_length
        Rows per input sequence.
    """
    problems = []
    if purge_days < horizon:
        problems.append(f"purge_days={purge_days} is shorter than the label horizon of {horizon} bars")
    position = pd.Series(np.arange(len(calendar)), index=calendar)
    for fold in folds:
        gaps = {
            "fitting rows and validation tail": position[fold.val_start] - position[fold.fit_end] - 1,
            "training range and test window": position[fold.test_start] - position[fold.val_end] - 1,
        }
        for between, gap in gaps.items():
            if gap < horizon:
                problems.append(
                    f"fold {fold.index}: {gap} bars between {between}, fewer than the horizon {horizon}"
                )
        if fold.test_start <= fold.val_end and fold.test_end >= fold.fit_start:
            problems.append(
                f"fold {fold.index}: test window {fold.test_start.date()} starts inside its training range"
            )
    if predictions is not None:
        problems.extend(_prediction_problems(predictions, folds))
    if datasets is not None:
        problems.extend(
            p for fold in folds for p in scaler_leaks(datasets, calendar, fold, sequence_length)[:1]
        )
    if problems:
        return Check("split_hygiene", FAIL, problems[0], tuple(problems), {"problems": problems})
    return Check(
        "split_hygiene",
        PASS,
        f"{len(folds)} folds purge >= {horizon} bars; no test date in training; scaler sees training rows only",
        details={"folds": len(folds), "purge_days": purge_days, "horizon": horizon},
    )


def _prediction_problems(predictions: pd.DataFrame, folds: list) -> list[str]:
    problems = []
    by_index = {fold.index: fold for fold in folds}
    dates = pd.DatetimeIndex(predictions["date"])
    for index, rows in predictions.groupby("fold"):
        fold = by_index.get(int(index))
        if fold is None:
            problems.append(f"predictions name fold {index}, which the walk-forward does not have")
            continue
        inside = (dates[rows.index] >= fold.test_start) & (dates[rows.index] <= fold.test_end)
        if not inside.all():
            first = dates[rows.index][~inside][0]
            problems.append(f"fold {index}: a prediction on {first.date()} lies outside its test window")
    duplicated = predictions.duplicated(["date", "ticker", "variant"])
    if duplicated.any():
        row = predictions[duplicated].iloc[0]
        problems.append(
            f"{row['variant']} on {row['ticker']} is predicted twice on {pd.Timestamp(row['date']).date()}"
        )
    return problems


def scaler_leaks(
    datasets: dict[str, pd.DataFrame], calendar: pd.DatetimeIndex, fold: Fold, length: int
) -> list[str]:
    """Does the fold preparation read rows after the training range? Alter them and see.

    The walk-forward's own preparation
    (:func:`alphacheck.walkforward.folds.prepare_fold`: fit the scaler, cut the
    sequences) is run twice: on the data, and on the data with every feature
    value after the fold's validation tail replaced by a different one. The training and
    validation inputs it returns must be identical; a scaler fitted on all rows
    (or any other preprocessing that sees the future) changes them.
    """
    from alphacheck.walkforward import folds

    altered = {}
    for ticker, data in datasets.items():
        data = data.copy()
        later = data.index > fold.val_end
        columns = [c for c in data.columns if c not in _META]
        data.loc[later, columns] = data.loc[later, columns].to_numpy() * 3.0 + 7.0
        altered[ticker] = data
    before, _ = folds.prepare_fold(datasets, calendar, fold, length)
    after, _ = folds.prepare_fold(altered, calendar, fold, length)
    problems = []
    for role in ("fit", "val"):
        x_before, x_after = before[role][0], after[role][0]
        if x_before.shape != x_after.shape or not np.array_equal(x_before, x_after):
            difference = (
                np.max(np.abs(x_before - x_after)) if x_before.shape == x_after.shape else float("nan")
            )
            problems.append(
                f"fold {fold.index}: the {role} inputs change (max {difference:.3g}) when only rows after "
                f"{fold.val_end.date()} are altered: the scaler or another preparation step was fitted "
                "on rows outside the training range"
            )
    return problems

