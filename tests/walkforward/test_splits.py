import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import WalkForwardConfig
from alphacheck.walkforward import make_folds

CALENDAR = pd.bdate_range("2020-01-01", periods=260)


def test_rolling_folds_positions_by_hand():
    config = WalkForwardConfig(train_days=100, test_days=50, purge_days=2, validation_days=20)
    folds = make_folds(CALENDAR, config)
    pos = CALENDAR.get_loc
    # first test at 100 + 2; training 0..99, fit 0..77 (val 80..99, purge 78..79)
    assert [(pos(f.fit_start), pos(f.fit_end), pos(f.val_start), pos(f.val_end)) for f in folds[:2]] == [
        (0, 77, 80, 99),
        (50, 127, 130, 149),
    ]
    assert [(pos(f.test_start), pos(f.test_end)) for f in folds] == [(102, 151), (152, 201), (202, 251), (252, 259)]


def test_test_windows_never_overlap_training_and_are_purged():
    config = WalkForwardConfig(train_days=120, test_days=30, purge_days=3, validation_days=25)
    folds = make_folds(CALENDAR, config)
    for fold in folds:
        gap = CALENDAR.get_loc(fold.test_start) - CALENDAR.get_loc(fold.val_end) - 1
        assert gap == 3
        assert CALENDAR.get_loc(fold.val_start) - CALENDAR.get_loc(fold.fit_end) - 1 == 3
    for a, b in zip(folds, folds[1:]):
        assert a.test_end < b.test_start


def test_too_short_calendar_is_a_clear_error():
    with pytest.raises(ConfigError, match="needs more than train_days \\+ purge_days = 102 trading days"):
        make_folds(CALENDAR[:102], WalkForwardConfig(train_days=100, test_days=50, validation_days=20))


def test_overlapping_steps_refused():
    with pytest.raises(ValueError, match="test windows would overlap"):
        WalkForwardConfig(train_days=100, test_days=50, step_days=20, validation_days=20)
