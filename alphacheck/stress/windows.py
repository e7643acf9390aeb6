"""Historical stress windows scored from out-of-sample predictions only.

A window's result uses the predictions made inside it by folds whose first test
day is on or before the window's first day: their training labels (and the
purge after them) were all realised before the window began, so the models
never saw any of it. Predictions in the window from later folds, which were
trained on part of the window, are left out; the record says which days and
folds remain. Buy-and-hold is scored over the same bars.
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd

from alphacheck.exceptions import StressWarning
from alphacheck.scenarios.schema import BacktestConfig
from alphacheck.scenarios.stress import StressWindow
from alphacheck.stress.strategies import score_strategies

__all__ = ["qualifying_predictions", "stress_windows"]

log = logging.getLogger(__name__)


def qualifying_predictions(
    predictions: pd.DataFrame, folds: pd.DataFrame, window: StressWindow
) -> pd.DataFrame:
    """The predictions inside ``window`` made by folds that were trained before it.

    Parameters
    ----------
    predictions
        Walk-forward predictions (``date, ticker, variant, fold, proba, label``).
    folds
        One row per fold: ``fold`` and ``test_start`` (the first date it predicted).
    window
        The stress window.
    """
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    trained_before = folds.loc[pd.to_datetime(folds["test_start"]) <= start, "fold"]
    dates = pd.to_datetime(predictions["date"])
    keep = (dates >= start) & (dates <= end) & predictions["fold"].isin(trained_before)
    return predictions[keep]


def stress_windows(
    predictions: pd.DataFrame,
    folds: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    config: BacktestConfig,
    windows: list[StressWindow],
) -> dict[str, dict[str, dict[str, dict[str, object]]]]:
    """Score every variant and buy-and-hold in every window, per ticker.

    Returns
    -------
    dict
        ``{window: {ticker: {strategy: record}}}``; a record holds
        :data:`~alphacheck.stress.strategies.STRESS_METRICS`, the window's
        declared and covered dates and the folds used. A window no fold was
        trained before gets records with ``n_predictions`` 0 and a ``note``.

    Warns
    -----
    StressWarning
        For a window without any qualifying prediction.
    """
    tickers = sorted(str(t) for t in predictions["ticker"].unique())
    variants = list(dict.fromkeys(predictions["variant"]))
    out: dict[str, dict[str, dict[str, dict[str, object]]]] = {}
    for window in windows:
        rows = qualifying_predictions(predictions, folds, window)
        declared = {"window_start": str(window.start), "window_end": str(window.end)}
        out[window.name], note = {}, None
        for ticker in tickers:
            ticker_rows = rows[rows["ticker"] == ticker]
            if ticker_rows.empty:
                note = note or _uncovered(predictions, folds, window)
                out[window.name][ticker] = {
                    name: {**declared, "n_predictions": 0, "note": note}
                    for name in [*variants, "buy_and_hold"]
                }
                continue
            used = ",".join(str(f) for f in sorted(ticker_rows["fold"].unique()))
            scores = score_strategies(ticker_rows, prices[ticker], config)
            out[window.name][ticker] = {
                name: {**declared, **record, "folds": used} for name, record in scores.items()
            }
        log.info("stress window %s: %d qualifying predictions", window.name, len(rows))
    return out


def _uncovered(predictions: pd.DataFrame, folds: pd.DataFrame, window: StressWindow) -> str:
    first = pd.to_datetime(folds["test_start"]).min()
    last = pd.to_datetime(predictions["date"]).max()
    if pd.Timestamp(window.end) < first or pd.Timestamp(window.start) < first:
        note = (
            f"no model was trained before {window.start}: the first out-of-sample day is {first.date()}; "
            "start the data earlier or shorten walkforward.train_days"
        )
    elif pd.Timestamp(window.start) > last:
        note = f"the window starts after the last prediction ({last.date()}); extend data.end"
    else:
        note = "no prediction inside the window from a fold trained before it"
    warnings.warn(f"stress window {window.name!r}: {note}", StressWarning, stacklevel=3)
    return note
