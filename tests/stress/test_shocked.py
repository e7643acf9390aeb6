"""Shocks re-predicted by the trained fold models of a small real walk-forward."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from alphacheck.features import build_dataset
from alphacheck.scenarios import Scenario
from alphacheck.stress import run_shocks, shocked_predictions
from alphacheck.walkforward import run_walkforward
from tests.conftest import synthetic_prices

BASE = {
    "name": "unit",
    "seed": 3,
    "walkforward": {
        "train_days": 120,
        "test_days": 40,
        "purge_days": 2,
        "validation_days": 30,
        "sequence_length": 5,
    },
    "training": {"epochs": 2, "batch_size": 32, "patience": 1, "checkpoint": False},
    "backtest": {"fees_bps": 5, "slippage_bps": 5},
}


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    scenario = Scenario.model_validate(BASE)
    prices = {"A": synthetic_prices(260, seed=1), "B": synthetic_prices(260, seed=2)}
    datasets = {t: build_dataset(p, "basic", "next_open") for t, p in prices.items()}
    walk = run_walkforward(datasets, scenario, torch.device("cpu"))
    return prices, datasets, walk


def _scenario(*shocks):
    return Scenario.model_validate({**BASE, "stress": {"shocks": list(shocks)}})


def test_every_fold_model_is_kept(trained):
    _, _, walk = trained
    assert sorted(walk.fold_models) == [("baseline", k) for k in sorted(walk.predictions["fold"].unique())]


def test_a_neutral_shock_reproduces_the_run_exactly(trained):
    prices, datasets, walk = trained
    scenario = _scenario({"kind": "volatility", "name": "same", "scale": 1.0})
    shocked = shocked_predictions(scenario, prices, datasets, walk.fold_models, scenario.stress.shocks[0])
    rows, path = shocked.predictions, shocked.trade_prices
    rows = rows.sort_values(["ticker", "date"], ignore_index=True)
    expected = walk.predictions.sort_values(["ticker", "date"], ignore_index=True)
    np.testing.assert_array_equal(rows["date"], expected["date"])
    np.testing.assert_allclose(rows["proba"], expected["proba"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(rows["label"].astype(int), expected["label"].astype(int))
    pd.testing.assert_frame_equal(path["A"], prices["A"])


def test_a_crash_changes_predictions_only_from_its_first_day(trained):
    prices, datasets, walk = trained
    scenario = _scenario({"kind": "crash", "name": "crash", "drop_pct": 30, "days": 3, "offset_days": 15})
    shocked = shocked_predictions(scenario, prices, datasets, walk.fold_models, scenario.stress.shocks[0])
    rows, path = shocked.predictions, shocked.trade_prices
    merged = rows.merge(walk.predictions, on=["date", "ticker", "variant"], suffixes=("", "_base"))
    first_test = merged.groupby("fold")["date"].transform("min")
    calendar = datasets["A"].index
    offset = np.array([calendar.get_loc(d) - calendar.get_loc(f) for d, f in zip(merged["date"], first_test)])
    before = merged[offset < 15]
    after = merged[(offset >= 15) & (offset < 18)]
    # Features at t read bars <= t: before the crash the fold model sees the same inputs.
    np.testing.assert_allclose(before["proba"], before["proba_base"], atol=1e-12)
    assert not np.allclose(after["proba"], after["proba_base"])
    # Labels come from the shocked path: the position taken on the eve of the crash loses.
    eve = merged[offset == 14]
    assert (eve["label"] == 0).all()
    assert (path["A"]["close"].iloc[-1] / prices["A"]["close"].iloc[-1]) < 0.7**2


def test_shock_records_report_the_change_from_the_unshocked_run(trained):
    prices, datasets, walk = trained
    scenario = _scenario(
        {"kind": "costs", "name": "costs_x4", "cost_multiplier": 4, "extra_slippage_bps": 10},
        {"kind": "volatility", "name": "calm", "scale": 1.0},
    )
    result = run_shocks(scenario, prices, datasets, walk.predictions, walk.fold_models)
    for ticker in ("A", "B"):
        costly = result["costs_x4"][ticker]["baseline"]
        # Same predictions, higher costs: the accuracy cannot move, what is paid can only grow.
        assert costly["accuracy_change"] == 0.0
        assert costly["costs_paid_change"] > 0
        assert costly["total_return_change"] < 0
        assert result["costs_x4"][ticker]["buy_and_hold"]["total_return_change"] == 0.0
        calm = result["calm"][ticker]["baseline"]
        for key in ("accuracy_change", "total_return_change", "sharpe_change", "max_drawdown_change"):
            assert calm[key] == pytest.approx(0.0, abs=1e-12)


def test_costs_shock_pays_in_proportion(trained):
    prices, datasets, walk = trained
    scenario = _scenario({"kind": "costs", "name": "x3", "cost_multiplier": 3})
    result = run_shocks(scenario, prices, datasets, walk.predictions, walk.fold_models)
    record = result["x3"]["A"]["baseline"]
    base = record["costs_paid"] - record["costs_paid_change"]
    # Paid costs scale with the rate; equity paths differ a little, so not exactly 3x.
    assert record["costs_paid"] / base == pytest.approx(3.0, rel=0.05)


def test_folds_resumed_from_checkpoints_still_predict_the_shocks(tmp_path):
    scenario = Scenario.model_validate(
        {
            **BASE,
            "training": {**BASE["training"], "checkpoint": True},
            "stress": {"shocks": [{"kind": "volatility", "name": "same", "scale": 1.0}]},
        }
    )
    prices = {"A": synthetic_prices(260, seed=1)}
    datasets = {t: build_dataset(p, "basic", "next_open") for t, p in prices.items()}
    first = run_walkforward(datasets, scenario, torch.device("cpu"), checkpoint_dir=tmp_path)
    again = run_walkforward(datasets, scenario, torch.device("cpu"), checkpoint_dir=tmp_path)
    assert all(record["resumed"] for record in again.folds)
    shock = scenario.stress.shocks[0]
    rows = shocked_predictions(scenario, prices, datasets, again.fold_models, shock).predictions
    merged = rows.merge(first.predictions, on=["date", "ticker", "variant"], suffixes=("", "_base"))
    assert len(merged) == len(first.predictions)
    np.testing.assert_allclose(merged["proba"], merged["proba_base"], rtol=0, atol=1e-6)
