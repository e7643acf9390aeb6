import numpy as np
import pandas as pd

from alphacheck.features import build_dataset
from alphacheck.scenarios import Scenario
from alphacheck.walkforward import make_folds, run_walkforward
from alphacheck.walkforward.folds import common_calendar, fold_arrays
from tests.conftest import synthetic_prices

SCENARIO = Scenario.model_validate(
    {
        "name": "unit",
        "seed": 3,
        "walkforward": {"train_days": 120, "test_days": 40, "purge_days": 2, "validation_days": 30, "sequence_length": 5},
        "training": {"epochs": 2, "batch_size": 32, "patience": 1},
    }
)


def _datasets(prices_by_ticker):
    return {t: build_dataset(p, "basic", "next_open") for t, p in prices_by_ticker.items()}


def test_sequences_stay_within_one_ticker_and_end_at_their_row():
    a = synthetic_prices(260, seed=1)
    b = synthetic_prices(260, seed=2) * 1000.0  # very different scale: mixing would show
    datasets = _datasets({"A": a, "B": b})
    calendar = common_calendar(datasets)
    fold = make_folds(calendar, SCENARIO.walkforward)[0]
    parts = fold_arrays(datasets, calendar, fold, length=5)
    x, _, meta = parts["test"]
    features = [c for c in datasets["A"].columns if c not in ("fwd_return", "label")]
    fit = pd.concat([d.loc[fold.fit_start : fold.fit_end, features] for d in datasets.values()])
    mean, std = fit.mean().to_numpy(), fit.std(ddof=0).to_numpy()
    for i in (0, len(meta) - 1):
        ticker, date = meta.loc[i, "ticker"], meta.loc[i, "date"]
        rows = datasets[ticker].loc[:date, features].tail(5).to_numpy()
        np.testing.assert_allclose(x[i], (rows - mean) / std, rtol=1e-10)


def test_scaler_sees_only_fitting_rows():
    prices = synthetic_prices(260, seed=4)
    datasets = _datasets({"A": prices})
    calendar = common_calendar(datasets)
    fold = make_folds(calendar, SCENARIO.walkforward)[0]
    changed = {"A": datasets["A"].copy()}
    changed["A"].loc[fold.val_start :, "ret_1"] *= 50.0  # validation and test rows only
    before = fold_arrays(datasets, calendar, fold, 5)["fit"][0]
    after = fold_arrays(changed, calendar, fold, 5)["fit"][0]
    np.testing.assert_array_equal(before, after)


def test_predictions_before_a_cut_do_not_depend_on_later_prices():
    prices = synthetic_prices(330, seed=5)
    cut = prices.index[260]
    full = run_walkforward(_datasets({"A": prices}), SCENARIO, "cpu")
    short = run_walkforward(_datasets({"A": prices.loc[:cut]}), SCENARIO, "cpu")
    full_test_end = {r["index"]: r["test_end"] for r in full.folds}
    # folds whose training and test both end before the cut, in both runs
    done_folds = [r["index"] for r in short.folds if r["test_end"] == full_test_end[r["index"]]]
    assert done_folds, "the cut must leave at least one complete fold"
    assert full.predictions["date"].max() > cut, "the full run must see prices after the cut"
    before = full.predictions[full.predictions["fold"].isin(done_folds)].reset_index(drop=True)
    after = short.predictions[short.predictions["fold"].isin(done_folds)].reset_index(drop=True)
    assert len(before) > 0
    pd.testing.assert_frame_equal(before, after)


def test_predictions_frame_has_one_row_per_date_ticker_variant():
    datasets = _datasets({"A": synthetic_prices(260, seed=6), "B": synthetic_prices(260, seed=7)})
    result = run_walkforward(datasets, SCENARIO, "cpu")
    preds = result.predictions
    assert list(preds.columns) == [
        "date", "ticker", "variant", "fold", "proba", "proba_raw", "label", "fwd_return"
    ]
    assert preds["proba_raw"].between(0, 1).all()
    assert not preds.duplicated(["date", "ticker", "variant"]).any()
    assert preds["proba"].between(0, 1).all()
    assert {r["device"] for r in result.folds} == {"cpu"}
    calendar = common_calendar(datasets)
    first_test = calendar[SCENARIO.walkforward.train_days + SCENARIO.walkforward.purge_days]
    assert preds["date"].min() == first_test
