"""The fold runner: pooled tickers, fold records, checkpoints and resume, warm start, last models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from alphacheck.features import build_dataset
from alphacheck.scenarios import apply_overrides, validate_scenario
from alphacheck.walkforward import run_walkforward
from alphacheck.walkforward.checkpoint import FoldStore, data_fingerprint, run_key


def _prices(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n, name="date")
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, n)))
    open_ = close * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * 1.002
    low = np.minimum(open_, close) * 0.998
    volume = rng.integers(1_000_000, 5_000_000, n).astype("float64")
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=dates
    )


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def datasets():
    return {t: build_dataset(_prices(420, s), "basic", "next_open") for t, s in (("AAA", 1), ("BBB", 2))}


def _scenario(**training):
    return validate_scenario(
        {
            "name": "tiny",
            "seed": 7,
            "walkforward": {
                "train_days": 200,
                "test_days": 60,
                "purge_days": 2,
                "validation_days": 40,
                "sequence_length": 5,
            },
            "training": {"epochs": 2, "batch_size": 64, "patience": 2, **training},
            "variants": ["lightweight"],
        }
    )


def test_folds_pool_tickers_and_record_what_happened(datasets, tmp_path):
    result = run_walkforward(datasets, _scenario(), "cpu", checkpoint_dir=tmp_path)
    predictions = result.predictions
    assert set(predictions["ticker"]) == {"AAA", "BBB"}
    assert not predictions.duplicated(["date", "ticker", "variant"]).any()
    record = result.folds[0]
    for key in (
        "fit_start",
        "fit_end",
        "val_start",
        "val_end",
        "test_start",
        "test_end",
        "n_fit",
        "n_val",
        "n_test",
        "epochs_run",
        "best_val_loss",
        "seconds",
        "device",
    ):
        assert key in record
    assert record["n_test"] == 2 * 60  # both tickers, one model
    assert record["device"] == "cpu" and record["resumed"] is False
    trained = result.models["lightweight"]
    assert trained.fold == len(result.folds) - 1
    assert trained.n_features == datasets["AAA"].shape[1] - 2  # all but fwd_return and label


def test_a_rerun_resumes_every_fold_from_checkpoints(datasets, tmp_path):
    first = run_walkforward(datasets, _scenario(), "cpu", checkpoint_dir=tmp_path)
    again = run_walkforward(datasets, _scenario(), "cpu", checkpoint_dir=tmp_path)
    assert all(r["resumed"] for r in again.folds)
    pd.testing.assert_frame_equal(first.predictions, again.predictions)
    x = np.zeros((3, 5, first.models["lightweight"].n_features), dtype="float32")
    with torch.no_grad():
        a = first.models["lightweight"].module(torch.as_tensor(x))
        b = again.models["lightweight"].module(torch.as_tensor(x))
    assert torch.equal(a, b)


def test_changing_the_config_or_the_data_changes_the_key(datasets):
    fingerprint = data_fingerprint(datasets)
    scenario = _scenario()
    key = run_key(fingerprint, scenario, scenario.variants[0], "cpu")
    assert key != run_key(fingerprint, _scenario(epochs=3), scenario.variants[0], "cpu")
    assert key != run_key(fingerprint, apply_overrides(scenario, {"seed": 8}), scenario.variants[0], "cpu")
    changed = {**datasets, "AAA": datasets["AAA"].assign(ret_1=datasets["AAA"]["ret_1"] * 1.0001)}
    assert key != run_key(data_fingerprint(changed), scenario, scenario.variants[0], "cpu")


def test_a_missing_fold_is_retrained_alone(datasets, tmp_path):
    scenario = _scenario()
    full = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    key = run_key(data_fingerprint(datasets), scenario, scenario.variants[0], "cpu")
    (tmp_path / key / "fold-0001.pt").unlink()
    again = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    assert [r["resumed"] for r in again.folds] == [True, False] + [True] * (len(full.folds) - 2)
    pd.testing.assert_frame_equal(full.predictions, again.predictions)
    assert FoldStore(tmp_path / key).load(1) is not None


def test_checkpoints_can_be_switched_off(datasets, tmp_path):
    run_walkforward(datasets, _scenario(checkpoint=False), "cpu", checkpoint_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_warm_start_changes_later_folds_only(datasets, tmp_path):
    cold = run_walkforward(datasets, _scenario(), "cpu", checkpoint_dir=tmp_path / "cold").predictions
    warm = run_walkforward(
        datasets, _scenario(warm_start=True), "cpu", checkpoint_dir=tmp_path / "warm"
    ).predictions
    first = cold["fold"] == 0
    assert np.array_equal(cold.loc[first, "proba"], warm.loc[first, "proba"])
    assert not np.allclose(cold.loc[~first, "proba"], warm.loc[~first, "proba"])


def test_same_config_and_seed_give_bit_identical_predictions(datasets, tmp_path):
    scenario = apply_overrides(_scenario(checkpoint=False), {"variants": ["lightweight", "transformer"]})
    first = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    second = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing came from a checkpoint
    pd.testing.assert_frame_equal(first.predictions, second.predictions, check_exact=True)
    other = run_walkforward(datasets, apply_overrides(scenario, {"seed": 8}), "cpu", checkpoint_dir=tmp_path)
    assert not np.array_equal(first.predictions["proba"], other.predictions["proba"])


def test_no_sequence_mixes_two_tickers(datasets):
    from alphacheck.walkforward.folds import common_calendar, fit_scaler, fold_arrays
    from alphacheck.walkforward.splits import make_folds

    # every feature of AAA is 1 and of BBB is 3: after the pooled scaler, AAA rows are -1 and BBB rows +1
    marked = {
        ticker: data.assign(**{c: value for c in data.columns if c not in ("fwd_return", "label")})
        for (ticker, data), value in zip(datasets.items(), (1.0, 3.0), strict=True)
    }
    calendar = common_calendar(marked)
    fold = make_folds(calendar, _scenario().walkforward)[1]
    parts = fold_arrays(marked, calendar, fold, 5)
    mean, scale = fit_scaler(marked, fold)
    np.testing.assert_allclose(mean, 2.0)
    for role in ("fit", "val", "test"):
        x, _, meta = parts[role]
        signs = np.sign(x).reshape(len(x), -1)
        assert (signs == signs[:, :1]).all()  # one ticker per sequence
        expected = np.where(meta["ticker"].to_numpy() == "AAA", -1.0, 1.0)
        np.testing.assert_array_equal(signs[:, 0], expected)


def test_the_scaler_sees_only_the_fitting_rows(datasets):
    from alphacheck.walkforward.folds import common_calendar, fit_scaler
    from alphacheck.walkforward.splits import make_folds

    calendar = common_calendar(datasets)
    fold = make_folds(calendar, _scenario().walkforward)[0]
    mean, scale = fit_scaler(datasets, fold)
    features = [c for c in datasets["AAA"].columns if c not in ("fwd_return", "label")]
    rows = pd.concat([d.loc[fold.fit_start : fold.fit_end, features] for d in datasets.values()])
    np.testing.assert_allclose(mean, rows.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(scale, rows.std(ddof=0).to_numpy(), rtol=1e-12)
    later = {
        t: d.assign(**{c: d[c].where(d.index <= fold.fit_end, 1e6) for c in features})
        for t, d in datasets.items()
    }
    mean_later, scale_later = fit_scaler(later, fold)
    assert np.array_equal(mean, mean_later) and np.array_equal(scale, scale_later)


def test_fresh_trains_every_fold_again_and_a_rerun_counts_what_it_read(datasets, tmp_path):
    scenario = _scenario()
    first = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    key = run_key(data_fingerprint(datasets), scenario, scenario.variants[0], "cpu")
    assert first.reused() == {} and first.checkpoints == {"lightweight": tmp_path / key}
    again = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path)
    assert again.reused() == {"lightweight": (len(first.folds), len(first.folds))}
    fresh = run_walkforward(datasets, scenario, "cpu", checkpoint_dir=tmp_path, fresh=True)
    assert not any(r["resumed"] for r in fresh.folds) and fresh.reused() == {}
    pd.testing.assert_frame_equal(first.predictions, fresh.predictions)
    assert FoldStore(tmp_path / key).load(0) is not None  # checkpointed anew


def test_the_key_changes_with_the_fold_code_and_the_version(tmp_path, monkeypatch):
    from alphacheck.walkforward import checkpoint

    for package, name in (("models", "net.py"), ("walkforward", "loop.py"), ("report", "page.py")):
        (tmp_path / package).mkdir()
        (tmp_path / package / name).write_text("x = 1\n")
    before = checkpoint.code_digest(tmp_path)
    (tmp_path / "report" / "page.py").write_text("x = 2\n")  # not fold code
    assert checkpoint.code_digest(tmp_path) == before
    (tmp_path / "walkforward" / "loop.py").write_text("x = 2\n")  # the training loop changed
    assert checkpoint.code_digest(tmp_path) != before
    # both reach the key: this package's fold code and the version
    scenario = _scenario()
    key = run_key("data", scenario, scenario.variants[0], "cpu")
    monkeypatch.setattr(checkpoint, "fold_code_fingerprint", lambda: "edited")
    assert run_key("data", scenario, scenario.variants[0], "cpu") != key
    monkeypatch.undo()
    monkeypatch.setattr(checkpoint, "__version__", "99.0")
    assert run_key("data", scenario, scenario.variants[0], "cpu") != key
