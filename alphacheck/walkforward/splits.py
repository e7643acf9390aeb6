"""Rolling walk-forward folds on a trading calendar, with purge.

Positions count trading days of the common calendar. For fold k the test
window starts at ``s = train_days + purge_days + k * step``; the training range
is the ``train_days`` days ending ``purge_days`` days before ``s``; its last
``validation_days`` days (after another purge) are the validation tail used for
early stopping, the rest are the rows the model and the scaler are fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.schema import WalkForwardConfig

__all__ = ["Fold", "make_folds"]


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


def make_folds(calendar: pd.DatetimeIndex, config: WalkForwardConfig) -> list[Fold]:
    """Cut a sorted calendar into rolling folds.

    Raises
    ------
    ConfigError
        When the calendar is too short for even one fold.
    """
    n = len(calendar)
    train, test, purge, val = config.train_days, config.test_days, config.purge_days, config.validation_days
    first_test = train + purge
    if n <= first_test:
        raise ConfigError(
            f"walkforward needs more than train_days + purge_days = {first_test} trading days "
            f"of labelled data; the data has {n}. Lower walkforward.train_days or widen the dates"
        )
    folds = []
    for k, start in enumerate(range(first_test, n, config.step)):
        train_start = start - purge - train
        train_end = start - purge  # exclusive
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
                test_end=calendar[min(start + test, n) - 1],
            )
        )
    return folds
