"""``reproduce_run``: the logged config is re-run as logged, on the kind of device the run used."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import alphacheck.pipeline as pipeline
import alphacheck.tracking.mlflow_recorder as mlflow_recorder
from alphacheck.reproduce import reproduce_run
from alphacheck.scenarios import load_scenario
from alphacheck.tracking.mlflow_recorder import LoggedRun


@pytest.fixture
def logged_quick(monkeypatch, tmp_path):
    """A logged run of `quick` (device auto in its config, "cpu" in its params), and the re-runs it gets."""
    predictions = pd.DataFrame(
        {"date": pd.to_datetime(["2018-01-02"]), "ticker": ["SP500"], "variant": ["baseline"], "fold": [0],
         "proba": [0.5], "label": [1], "fwd_return": [0.01]}
    )
    config = load_scenario("quick").model_dump(mode="json")

    def fetch_run(run_id: str, destination: Path, tracking_uri: str | None = None) -> LoggedRun:
        destination.mkdir(parents=True, exist_ok=True)
        (destination / "config.yaml").write_text(yaml.safe_dump(config))
        predictions.to_parquet(destination / "predictions.parquet", index=False)
        return LoggedRun(run_id, "quick", "r", "FINISHED", 0, {"device": "cpu"}, {})

    reruns = []

    def rerun(scenario, output_dir=None, recorder=None, on_progress=None, progress=None, **options):
        reruns.append(scenario)
        return pipeline.RunResult(tmp_path / "re", scenario, predictions.copy(), pd.DataFrame(), {}, "none")

    monkeypatch.setattr(mlflow_recorder, "fetch_run", fetch_run)
    monkeypatch.setattr(pipeline, "run", rerun)
    return config, reruns


def test_the_rerun_uses_the_logged_device_kind_and_ignores_the_environment(logged_quick, monkeypatch, tmp_path):
    config, reruns = logged_quick
    assert config["device"] == "auto"
    monkeypatch.setenv("EPOCHS", "1")
    monkeypatch.setenv("TICKERS", "NASDAQ")
    outcome = reproduce_run("abc", tmp_path / "scratch")
    assert outcome.identical
    (scenario,) = reruns
    assert scenario.device == "cpu"
    assert scenario.training.epochs == config["training"]["epochs"] and scenario.data.tickers == ["SP500"]
