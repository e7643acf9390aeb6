"""Every executor gives the local executor's predictions, and resumes from its checkpoints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.features import build_dataset
from alphacheck.models import seed_everything
from alphacheck.scenarios import validate_scenario
from alphacheck.walkforward import (
    FoldTask,
    LocalExecutor,
    ProcessExecutor,
    make_executor,
    plan_tasks,
    run_walkforward,
)
from alphacheck.walkforward.progress import NullProgress
from tests.conftest import synthetic_prices


def _scenario(**changes):
    tree = {
        "name": "scale",
        "seed": 5,
        "walkforward": {
            "train_days": 120, "test_days": 30, "purge_days": 2, "validation_days": 30, "sequence_length": 5,
        },
        "training": {"epochs": 2, "batch_size": 32, "patience": 2, "checkpoint": False},
        "variants": ["baseline", "lightweight"],
    }
    for key, value in changes.items():
        tree[key] = {**tree.get(key, {}), **value} if isinstance(value, dict) else value
    return validate_scenario(tree)


@pytest.fixture
def datasets():
    prices = {"A": synthetic_prices(230, seed=21), "B": synthetic_prices(230, seed=22)}
    return {t: build_dataset(p, "basic", "next_open") for t, p in prices.items()}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))


def _reference(datasets, scenario):
    seed_everything(scenario.seed)
    return run_walkforward(datasets, scenario, "cpu", executor=LocalExecutor())


def _same(result, reference):
    pd.testing.assert_frame_equal(result.predictions, reference.predictions)
    strip = lambda records: [{k: v for k, v in r.items() if k not in ("seconds", "resumed")} for r in records]
    assert strip(result.folds) == strip(reference.folds)
    assert set(result.fold_models) == set(reference.fold_models)
    for key, model in reference.fold_models.items():
        for name, tensor in model.module.state_dict().items():
            mine = result.fold_models[key].module.state_dict()[name]
            np.testing.assert_array_equal(mine.cpu().numpy(), tensor.cpu().numpy())
        # the fold's calibrator, fitted wherever the fold ran, is the same
        assert result.fold_models[key].calibrator.to_dict() == model.calibrator.to_dict()
    for name, model in reference.models.items():
        other = result.models[name]
        assert other.fold == model.fold and other.scaler_mean == model.scaler_mean
        assert other.calibration == model.calibration and model.calibration["method_"] == "platt"
        for key, tensor in model.module.state_dict().items():
            np.testing.assert_array_equal(other.module.state_dict()[key].numpy(), tensor.numpy())


def test_plan_splits_independent_folds_and_chains_warm_starts():
    scenario = _scenario()
    assert plan_tasks(scenario, 3) == [
        FoldTask(0, (0,)), FoldTask(0, (1,)), FoldTask(0, (2,)),
        FoldTask(1, (0,)), FoldTask(1, (1,)), FoldTask(1, (2,)),
    ]
    assert plan_tasks(scenario, 3, group_size=2)[:2] == [FoldTask(0, (0, 1)), FoldTask(0, (2,))]
    warm = _scenario(training={"warm_start": True})
    assert plan_tasks(warm, 3, group_size=1) == [FoldTask(0, (0, 1, 2)), FoldTask(1, (0, 1, 2))]


@pytest.mark.slow
def test_processes_equal_the_runner_with_warm_starts(datasets):
    scenario = _scenario(training={"warm_start": True})
    reference = _reference(datasets, scenario)
    progress = Recorder()
    result = run_walkforward(datasets, scenario, "cpu", executor=ProcessExecutor(2, 1), progress=progress)
    _same(result, reference)
    # The folds train in the workers: one bar of all of them, ticked as each task comes back.
    assert progress.events[0] == ("variant", "baseline, lightweight", 6)
    done = [("done", v, f) for v in ("baseline", "lightweight") for f in range(3)]
    assert sorted(progress.events[1:-1]) == sorted(done)
    assert progress.events[-1] == ("end",)


@pytest.mark.slow
def test_processes_resume_from_the_local_runs_checkpoints(datasets, tmp_path):
    scenario = _scenario(training={"checkpoint": True})
    reference = _reference(datasets, scenario)  # writes every fold's checkpoint
    removed = list((tmp_path / "home" / "folds").glob("*/fold-0001.pt"))
    assert len(removed) == 2  # one per variant
    for path in removed:
        path.unlink()
    seen = {}
    result = run_walkforward(
        datasets, scenario, "cpu", executor=ProcessExecutor(2, 1),
        on_fold=lambda variant, fold, record: seen.update({(variant, fold.index): record["resumed"]}),
    )
    assert seen == {(v, f): f != 1 for v in ("baseline", "lightweight") for f in range(3)}
    assert all(path.is_file() for path in removed)  # the retrained folds are checkpointed again
    _same(result, reference)


@pytest.mark.slow
def test_scenario_compute_section_picks_the_executor(datasets):
    scenario = _scenario(compute={"executor": "processes", "workers": 2, "threads_per_worker": 1})
    reference = _reference(datasets, scenario)
    _same(run_walkforward(datasets, scenario, "cpu"), reference)


class Recorder(NullProgress):
    """Progress that writes down what it is told."""

    def __init__(self):
        self.events = []

    def start_variant(self, variant, n_folds):
        self.events.append(("variant", variant, n_folds))

    def start_fold(self, fold, epochs):
        self.events.append(("fold", fold))

    def end_fold(self, record):
        self.events.append(("done", record["variant"], record["index"]))

    def end_variant(self):
        self.events.append(("end",))


def test_local_progress_shows_each_variant_and_each_fold_as_it_trains(datasets):
    scenario = _scenario()
    progress, seen = Recorder(), []
    run_walkforward(
        datasets, scenario, "cpu", progress=progress,
        on_fold=lambda variant, fold, record: seen.append((variant, fold.index)),
    )
    expected = []
    for variant in ("baseline", "lightweight"):
        expected.append(("variant", variant, 3))
        for fold in range(3):
            expected += [("fold", fold), ("done", variant, fold)]
        expected.append(("end",))
    assert progress.events == expected
    assert seen == [(v, f) for v in ("baseline", "lightweight") for f in range(3)]


def test_unknown_executor_and_bad_workers_are_config_errors():
    with pytest.raises(ConfigError, match=r"'proceses' is unknown \(did you mean 'processes'\?\)"):
        make_executor("proceses")
    with pytest.raises(ConfigError, match="compute.workers must be at least 1, got 0"):
        make_executor("processes", workers=0)


BATCHED = {"fold_concurrency": "batched", "fold_group_size": 2}


def test_batched_tasks_are_the_stacks(datasets):
    scenario = _scenario(compute=BATCHED)
    assert plan_tasks(scenario, 3, stacks={0: [[0, 1], [2]], 1: None}) == [
        FoldTask(0, (0, 1), "batched:2,1"), FoldTask(0, (2,), "batched:2,1"),
        FoldTask(1, (0,)), FoldTask(1, (1,)), FoldTask(1, (2,)),
    ]
    reference = _reference(datasets, scenario)
    assert [r["fold_stack"] for r in reference.folds] == [2, 2, 1] * 2


@pytest.mark.slow
def test_batched_stacks_in_worker_processes_resume_the_in_process_checkpoints(datasets, tmp_path):
    scenario = _scenario(compute=BATCHED, training={"checkpoint": True})
    reference = _reference(datasets, scenario)
    for path in (tmp_path / "home" / "folds").glob("*/fold-0002.pt"):
        path.unlink()  # the second stack of each variant (its one fold) trains again in a worker
    seen = {}
    result = run_walkforward(
        datasets, scenario, "cpu", executor=ProcessExecutor(2, 1),
        on_fold=lambda variant, fold, record: seen.update({(variant, fold.index): record["resumed"]}),
    )
    assert seen == {(v, f): f != 2 for v in ("baseline", "lightweight") for f in range(3)}
    _same(result, reference)
