"""The CLI on scenarios/quick.yaml, in a fresh process, checking every output."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

from alphacheck.profiling import STAGES
from alphacheck.scenarios import load_scenario
from tests.conftest import run_folder_differences

METRIC_KEYS = {
    "accuracy", "precision", "recall", "f1", "total_return", "sharpe",
    "max_drawdown", "win_rate", "n_trades", "n_predictions",
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quick")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "alphacheck", "run", "quick", "--output", str(tmp / "run"), "--tracking-uri", uri],
        capture_output=True, text=True, cwd=tmp, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / "run", uri, proc


@pytest.mark.slow
def test_run_folder_holds_config_predictions_metrics_and_tearsheets(quick_run):
    run_dir, _, proc = quick_run
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config == load_scenario("quick").model_dump(mode="json")

    preds = pd.read_parquet(run_dir / "predictions.parquet")
    assert list(preds.columns) == [
        "date", "ticker", "variant", "fold", "proba", "proba_raw", "label", "fwd_return"
    ]
    assert not preds.duplicated(["date", "ticker", "variant"]).any()
    assert set(preds["ticker"]) == {"SP500"} and set(preds["variant"]) == {"baseline"}
    assert ((preds["fwd_return"] > 0).astype(int) == preds["label"]).all()

    metrics = json.loads((run_dir / "metrics.json").read_text())
    per_ticker = metrics["metrics"]["SP500"]
    assert set(per_ticker) == {"baseline", "buy_and_hold", "always_long", "random"}
    for values in per_ticker.values():
        assert METRIC_KEYS <= set(values)
    assert per_ticker["baseline"]["n_predictions"] == len(preds)
    up_share = (preds["label"] == 1).mean()
    assert per_ticker["always_long"]["accuracy"] == pytest.approx(up_share)
    assert per_ticker["baseline"]["accuracy"] == pytest.approx(((preds["proba"] > 0.5) == preds["label"]).mean())
    assert "baseline" in proc.stdout and "buy_and_hold" in proc.stdout  # the results table


@pytest.mark.slow
def test_tearsheet_holds_the_strategy_and_benchmark_series(quick_run):
    run_dir, _, _ = quick_run
    html = (run_dir / "tearsheets" / "SP500-baseline.html").read_text()
    assert "<html" in html.lower()
    assert "baseline strategy" in html and "SP500 buy-and-hold" in html
    assert "quick: baseline on SP500, 10 bps per side" in html


@pytest.mark.slow
def test_mlflow_run_exists_with_params_metrics_and_artifacts(quick_run):
    from mlflow.tracking import MlflowClient

    run_dir, uri, _ = quick_run
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("quick")
    runs = client.search_runs([experiment.experiment_id], "tags.`alphacheck.role` = 'parent'")  # not the children
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    metrics = json.loads((run_dir / "metrics.json").read_text())["metrics"]["SP500"]
    assert run.data.metrics["baseline.SP500.accuracy"] == pytest.approx(metrics["baseline"]["accuracy"])
    assert run.data.metrics["buy_and_hold.SP500.sharpe"] == pytest.approx(metrics["buy_and_hold"]["sharpe"])
    assert run.data.params["walkforward.train_days"] == "500"
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"metrics.json", "config.yaml", "tearsheets"} <= artifacts
    assert [a.path for a in client.list_artifacts(run.info.run_id, "tearsheets")] == ["tearsheets/SP500-baseline.html"]


@pytest.mark.slow
def test_the_verdict_comes_first_last_and_tags_the_child_run(quick_run):
    from mlflow.tracking import MlflowClient

    run_dir, uri, proc = quick_run
    metrics = json.loads((run_dir / "metrics.json").read_text())
    verdict = metrics["verdict"]["SP500"]["baseline"]
    assert verdict["label"] in ("edge", "no_edge", "inconclusive", "leak_suspected") and verdict["reasons"]
    out = proc.stdout
    assert out.index("Verdict: is there a tradable edge?") < out.index("SP500 baseline") < out.index("ticker  strategy")
    assert out.rstrip("\n").splitlines()[-1] == f"verdict over 1 strategy: 1 {verdict['label']}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("quick")
    child = client.search_runs([experiment.experiment_id], "tags.`alphacheck.role` = 'variant'")[0]
    assert child.data.tags["alphacheck.verdict"] == verdict["label"]
    assert child.data.metrics["verdict.sharpe"] == pytest.approx(verdict["evidence"]["sharpe"])


@pytest.fixture(scope="module")
def profiled_run(tmp_path_factory):
    """The same scenario with --profile (and without tracking, which writes nothing into the folder)."""
    tmp = tmp_path_factory.mktemp("profiled")
    proc = subprocess.run(
        [sys.executable, "-m", "alphacheck", "run", "quick", "-o", str(tmp / "run"), "--no-tracking", "--profile"],
        capture_output=True, text=True, cwd=tmp, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / "run", proc


@pytest.mark.slow
def test_profile_times_every_stage_and_changes_nothing_else(quick_run, profiled_run):
    run_dir, proc = profiled_run
    profile = json.loads((run_dir / "profile.json").read_text())
    assert list(profile["stages"]) == list(STAGES)
    assert all(isinstance(v, float) and v >= 0 for v in profile["stages"].values())
    for name in ("imports", "training", "backtest", "plots", "tearsheets"):  # work this scenario does
        assert profile["stages"][name] > 0, name
    assert profile["stages"]["tracking"] < 0.5  # --no-tracking: nothing but the null recorder
    assert sum(profile["stages"].values()) == pytest.approx(profile["total_seconds"], abs=0.05)
    assert "torch" in profile["imports_by_package"]
    assert "profile (wall seconds per stage" in proc.stderr and "\ntearsheets " in proc.stderr
    # The folder of the unprofiled run, file for file: the profile adds profile.json and nothing else.
    assert run_folder_differences(quick_run[0], run_dir, ignore=frozenset({"profile.json"})) == []
    assert not (quick_run[0] / "profile.json").exists()
