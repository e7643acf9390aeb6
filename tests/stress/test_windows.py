"""Stress windows: only folds trained before the window count; figures checked by hand and with scipy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alphacheck.exceptions import StressWarning
from alphacheck.scenarios.schema import BacktestConfig
from alphacheck.scenarios.stress import StressWindow
from alphacheck.stress import qualifying_predictions, stress_windows
from tests.conftest import synthetic_prices

PRICES = synthetic_prices(60, seed=4)
DATES = PRICES.index
FOLDS = pd.DataFrame({"fold": [0, 1], "test_start": [str(DATES[10].date()), str(DATES[30].date())]})
FREE = BacktestConfig(fees_bps=0, slippage_bps=0)


def _predictions(proba=None):
    dates = DATES[10:50]
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "date": dates,
            "ticker": "T",
            "variant": "m",
            "fold": [0] * 20 + [1] * 20,
            "proba": rng.uniform(0, 1, len(dates)) if proba is None else proba,
            "label": rng.integers(0, 2, len(dates)),
            "fwd_return": 0.0,
        }
    )


def _window(first, last, name="w"):
    return StressWindow(name=name, start=DATES[first].date(), end=DATES[last].date())


def test_only_predictions_of_folds_trained_before_the_window_count():
    rows = qualifying_predictions(_predictions(), FOLDS, _window(20, 40))
    # Fold 1 starts predicting on day 30, inside the window: it was trained on part of it.
    assert list(rows["fold"].unique()) == [0]
    assert rows["date"].min() == DATES[20] and rows["date"].max() == DATES[29]


def test_a_fold_starting_on_the_window_start_counts():
    rows = qualifying_predictions(_predictions(), FOLDS, _window(30, 45))
    assert list(rows["fold"].unique()) == [1]
    assert len(rows) == 16


def test_window_accuracy_and_interval_match_a_hand_count_and_scipy():
    predictions = _predictions()
    result = stress_windows(predictions, FOLDS, {"T": PRICES}, FREE, [_window(20, 40)])
    record = result["w"]["T"]["m"]
    inside = predictions.iloc[10:20]  # days 20..29, fold 0
    hits = int(((inside["proba"] > 0.5) == inside["label"].astype(bool)).sum())
    assert record["n_predictions"] == 10
    assert record["accuracy"] == pytest.approx(hits / 10, abs=1e-12)
    interval = stats.binomtest(hits, 10).proportion_ci(confidence_level=0.95, method="wilson")
    assert record["accuracy_ci_low"] == pytest.approx(interval.low, abs=1e-9)
    assert record["accuracy_ci_high"] == pytest.approx(interval.high, abs=1e-9)
    assert (record["first_date"], record["last_date"], record["folds"]) == (
        str(DATES[20].date()),
        str(DATES[29].date()),
        "0",
    )
    assert (record["window_start"], record["window_end"]) == (str(DATES[20].date()), str(DATES[40].date()))


def test_buy_and_hold_spans_the_same_bars_open_to_open():
    result = stress_windows(_predictions(), FOLDS, {"T": PRICES}, FREE, [_window(20, 40)])
    hold = result["w"]["T"]["buy_and_hold"]
    # Decisions on days 20..29 (next_open): in at the open of day 21, out at the open of day 31.
    expected = PRICES["open"].iloc[31] / PRICES["open"].iloc[21] - 1
    assert hold["total_return"] == pytest.approx(expected, rel=1e-9)
    assert hold["n_trades"] == 1 and hold["costs_paid"] == 0.0


def test_an_always_long_model_without_costs_earns_buy_and_hold():
    result = stress_windows(
        _predictions(proba=np.full(40, 0.9)), FOLDS, {"T": PRICES}, FREE, [_window(20, 40)]
    )
    record = result["w"]["T"]
    assert record["m"]["total_return"] == pytest.approx(record["buy_and_hold"]["total_return"], rel=1e-9)
    assert record["m"]["excess_return_vs_buy_and_hold"] == pytest.approx(0.0, abs=1e-12)


def test_costs_lower_the_window_return_by_the_fees_paid():
    costly = BacktestConfig(fees_bps=50, slippage_bps=0)
    result = stress_windows(
        _predictions(proba=np.full(40, 0.9)), FOLDS, {"T": PRICES}, costly, [_window(20, 40)]
    )
    record = result["w"]["T"]["m"]
    gross = PRICES["open"].iloc[31] / PRICES["open"].iloc[21]
    # One round trip at 0.5% a side: buy with cash / (1 + f), sell and pay f again.
    assert record["total_return"] == pytest.approx(gross * (1 - 0.005) / (1 + 0.005) - 1, rel=1e-9)
    assert record["n_trades"] == 1


def test_a_window_before_any_test_day_is_reported_and_warned():
    early = StressWindow(name="early", start=DATES[0].date(), end=DATES[5].date())
    with pytest.warns(StressWarning, match="no model was trained before 2020-01-01"):
        result = stress_windows(_predictions(), FOLDS, {"T": PRICES}, FREE, [early])
    for record in result["early"]["T"].values():
        assert record["n_predictions"] == 0
        assert "first out-of-sample day is 2020-01-15" in record["note"]


def test_window_after_the_last_prediction_says_extend_the_data():
    late = StressWindow(name="late", start=dt.date(2030, 1, 1), end=dt.date(2030, 2, 1))
    with pytest.warns(StressWarning, match="starts after the last prediction"):
        stress_windows(_predictions(), FOLDS, {"T": PRICES}, FREE, [late])


def test_the_whole_window_score_covers_every_walk_forward_prediction_inside_it():
    predictions = _predictions()
    result = stress_windows(predictions, FOLDS, {"T": PRICES}, FREE, [_window(20, 40)])
    record = result["w"]["T"]["m"]
    # Trained before the window: days 20..29 only (fold 1 starts inside it). Whole window: days 20..40.
    assert (record["first_date"], record["last_date"], record["n_predictions"]) == (
        str(DATES[20].date()), str(DATES[29].date()), 10,
    )
    assert (record["whole_window_first_date"], record["whole_window_last_date"]) == (
        str(DATES[20].date()), str(DATES[40].date()),
    )
    assert record["whole_window_n_predictions"] == 21 and record["whole_window_folds"] == "0,1"
    inside = predictions.iloc[10:31]
    hits = int(((inside["proba"] > 0.5) == inside["label"].astype(bool)).sum())
    assert record["whole_window_accuracy"] == pytest.approx(hits / 21, abs=1e-12)
    # Decisions on days 20..40 (next_open): buy-and-hold is in from the open of day 21 to the open of day 42.
    hold = result["w"]["T"]["buy_and_hold"]
    assert hold["whole_window_total_return"] == pytest.approx(
        PRICES["open"].iloc[42] / PRICES["open"].iloc[21] - 1, rel=1e-9
    )
    assert hold["whole_window_n_trades"] == 1


def test_a_window_no_model_was_trained_before_still_gets_its_walk_forward_score():
    # Starts on day 5, before the first test day (10): nothing trained before it, but days 10..15 predicted.
    with pytest.warns(StressWarning, match="no model was trained before"):
        result = stress_windows(
            _predictions(proba=np.full(40, 0.9)), FOLDS, {"T": PRICES}, FREE, [_window(5, 15)]
        )
    record = result["w"]["T"]["m"]
    assert record["n_predictions"] == 0 and "first out-of-sample day" in record["note"]
    assert (record["whole_window_first_date"], record["whole_window_last_date"]) == (
        str(DATES[10].date()), str(DATES[15].date()),
    )
    expected = PRICES["open"].iloc[17] / PRICES["open"].iloc[11] - 1  # always long: buy-and-hold
    assert record["whole_window_total_return"] == pytest.approx(expected, rel=1e-9)


def test_a_window_outside_every_prediction_has_neither_score():
    late = StressWindow(name="late", start=dt.date(2030, 1, 1), end=dt.date(2030, 2, 1))
    with pytest.warns(StressWarning):
        result = stress_windows(_predictions(), FOLDS, {"T": PRICES}, FREE, [late])
    record = result["late"]["T"]["m"]
    assert record["whole_window_n_predictions"] == 0
    assert record["whole_window_note"] == "no walk-forward prediction inside the window"
