"""``compute.fold_concurrency: batched`` in the walk-forward: equality, determinism, stacks, fallbacks."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import torch

from alphacheck.data import load_prices
from alphacheck.features import build_dataset
from alphacheck.models import seed_everything
from alphacheck.scenarios import apply_overrides, load_scenario
from alphacheck.walkforward import run_walkforward
from alphacheck.walkforward.checkpoint import run_key

SMALL_NO_DROPOUT = [
    {"name": "baseline", "params": {"dropout": 0.0}},
    {"name": "enhanced", "params": {"hidden_size": 12, "attention_size": 8, "dropout": 0.0}},
    {"name": "transformer", "params": {"d_model": 16, "dim_feedforward": 24, "dropout": 0.0}},
]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def quick():
    """The shipped quick scenario (embedded S&P 500 data), checkpoints off, and its datasets."""
    scenario = apply_overrides(load_scenario("quick"), {"training.checkpoint": False})
    prices = load_prices(scenario.data)
    execution = scenario.backtest.execution
    return scenario, {t: build_dataset(p, scenario.features, execution) for t, p in prices.items()}


def _run(scenario, datasets, **changes):
    scenario = apply_overrides(scenario, changes)
    seed_everything(scenario.seed)
    return run_walkforward(datasets, scenario, torch.device("cpu"))


def _assert_same_rows_within(sequential, batched, tolerance):
    columns = ["proba", "proba_raw"]  # the model's own P(up), and P(up) calibrated on the validation tail
    pd.testing.assert_frame_equal(
        sequential.predictions.drop(columns=columns), batched.predictions.drop(columns=columns)
    )
    for column in columns:
        assert (sequential.predictions[column] - batched.predictions[column]).abs().max() <= tolerance
    keys = ("variant", "index", "epochs_run", "best_epoch")
    runs = [[tuple(r[k] for k in keys) for r in walk.folds] for walk in (sequential, batched)]
    assert runs[0] == runs[1]


def test_quick_without_dropout_batched_equals_sequential(quick):
    scenario, datasets = quick
    variants = [{"name": "baseline", "params": {"dropout": 0.0}}]
    sequential = _run(scenario, datasets, variants=variants)
    batched = _run(scenario, datasets, variants=variants, **{"compute.fold_concurrency": "batched"})
    _assert_same_rows_within(sequential, batched, 1e-5)
    assert {r["fold_stack"] for r in batched.folds} == {len(batched.folds)}
    assert "fold_stack" not in sequential.folds[0]
    # every fold's module, for the stress shocks, predicts what the walk-forward predicted
    fold = batched.folds[-1]["index"]
    assert batched.fold_models[("baseline", fold)] is not None


def test_three_variants_without_dropout_batched_equals_sequential(quick):
    scenario, datasets = quick
    sequential = _run(scenario, datasets, variants=SMALL_NO_DROPOUT)
    batched = _run(
        scenario, datasets, variants=SMALL_NO_DROPOUT, **{"compute.fold_concurrency": "batched"}
    )
    _assert_same_rows_within(sequential, batched, 1e-5)


@pytest.mark.slow
def test_every_shipped_variant_at_its_own_size_without_dropout_equals_sequential(quick):
    scenario, datasets = quick
    names = ["baseline", "lightweight", "enhanced", "advanced", "transformer"]
    variants = [{"name": n, "params": {} if n == "lightweight" else {"dropout": 0.0}} for n in names]
    variants.append({"name": "ensemble", "params": {"members": ["lightweight", "lightweight"]}})
    sequential = _run(scenario, datasets, variants=variants)
    batched = _run(scenario, datasets, variants=variants, **{"compute.fold_concurrency": "batched"})
    _assert_same_rows_within(sequential, batched, 1e-5)


def test_with_dropout_batched_runs_repeat_exactly(quick):
    scenario, datasets = quick  # quick's baseline has dropout 0.1 before its head
    first = _run(scenario, datasets, **{"compute.fold_concurrency": "batched"})
    second = _run(scenario, datasets, **{"compute.fold_concurrency": "batched"})
    pd.testing.assert_frame_equal(first.predictions, second.predictions, check_exact=True)
    sequential = _run(scenario, datasets)
    assert not np.allclose(first.predictions["proba_raw"], sequential.predictions["proba_raw"], atol=1e-5)


def test_fold_group_size_caps_the_stacks(quick):
    scenario, datasets = quick
    variants = [{"name": "lightweight"}]
    capped = {"compute.fold_concurrency": "batched", "compute.fold_group_size": 3}
    batched = _run(scenario, datasets, variants=variants, **capped)
    assert [r["fold_stack"] for r in batched.folds] == [2, 2, 2, 2][: len(batched.folds)]
    whole = _run(scenario, datasets, variants=variants, **{"compute.fold_concurrency": "batched"})
    gap = (whole.predictions["proba_raw"] - batched.predictions["proba_raw"]).abs().max()
    assert gap <= 1e-5


def test_memory_budget_splits_the_folds(quick, monkeypatch):
    from alphacheck.walkforward import stacks

    scenario, datasets = quick
    scenario = apply_overrides(scenario, {"compute.fold_concurrency": "batched"})
    per_fold = {}
    original = stacks.fold_memory_bytes

    def spy(*args):
        per_fold["bytes"] = original(*args)
        return per_fold["bytes"]

    monkeypatch.setattr(stacks, "fold_memory_bytes", spy)
    # a device whose budget holds two and a half folds
    total = lambda device: int(per_fold["bytes"] * 2.5 / stacks.BUDGET_SHARE)  # noqa: E731
    monkeypatch.setattr(stacks, "device_memory_bytes", total)
    from alphacheck.walkforward import common_calendar, make_folds

    calendar = common_calendar(datasets)
    folds = make_folds(calendar, scenario.walkforward)
    plan = stacks.stack_plan(scenario, scenario.variants[0], datasets, calendar, folds, "cpu")
    assert len(folds) == 4 and plan == [[0, 1], [2, 3]]


def test_warm_start_and_unknown_layers_train_fold_by_fold_with_a_note(quick, caplog, monkeypatch):
    from alphacheck.models.registry import VARIANTS, VariantSpec

    scenario, datasets = quick
    with caplog.at_level(logging.WARNING, logger="alphacheck.walkforward.stacks"):
        warm = _run(
            scenario, datasets, **{"compute.fold_concurrency": "batched", "training.warm_start": True}
        )
    assert "warm_start chains its folds, so they train one at a time" in caplog.text
    assert "fold_stack" not in warm.folds[0]
    sequential = _run(scenario, datasets, **{"training.warm_start": True})
    pd.testing.assert_frame_equal(warm.predictions, sequential.predictions, check_exact=True)

    class Mean(torch.nn.Module):  # a layer the stacked forwards do not know
        def __init__(self, n_features):
            super().__init__()
            self.head = torch.nn.Linear(n_features, 1)

        def forward(self, x):
            return self.head(x.mean(dim=1)).squeeze(-1)

    monkeypatch.setitem(VARIANTS, "mean", VariantSpec(name="mean", description="test", build=Mean))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="alphacheck.walkforward.stacks"):
        plain = _run(scenario, datasets, variants=["mean"], **{"compute.fold_concurrency": "batched"})
    assert "mean: mean's module Mean has no stacked form; its folds train one at a time" in caplog.text
    assert "fold_stack" not in plain.folds[0]


def test_checkpoints_resume_whole_stacks_and_retrain_a_half_saved_one(quick, tmp_path):
    scenario, datasets = quick
    changes = {
        "training.checkpoint": True,
        "compute.fold_concurrency": "batched",
        "compute.fold_group_size": 2,
    }
    first = apply_overrides(scenario, changes)
    seed_everything(first.seed)
    whole = run_walkforward(datasets, first, "cpu", checkpoint_dir=tmp_path)
    files = sorted(tmp_path.glob("*/fold-*.pt"))
    assert len(files) == len(whole.folds) == 4
    files[3].unlink()  # the second stack is now half-saved, as a kill between its two saves leaves it
    seed_everything(first.seed)
    again = run_walkforward(datasets, first, "cpu", checkpoint_dir=tmp_path)
    assert [r["resumed"] for r in again.folds] == [True, True, False, False]
    pd.testing.assert_frame_equal(whole.predictions, again.predictions, check_exact=True)


def test_batched_checkpoints_live_apart_from_sequential_ones(quick):
    scenario, _ = quick
    variant = scenario.variants[0]
    sequential = run_key("data", scenario, variant, "cpu")
    assert sequential == run_key("data", scenario, variant, "cpu", None)
    assert run_key("data", scenario, variant, "cpu", "batched:2,2") not in (
        sequential,
        run_key("data", scenario, variant, "cpu", "batched:4"),
    )


def test_an_unknown_fold_concurrency_is_a_config_error_naming_the_field():
    from alphacheck.exceptions import ConfigError

    with pytest.raises(ConfigError, match=r"compute\.fold_concurrency = 'batch': Input should be 'sequential' or"):
        apply_overrides(load_scenario("quick"), {"compute.fold_concurrency": "batch"})
    with pytest.raises(ConfigError, match=r"compute\.fold_group_size"):
        apply_overrides(load_scenario("quick"), {"compute.fold_group_size": 0})
