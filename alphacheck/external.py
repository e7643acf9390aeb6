"""Predictions from outside alphacheck: read, check and label a file for ``alphacheck evaluate``.

The file (parquet or CSV) has a row per forecast: ``date, ticker, proba``,
optionally ``variant`` (default: the file's stem) and ``fold``. The decision
convention is alphacheck's: ``proba`` at date t is P(up) known at the close
of t; the position it sets is filled at the next bar (open of t+1 with
``execution: next_open``, close of t+1 with ``next_close``) and earns the
return to the bar after that. Labels and forward returns come from the
prices (:func:`alphacheck.features.labels.forward_return`), never from the
file: a ``label`` or ``fwd_return`` column in it is ignored. A ``proba_raw``
column (a model's own probability before calibration, as a run's
``predictions.parquet`` has) is kept for the reliability section.

Without ``fold`` every row is taken as one model's, trained before the file's
first date (fold 0): the stress windows' "trained before" scores rest on
that. A walk-forward's predictions should carry their fold, numbered in time
order; a fold's first test day is the first date it predicts.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from alphacheck.exceptions import AlphacheckWarning, PredictionsError

__all__ = [
    "FILE_COLUMNS",
    "PredictionsWarning",
    "attach_outcomes",
    "check_predictions",
    "decision_convention",
    "file_folds",
    "file_sha256",
    "read_predictions",
]

#: Columns a predictions file must have; ``variant``, ``fold`` and ``proba_raw`` are optional.
FILE_COLUMNS = ("date", "ticker", "proba")
# A variant names files (tearsheets/<ticker>-<variant>.html) and metrics.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Strategies alphacheck itself reports beside the variants: a variant may not take their names.
_RESERVED = ("always_long", "buy_and_hold", "random", "equal_weight", "equal_weight_hold")
_SHOWN = 3


class PredictionsWarning(AlphacheckWarning):
    """A predictions file that is legal but probably not what was meant (hard 0/1 calls)."""


def decision_convention(execution: str) -> str:
    """The convention ``evaluate`` applies, in words, for the help, the terminal and ``metrics.json``."""
    bar = "open" if execution == "next_open" else "close"
    return (
        f"proba at date t is P(up) known at the close of t; the position is filled at the {bar} of t+1 "
        f"and earns {bar} t+1 -> {bar} t+2 (execution {execution}); labels and forward returns are "
        "computed from the prices, never read from the file"
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, recorded beside its evaluation."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_predictions(path: Path) -> pd.DataFrame:
    """Read a parquet or CSV file of predictions and check it (:func:`check_predictions`).

    Raises
    ------
    PredictionsError
        For a missing or unreadable file, and as :func:`check_predictions`.
    """
    path = Path(path)
    first_row = 2 if path.suffix.lower() == ".csv" else 1  # a CSV's header is line 1
    return check_predictions(_read_file(path), str(path), path.stem, rows_from=first_row)


def check_predictions(
    raw: pd.DataFrame, where: str, stem: str | None = None, rows_from: int = 1
) -> pd.DataFrame:
    """Check predictions and bring them to alphacheck's form.

    Parameters
    ----------
    raw
        Columns ``date, ticker, proba``, optionally ``variant``, ``fold``, ``proba_raw``.
    where
        The file (or ``"predictions"``), for messages.
    stem
        The variant's name when there is no ``variant`` column (the file's stem).
    rows_from
        The number of the first row in messages (a CSV's first data row is line 2).

    Returns
    -------
    DataFrame
        ``date`` (tz-naive days), ``ticker`` (upper case), ``variant``,
        ``fold`` (int64; 0 when the file has none), ``proba`` and, when given,
        ``proba_raw``, sorted by variant, ticker and date;
        ``attrs["folds_given"]`` says whether folds were given, and a run's
        walk-forward signature stored with its file is kept in ``attrs``.

    Raises
    ------
    PredictionsError
        For a missing column, unreadable dates, probabilities that are not
        numbers in [0, 1] (NaN included), a fold that is not a whole number,
        a bad or missing variant name, or a (date, ticker, variant) given twice.

    Warns
    -----
    PredictionsWarning
        When ``proba`` holds only 0 and 1: labels or hard calls, not probabilities.
    """
    missing = [c for c in FILE_COLUMNS if c not in raw.columns]
    if missing:
        raise PredictionsError(
            f"{where}: no column {', '.join(map(repr, missing))}; predictions have columns date, ticker, "
            f"proba (and optionally variant, fold); found {', '.join(map(str, raw.columns))}"
        )
    from alphacheck.data.dates import parse_dates

    rows = _Rows(where, rows_from)
    frame = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(parse_dates(pd.Index(raw["date"]), where)),
            "ticker": raw["ticker"].astype(str).str.strip().str.upper().to_numpy(),
            "variant": _variants(raw, where, stem),
            "fold": _folds(raw, rows),
            "proba": _probabilities(raw, "proba", rows),
        }
    )
    if "proba_raw" in raw.columns:
        frame["proba_raw"] = _probabilities(raw, "proba_raw", rows)
    _refuse_duplicates(frame, rows)
    _warn_hard_calls(frame, where)
    frame = frame.sort_values(["variant", "ticker", "date"], ignore_index=True)
    frame.attrs = {**raw.attrs, "folds_given": "fold" in raw.columns}
    return frame


class _Rows:
    """Names rows in messages: ``line 7`` of a CSV (after its header), ``row 6`` of anything else."""

    def __init__(self, where: str, first: int) -> None:
        self.where, self.first = where, first

    def __call__(self, position: int) -> str:
        return f"{'line' if self.first == 2 else 'row'} {position + self.first}"


def _read_file(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise PredictionsError(f"{path}: no such file; give a parquet or CSV file of predictions")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise PredictionsError(
            f"{path}: cannot be read as {suffix[1:]} ({type(exc).__name__}: {exc})"
        ) from None
    raise PredictionsError(f"{path}: unknown file type {suffix!r}; give a .parquet or .csv file")


def _variants(raw: pd.DataFrame, where: str, stem: str | None) -> np.ndarray:
    if "variant" not in raw.columns and stem is None:
        raise PredictionsError(f"{where}: no variant column; name the model in a column 'variant'")
    given = "variant" in raw.columns
    names = raw["variant"].astype(str).str.strip() if given else pd.Series([stem] * len(raw), dtype=object)
    for name in dict.fromkeys(names):
        if not _NAME.match(name) or name in _RESERVED:
            what = "column variant" if given else "the file's stem (no variant column)"
            raise PredictionsError(
                f"{where}: variant {name!r} ({what}) cannot name a strategy: use letters, digits, _ . - "
                f"(at most 64), and none of {', '.join(_RESERVED)}; add or fix a variant column"
            )
    return names.to_numpy()


def _folds(raw: pd.DataFrame, rows: _Rows) -> np.ndarray:
    if "fold" not in raw.columns:
        return np.zeros(len(raw), dtype="int64")
    fold = pd.to_numeric(raw["fold"], errors="coerce").to_numpy(dtype="float64")
    bad = np.flatnonzero(~np.isfinite(fold) | (fold != np.round(fold)) | (fold < 0))
    if len(bad):
        raise PredictionsError(
            f"{rows.where}: fold must be a whole number >= 0; "
            f"{rows(bad[0])} has {_shown(raw['fold'].iloc[bad[0]])}"
        )
    return fold.astype("int64")


def _probabilities(raw: pd.DataFrame, column: str, rows: _Rows) -> np.ndarray:
    values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype="float64")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (values > 1))
    if len(bad):
        shown = ", ".join(f"{rows(i)}: {_shown(raw[column].iloc[i])}" for i in bad[:_SHOWN])
        raise PredictionsError(
            f"{rows.where}: {column} must be a probability in [0, 1] on every row (no NaN); "
            f"{len(bad)} row(s) "
            f"are not ({shown}); map a score or logit to P(up) first"
        )
    return values


def _shown(value: object) -> str:
    """A cell as a user wrote it: text quoted, numbers plain (not ``np.float64(1.2)``)."""
    return repr(value) if isinstance(value, str) else str(value)


def _refuse_duplicates(frame: pd.DataFrame, rows: _Rows) -> None:
    twice = frame.duplicated(["date", "ticker", "variant"], keep=False)
    if twice.any():
        first = frame[twice].iloc[0]
        shown = ", ".join(rows(i) for i in np.flatnonzero(twice)[:_SHOWN])
        raise PredictionsError(
            f"{rows.where}: {first['variant']} on {first['ticker']} is predicted more than once on "
            f"{first['date'].date()} ({shown}); keep one row per (date, ticker, variant)"
        )


def _warn_hard_calls(frame: pd.DataFrame, where: str) -> None:
    for variant, rows in frame.groupby("variant", sort=False):
        if np.isin(rows["proba"].to_numpy(), (0.0, 1.0)).all():
            warnings.warn(
                f"{where}: proba of {variant} holds only 0 and 1: labels or hard calls, not probabilities; "
                "trading figures stand, but log loss, Brier and the reliability bins read them as certain",
                PredictionsWarning,
                stacklevel=4,
            )


def attach_outcomes(
    predictions: pd.DataFrame, prices: dict[str, pd.DataFrame], execution: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``label`` and ``fwd_return`` of every prediction, computed from the prices.

    Returns
    -------
    tuple
        The labelled predictions (``date, ticker, variant, fold, proba,
        [proba_raw,] label, fwd_return``), and the rows dropped because their
        return is not known yet (the last bars of the prices).

    Raises
    ------
    PredictionsError
        For tickers without prices, or dates that are not in a ticker's price calendar.
    """
    from alphacheck.features.labels import forward_return

    missing = sorted(set(predictions["ticker"]) - set(prices))
    if missing:
        raise PredictionsError(
            f"tickers without prices: {', '.join(missing)} (prices are loaded for {', '.join(prices)}); "
            "add them with --tickers or data.tickers, or drop their rows"
        )
    forward = pd.Series(np.nan, index=predictions.index)
    for ticker, rows in predictions.groupby("ticker", sort=False):
        calendar = prices[ticker].index
        dates = pd.DatetimeIndex(rows["date"])
        outside = ~dates.isin(calendar)
        if outside.any():
            shown = ", ".join(str(d.date()) for d in dates[outside].unique()[:_SHOWN])
            raise PredictionsError(
                f"{ticker}: {int(outside.sum())} prediction(s) on dates not in its price calendar ({shown}); "
                f"its prices cover {calendar[0].date()}..{calendar[-1].date()} on trading days only"
                " (data.align: common keeps the days every ticker traded); widen --start/--end or fix them"
            )
        forward[rows.index] = forward_return(prices[ticker], execution).reindex(dates).to_numpy()
    known = forward.notna().to_numpy()
    labelled = predictions[known].assign(fwd_return=forward[known].to_numpy())
    labelled.insert(
        labelled.columns.get_loc("fwd_return"), "label", (labelled["fwd_return"] > 0).astype("int8")
    )
    return labelled.reset_index(drop=True), predictions[~known].reset_index(drop=True)


def file_folds(predictions: pd.DataFrame) -> list[dict[str, object]]:
    """One record per (variant, fold) from the file: its first and last date and rows.

    A fold's first test day is the first date it predicts; these records
    stand in for the training records of a run (no epochs, losses nor
    seconds: nothing was trained here).
    """
    records = []
    for (variant, fold), rows in predictions.groupby(["variant", "fold"], sort=True):
        dates = pd.DatetimeIndex(rows["date"])
        records.append(
            {
                "variant": str(variant),
                "index": int(fold),
                "test_start": str(dates.min().date()),
                "test_end": str(dates.max().date()),
                "n_test": len(rows),
            }
        )
    return records
