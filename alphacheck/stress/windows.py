"""Historical stress windows scored from out-of-sample predictions only, two ways.

- **Trained before the window** (the record's plain keys): the predictions made
  inside the window by folds whose first test day is on or before the window's
  first day. Their training labels (and the purge after them) were all
  realised before the window began, so no model saw any of it. Predictions
  from later folds, trained on part of the window, are left out, so a window
  longer than the first such fold's test period is scored over part of it
  only: ``first_date``..``last_date`` say which days.
- **Whole window, walk-forward** (the same figures under ``whole_window_*``
  keys): every walk-forward prediction inside the window, whichever fold made
  it. Each comes from a model trained (and purged) before its own date, so it
  is out of sample too; later folds have seen the window's earlier days,
  which is what a model retrained through a crisis would have done.
  ``whole_window_first_date``..``whole_window_last_date`` and
  ``whole_window_folds`` say what it covers.

Buy-and-hold is scored over the same bars as each.
"""

from __future__ import annotations

import logging
import warnings

import pandas as pd

from alphacheck.exceptions import StressWarning
from alphacheck.scenarios.schema import BacktestConfig
from alphacheck.scenarios.stress import StressWindow
from alphacheck.stress.strategies import score_strategies

__all__ = [
    "WHOLE_WINDOW",
    "fold_test_starts",
    "qualifying_predictions",
    "stress_windows",
    "window_predictions",
]

#: Prefix of the whole-window walk-forward figures in a stress record.
WHOLE_WINDOW = "whole_window_"

log = logging.getLogger(__name__)


def fold_test_starts(folds: list[dict[str, object]]) -> pd.DataFrame:
    """One row per fold, ``fold`` and ``test_start``, from the walk-forward's fold records (one per variant)."""
    starts = pd.DataFrame(folds).rename(columns={"index": "fold"})[["fold", "test_start"]]
    return starts.drop_duplicates("fold")


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


def window_predictions(predictions: pd.DataFrame, window: StressWindow) -> pd.DataFrame:
    """Every walk-forward prediction inside ``window``, whichever fold made it."""
    dates = pd.to_datetime(predictions["date"])
    return predictions[(dates >= pd.Timestamp(window.start)) & (dates <= pd.Timestamp(window.end))]


def stress_windows(
    predictions: pd.DataFrame,
    folds: pd.DataFrame,
    prices: dict[str, pd.DataFrame],
    config: BacktestConfig,
    windows: list[StressWindow],
) -> dict[str, dict[str, dict[str, dict[str, object]]]]:
    """Score every variant and buy-and-hold in every window, per ticker, both ways.

    Returns
    -------
    dict
        ``{window: {ticker: {strategy: record}}}``. A record holds
        :data:`~alphacheck.stress.strategies.STRESS_METRICS`, the window's
        declared dates, the days covered (``first_date``, ``last_date``) and
        the folds used, for the models trained before the window; and the
        same under :data:`WHOLE_WINDOW` keys for every walk-forward prediction
        inside it. Where a way has no prediction, its ``n_predictions`` is 0
        and its ``note`` says why.

    Warns
    -----
    StressWarning
        For a window without any prediction of a model trained before it.
    """
    tickers = sorted(str(t) for t in predictions["ticker"].unique())
    variants = list(dict.fromkeys(predictions["variant"]))
    names = [*variants, "buy_and_hold"]
    out: dict[str, dict[str, dict[str, dict[str, object]]]] = {}
    for window in windows:
        before = qualifying_predictions(predictions, folds, window)
        whole = window_predictions(predictions, window)
        declared = {"window_start": str(window.start), "window_end": str(window.end)}
        out[window.name], note = {}, None
        for ticker in tickers:
            rows = before[before["ticker"] == ticker]
            if rows.empty:
                note = note or _uncovered(predictions, folds, window)
            records = _scores(rows, prices[ticker], config, names, note)
            wide = _scores(whole[whole["ticker"] == ticker], prices[ticker], config, names, _NO_PREDICTION)
            out[window.name][ticker] = {
                name: {**declared, **records[name], **{WHOLE_WINDOW + k: v for k, v in wide[name].items()}}
                for name in names
            }
        log.info(
            "stress window %s: %d predictions of models trained before it, %d walk-forward",
            window.name, len(before), len(whole),
        )
    return out


_NO_PREDICTION = "no walk-forward prediction inside the window"


def _scores(rows, prices, config, names, note) -> dict[str, dict[str, object]]:
    """Each strategy's record over ``rows`` with the folds used, or ``n_predictions`` 0 and ``note``."""
    if rows.empty:
        return {name: {"n_predictions": 0, "note": note} for name in names}
    used = ",".join(str(f) for f in sorted(rows["fold"].unique()))
    scores = score_strategies(rows, prices, config)
    return {name: {**record, "folds": used} for name, record in scores.items()}


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
