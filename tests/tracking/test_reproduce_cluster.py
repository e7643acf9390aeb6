"""`reproduce` re-runs a logged run here, never on the Ray cluster its config names (issue 14)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import yaml

import alphacheck.pipeline
import alphacheck.tracking.mlflow_recorder
from alphacheck.reproduce import reproduce_run
from alphacheck.scenarios import apply_overrides, load_scenario


def test_a_logged_ray_address_is_not_used_by_reproduce(tmp_path, monkeypatch):
    cluster = {"compute.executor": "ray", "compute.ray_address": "10.9.8.7:6379"}
    logged = apply_overrides(load_scenario("quick"), cluster)
    predictions = pd.DataFrame(
        {"variant": ["baseline"], "ticker": ["SP500"], "date": [pd.Timestamp("2018-01-02")], "proba": [0.5]}
    )

    def fetch_run(run_id, scratch, tracking_uri):
        (scratch / "config.yaml").write_text(yaml.safe_dump(logged.model_dump(mode="json")))
        predictions.to_parquet(scratch / "predictions.parquet")
        return SimpleNamespace(params={})

    seen = {}

    def run(scenario, output_dir, recorder, on_progress=None, **options):
        seen["compute"] = scenario.compute
        return SimpleNamespace(predictions=predictions, output_dir=output_dir)

    monkeypatch.setattr(alphacheck.tracking.mlflow_recorder, "fetch_run", fetch_run)
    monkeypatch.setattr(alphacheck.pipeline, "run", run)
    lines = []
    outcome = reproduce_run("abc", tmp_path, on_progress=lines.append, output_dir=tmp_path / "re")
    assert outcome.identical
    assert seen["compute"].ray_address is None and seen["compute"].executor == "ray"
    assert "run abc trained on the Ray cluster 10.9.8.7:6379; re-running it here" in lines
