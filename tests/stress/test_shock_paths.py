"""A price shock feeds each fold's model and its trades one path: the real past, then its test period shocked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.positions import trailing_volatility
from alphacheck.features import build_dataset, forward_return
from alphacheck.models.calibration import ProbabilityCalibrator
from alphacheck.scenarios import Scenario
from alphacheck.stress import apply_multipliers, in_ranges, run_shocks, shock_multipliers, shocked_predictions
from alphacheck.walkforward import common_calendar, make_folds
from alphacheck.walkforward.folds import fold_test_sequences
from tests.conftest import synthetic_prices

BASE = {
    "name": "paths",
    "seed": 3,
    "walkforward": {
        "train_days": 120, "test_days": 40, "purge_days": 2, "validation_days": 30, "sequence_length": 5,
    },
    "backtest": {"fees_bps": 5, "slippage_bps": 5, "sizing": "volatility", "volatility_days": 10},
}
PRICES = {"A": synthetic_prices(260, seed=1), "B": synthetic_prices(260, seed=2)}
DATASETS = {t: build_dataset(p, "basic", "next_open") for t, p in PRICES.items()}


class _Recorder:
    """A fold model that remembers its input and says 0.6 for every row (identity calibration)."""

    def __init__(self):
        self.inputs = []
        self.calibrator = ProbabilityCalibrator("none").fit([], [])

    def predict_proba_raw(self, x):
        self.inputs.append(np.array(x))
        return np.full(len(x), 0.6)

    def predict_proba(self, x):
        return self.calibrator.predict_proba(self.predict_proba_raw(x))


def _scenario(shock):
    return Scenario.model_validate({**BASE, "stress": {"shocks": [shock]}})


def _fold_path(ticker, shock, folds, fold):
    """The real prices with the shock inside ``fold``'s test period only, built here from the multipliers."""
    ranges = [(f.test_start, f.test_end) for f in folds]
    multipliers = shock_multipliers(PRICES[ticker], shock, ranges, seed=3)
    inside = in_ranges(PRICES[ticker].index, [(fold.test_start, fold.test_end)])
    return apply_multipliers(PRICES[ticker], np.where(inside, multipliers, 1.0))


def test_each_folds_input_labels_trades_and_sizing_come_from_its_own_path():
    scenario = _scenario({"kind": "volatility", "name": "vol_x3", "scale": 3.0})
    shock = scenario.stress.shocks[0]
    calendar = common_calendar(DATASETS)
    folds = make_folds(calendar, scenario.walkforward)
    assert len(folds) >= 3
    models = {("baseline", f.index): _Recorder() for f in folds}
    shocked = shocked_predictions(scenario, PRICES, DATASETS, models, shock)
    rows = shocked.predictions
    boundary_rows = 0
    for fold in folds:
        paths = {t: _fold_path(t, shock, folds, fold) for t in PRICES}
        # The model's input: the fold's test sequences computed on its path.
        expected_x, meta = fold_test_sequences(
            {t: build_dataset(p, "basic", "next_open") for t, p in paths.items()}, calendar, fold, 5
        )
        (seen,) = models[("baseline", fold.index)].inputs
        np.testing.assert_allclose(seen, expected_x, rtol=0, atol=1e-12)
        mine = rows[rows["fold"] == fold.index]
        for ticker, path in paths.items():
            dates = pd.DatetimeIndex(mine.loc[mine["ticker"] == ticker, "date"])
            fwd = mine.loc[mine["ticker"] == ticker, "fwd_return"].to_numpy()
            # The labels: on the same path.
            np.testing.assert_allclose(fwd, forward_return(path, "next_open").reindex(dates), rtol=1e-12)
            # The trades: the path they run on earns each decision exactly that return.
            traded = forward_return(shocked.trade_prices[ticker], "next_open").reindex(dates)
            np.testing.assert_allclose(traded, fwd, rtol=1e-12)
            # Volatility sizing reads the same path.
            expected_volatility = trailing_volatility(path["close"], 10).reindex(dates)
            np.testing.assert_allclose(shocked.volatility[ticker].reindex(dates), expected_volatility)
            # Where the old single path (every test period shocked) disagreed: the fold's last decisions
            # earn bars of the next test period, shocked there but not on this fold's path.
            ranges = [(f.test_start, f.test_end) for f in folds]
            every_period = shock_multipliers(PRICES[ticker], shock, ranges, 3)
            everywhere = apply_multipliers(PRICES[ticker], every_period)
            old = forward_return(everywhere, "next_open").reindex(dates).to_numpy()
            boundary_rows += int(np.sum(~np.isclose(old, fwd, rtol=1e-9)))
    assert boundary_rows >= 2 * (len(folds) - 1)  # the old labels and trades left the model's path here


def test_a_crash_is_traded_only_where_the_folds_own_positions_earn_it():
    scenario = _scenario({"kind": "crash", "name": "crash", "drop_pct": 30, "days": 3, "offset_days": 5})
    calendar = common_calendar(DATASETS)
    folds = make_folds(calendar, scenario.walkforward)
    models = {("baseline", f.index): _Recorder() for f in folds}
    shocked = shocked_predictions(scenario, PRICES, DATASETS, models, scenario.stress.shocks[0])
    trade = shocked.trade_prices["A"]
    index = PRICES["A"].index
    for fold in folds:
        first = index.get_loc(fold.test_start)
        step = trade["close"].to_numpy() / PRICES["A"]["close"].to_numpy()
        # Bars 5..7 of each test period fall 30% in all, compounded, on the path the positions trade on.
        assert step[first + 7] / step[first + 4] == pytest.approx(0.7, rel=1e-12)


def test_a_neutral_shock_reproduces_the_run_with_volatility_sizing():
    scenario = _scenario({"kind": "volatility", "name": "same", "scale": 1.0})
    calendar = common_calendar(DATASETS)
    folds = make_folds(calendar, scenario.walkforward)
    models = {("baseline", f.index): _Recorder() for f in folds}
    meta = [fold_test_sequences(DATASETS, calendar, f, 5)[1].assign(fold=f.index) for f in folds]
    # The run's predictions: what the recording models say on the real prices.
    predictions = pd.concat(meta, ignore_index=True).assign(variant="baseline", proba=0.6, proba_raw=0.6)
    result = run_shocks(scenario, PRICES, DATASETS, predictions, models)
    for ticker in PRICES:
        record = result["same"][ticker]["baseline"]
        for key in ("total_return_change", "sharpe_change", "max_drawdown_change", "costs_paid_change"):
            assert record[key] == pytest.approx(0.0, abs=1e-12)
