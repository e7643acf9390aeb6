"""Rolling, expanding and calendar folds with purge and embargo, checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.schema import WalkForwardConfig
from alphacheck.walkforward.splits import make_folds

CALENDAR = pd.bdate_range("2021-01-01", periods=400, name="date")


def _config(**changes):
    base = {"train_days": 200, "test_days": 50, "purge_days": 2, "validation_days": 40, "sequence_length": 5}
    return WalkForwardConfig(**{**base, **changes})


def test_rolling_folds_by_hand():
    folds = make_folds(CALENDAR, _config())
    assert len(folds) == 4  # tests start at 202, 252, 302, 352
    fold = folds[1]
    assert fold.test_start == CALENDAR[252] and fold.test_end == CALENDAR[301]
    assert fold.val_end == CALENDAR[249] and fold.val_start == CALENDAR[210]
    assert fold.fit_end == CALENDAR[207] and fold.fit_start == CALENDAR[50]
    assert folds[-1].test_end == CALENDAR[399]


def test_expanding_folds_start_at_the_first_day():
    folds = make_folds(CALENDAR, _config(mode="expanding"))
    assert [f.fit_start for f in folds] == [CALENDAR[0]] * 4
    assert folds[2].fit_end == CALENDAR[257] and folds[2].test_start == CALENDAR[302]


def test_embargo_widens_the_gap_before_the_test_window():
    folds = make_folds(CALENDAR, _config(embargo_days=5))
    # first test at 200 + 2 + 5 = 207; training ends 7 days earlier, at 199
    assert folds[0].test_start == CALENDAR[207]
    assert folds[0].val_end == CALENDAR[199]
    assert CALENDAR.get_loc(folds[0].test_start) - CALENDAR.get_loc(folds[0].val_end) - 1 == 7


def test_monthly_retraining_gives_one_fold_per_calendar_month():
    folds = make_folds(CALENDAR, _config(retrain_frequency="M"))
    first = CALENDAR[202]  # first allowed test day, 2021-10-08
    assert folds[0].test_start == first
    assert folds[0].test_end == pd.Timestamp("2021-10-29")  # last business day of October 2021
    assert folds[1].test_start == pd.Timestamp("2021-11-01")
    assert folds[1].test_end == pd.Timestamp("2021-11-30")
    for fold in folds[1:]:
        same_month = CALENDAR[
            (CALENDAR.year == fold.test_start.year) & (CALENDAR.month == fold.test_start.month)
        ]
        assert (fold.test_start, fold.test_end) == (same_month[0], same_month[-1])
    months = {(f.test_start.year, f.test_start.month) for f in folds}
    assert len(months) == len(folds)
    assert folds[-1].test_end == CALENDAR[-1]
    for fold in folds:  # rolling: train_days before the purge
        gap = CALENDAR.get_loc(fold.test_start) - CALENDAR.get_loc(fold.val_end) - 1
        assert gap == 2


def test_too_short_calendar_names_the_fix():
    with pytest.raises(ConfigError, match="train_days"):
        make_folds(CALENDAR[:150], _config())
