"""Walk-forward folds on a trading calendar: rolling or expanding, with purge and embargo.

Positions count trading days of the common calendar. Test windows are either
``test_days`` long and ``step`` apart, or (with ``retrain_frequency``) the
trading days of each calendar week, month, quarter or year. Before a test
window starting at position ``s`` lie ``purge_days + embargo_days`` skipped
days; the training range ends just before them and holds the previous
``train_days`` days (rolling) or every day from the start (expanding). Its
last ``validation_days`` days, after another purge, are the validation tail
used for early stopping; the rest are the rows the model and the scaler are
fitted on.

The config is read by attribute only, so this module runs without pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from alphacheck.exceptions import ConfigError

if TYPE_CHECKING:
    from alphacheck.walkforward.settings import WalkForwardSettings

__all__ = ["Fold", "make_folds", "test_windows"]

_PERIODS = {"W": "W", "M": "M", "Q": "Q", "Y": "Y"}


@dataclass(frozen=True)
class Fold:
    """One walk-forward fold as date ranges (inclusive) of the calendar."""

    index: int
    fit_start: pd.Timestamp
    fit_end: pd.Timestamp
    val_start: pd.Timestamp
    val_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp

    def as_dict(self) -> dict[str, object]:
        """Dates as ISO strings, for JSON and tracking."""
        return {k: (str(v.date()) if isinstance(v, pd.Timestamp) else v) for k, v in self.__dict__.items()}


def test_windows(calendar: pd.DatetimeIndex, config: WalkForwardSettings) -> list[tuple[int, int]]:
    """Test windows as ``(start, stop)`` positions (stop exclusive) of the calendar.

    The first window starts no earlier than ``train_days + purge_days + embargo_days``.
    """
    n = len(calendar)
    first = config.train_days + config.purge_days + config.embargo_days
    frequency = config.retrain_frequency
    if frequency is None:
        step = config.step_days or config.test_days
        return [(start, min(start + config.test_days, n)) for start in range(first, n, step)]
    periods = pd.DatetimeIndex(calendar).to_period(_PERIODS[frequency]).asi8
    starts = np.flatnonzero(np.r_[True, periods[1:] != periods[:-1]])
    stops = np.r_[starts[1:], n]
    # A period that began before `first` is partly inside training territory: start at its first allowed day.
    return [(max(int(a), first), int(b)) for a, b in zip(starts, stops, strict=True) if b > first]


def make_folds(calendar: pd.DatetimeIndex, config: WalkForwardSettings) -> list[Fold]:
    """Cut a sorted calendar into walk-forward folds.

    Parameters
    ----------
    calendar
        Sorted trading dates with labelled data for every ticker.
    config
        A :class:`~alphacheck.scenarios.schema.WalkForwardConfig`, or any
        :class:`~alphacheck.walkforward.settings.WalkForwardSettings`.

    Raises
    ------
    ConfigError
        When the calendar is too short for even one fold.
    """
    n = len(calendar)
    purge, val = config.purge_days, config.validation_days
    gap = purge + config.embargo_days
    windows = test_windows(calendar, config)
    if not windows:
        terms = "train_days + purge_days" + (" + embargo_days" if gap > purge else "")
        raise ConfigError(
            f"walkforward needs more than {terms} = {config.train_days + gap} trading days "
            f"of labelled data; the data has {n}. Lower walkforward.train_days or widen the dates"
        )
    expanding = config.mode == "expanding"
    folds = []
    for k, (start, stop) in enumerate(windows):
        train_end = start - gap  # exclusive
        train_start = 0 if expanding else train_end - config.train_days
        val_start = train_end - val
        fit_end = val_start - purge  # exclusive
        folds.append(
            Fold(
                index=k,
                fit_start=calendar[train_start],
                fit_end=calendar[fit_end - 1],
                val_start=calendar[val_start],
                val_end=calendar[train_end - 1],
                test_start=calendar[start],
                test_end=calendar[stop - 1],
            )
        )
    return folds
