"""Logging a run folder to a real ``mlflow server`` and reading it back through MlflowClient."""

from __future__ import annotations

import importlib.util
import subprocess
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from alphacheck.exceptions import TrackingError
from alphacheck.models.lstm import LSTMClassifier
from alphacheck.report.builder import build_report
from alphacheck.rundir import read_run, write_models
from alphacheck.tracking.mlflow_recorder import MlflowRecorder, recent_runs
from alphacheck.tracking.record import record_run
from alphacheck.walkforward.runner import TrainedModel

_spec = importlib.util.spec_from_file_location("logged_runfolder", Path(__file__).parents[1] / "report" / "runfolder.py")
runfolder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runfolder)

N_FEATURES = 4
SEQUENCE_LENGTH = 5  # tests/report/runfolder.py


def _write_models(run_dir):
    """models/baseline.pt and baseline.onnx, written by the same code a trained run uses."""
    torch.manual_seed(0)
    params = {"hidden_size": 8, "num_layers": 1, "dropout": 0.1}
    model = LSTMClassifier(N_FEATURES, **params).eval()
    trained = TrainedModel(
        module=model, variant="baseline", params=params, n_features=N_FEATURES, sequence_length=SEQUENCE_LENGTH,
        feature_columns=[f"f{i}" for i in range(N_FEATURES)], scaler_mean=[0.0] * N_FEATURES,
        scaler_scale=[1.0] * N_FEATURES, fold=0,
    )
    write_models(run_dir, {"baseline": trained})
    return model


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return runfolder.write_run_folder(tmp_path_factory.mktemp("logged") / "run")


@pytest.fixture(scope="module")
def logged(mlflow_server, run_dir):
    """A hand-made run folder, with report and models, logged to the server once for this module."""
    from mlflow import MlflowClient
    from mlflow.tracking._tracking_service import utils

    before = utils._tracking_uri
    dates = pd.bdate_range("2020-01-01", periods=50)
    prices = pd.DataFrame({"close": np.linspace(100, 110, 50)}, index=dates)
    build_report(run_dir, tearsheets=False)
    model = _write_models(run_dir)
    recorder = MlflowRecorder(mlflow_server)
    experiment = f"fabricated-{uuid.uuid4().hex[:8]}"
    recorder.start(experiment, "run-1")
    record_run(recorder, read_run(run_dir), {"SP500": prices, "NASDAQ": prices.iloc[:20]}, "cpu")
    recorder.end()
    utils._tracking_uri = before
    return MlflowClient(mlflow_server), recorder, model, experiment


def _children(client, parent):
    runs = client.search_runs([parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    return {r.info.run_name: r for r in runs}


@pytest.mark.slow
def test_parent_run_holds_config_provenance_metrics_and_files(logged):
    client, recorder, _, experiment = logged
    parent = client.get_run(recorder.run_id)
    assert client.get_experiment(parent.info.experiment_id).name == experiment
    params = parent.data.params
    assert params["walkforward.sequence_length"] == "5" and params["seed"] == "7" and params["device"] == "cpu"
    assert len(params["data.fingerprint"]) == 64
    assert params["version.torch"] == torch.__version__ and params["version.python"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert params["git.commit"].split("+")[0] == (head or "none")
    assert parent.data.metrics["baseline.SP500.n_trades"] == 12
    assert parent.data.tags["alphacheck.role"] == "parent"
    files = {f.path for f in client.list_artifacts(recorder.run_id)}
    assert {"config.yaml", "metrics.json", "predictions.parquet", "returns.parquet", "summary.md", "index.html",
            "plots"} <= files
    plots = {f.path for f in client.list_artifacts(recorder.run_id, "plots")}
    assert "plots/costs.png" in plots and "plots/stress.png" in plots


@pytest.mark.slow
def test_a_child_run_per_variant_and_ticker_with_steps_stress_and_costs(logged, run_dir):
    client, recorder, _, _ = logged
    children = _children(client, client.get_run(recorder.run_id))
    assert sorted(children) == ["baseline-NASDAQ", "baseline-SP500"]
    child = children["baseline-SP500"]
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    sp500 = predictions[predictions["ticker"] == "SP500"]
    by_hand = [float(np.mean((g["proba"] > 0.5) == (g["label"] == 1))) for _, g in sp500.groupby("fold")]
    history = client.get_metric_history(child.info.run_id, "fold.accuracy")
    assert [m.step for m in history] == [0, 1, 2]
    assert [m.value for m in history] == pytest.approx(by_hand, abs=1e-12)
    epochs = client.get_metric_history(child.info.run_id, "fold.epochs_run")
    assert sorted((m.step, m.value) for m in epochs) == [(0, 3.0), (1, 4.0), (2, 5.0)]
    metrics = child.data.metrics
    assert metrics["stress.covid-2020.total_return"] == pytest.approx(-0.05)
    assert metrics["stress.gfc-2008.total_return"] == pytest.approx(-0.04)
    assert metrics["cost_sweep.20.total_return"] == pytest.approx(-0.02)
    assert metrics["cost_sweep.10.sharpe"] == pytest.approx(0.4)
    assert metrics["buy_and_hold.n_trades"] == 12
    assert "stress.covid-2020.buy_and_hold.total_return" not in metrics  # only the variant's own rows


@pytest.mark.slow
def test_the_final_model_is_logged_with_signature_example_and_onnx(logged, tmp_path, mlflow_server, monkeypatch):
    import mlflow.pytorch
    import onnx
    from mlflow.models import get_model_info

    # runs:/ URIs resolve against the global tracking URI, whatever earlier tests left there
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server)
    monkeypatch.setattr("mlflow.tracking._tracking_service.utils._tracking_uri", None)
    client, recorder, model, _ = logged
    child = _children(client, client.get_run(recorder.run_id))["baseline-SP500"]
    uri = f"runs:/{child.info.run_id}/model"
    info = get_model_info(uri)
    assert info.signature is not None and info.saved_input_example_info is not None
    assert list(info.signature.inputs.to_dict()[0]["tensor-spec"]["shape"]) == [-1, SEQUENCE_LENGTH, N_FEATURES]
    loaded = mlflow.pytorch.load_model(uri).eval()
    assert isinstance(loaded, LSTMClassifier)
    x = torch.randn(3, SEQUENCE_LENGTH, N_FEATURES)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    path = client.download_artifacts(child.info.run_id, "onnx/baseline.onnx", str(tmp_path))
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    assert [i.name for i in proto.graph.input] == ["sequences"]


@pytest.mark.slow
def test_recent_runs_lists_the_parent_with_its_metrics(logged, mlflow_server):
    client, recorder, _, experiment = logged
    runs = recent_runs(mlflow_server, limit=50)
    mine = [r for r in runs if r.run_id == recorder.run_id]
    assert len(mine) == 1 and mine[0].experiment == experiment and mine[0].status == "FINISHED"
    assert mine[0].metrics["baseline.SP500.n_trades"] == 12
    assert all(r.run_name not in ("baseline-SP500", "baseline-NASDAQ") for r in runs)  # children are not listed


def test_an_unreachable_server_stops_with_the_fix(closed_uri):
    with pytest.raises(TrackingError, match=r"cannot be reached .*--tracking fallback to log locally"):
        MlflowRecorder(closed_uri).start("x", "y")


def test_fallback_logs_to_a_local_store_and_says_where(closed_uri, tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    notices = []
    recorder = MlflowRecorder(closed_uri, fallback=True, on_notice=notices.append)
    with caplog.at_level("INFO"):
        recorder.start("fallback-test", "run")
    assert "--tracking fallback" not in caplog.text  # no advice to do what is being done
    recorder.log_metrics({"m": 1.0})
    recorder.end()
    assert notices == [f"tracking server {closed_uri} unreachable; logging locally to sqlite:///mlflow.db"]
    assert (tmp_path / "mlflow.db").is_file()
    assert f"server {closed_uri} was unreachable, logged locally" in recorder.location
