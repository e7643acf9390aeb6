"""The MLflow recorder writes each run's params, metrics and tags in one batch, and loses none of them."""

from __future__ import annotations

import math

import mlflow

from alphacheck.rundir import read_run
from alphacheck.tracking.mlflow_recorder import MlflowRecorder
from alphacheck.tracking.record import record_run


class CollectingRecorder:
    """Keeps, per run, every param, tag and metric (with its steps) that record_run gives a recorder."""

    def __init__(self) -> None:
        self.current = "parent"
        self.runs: dict[str, dict] = {}
        self._run()

    def _run(self) -> dict:
        return self.runs.setdefault(self.current, {"params": {}, "tags": {}, "metrics": {}})

    def log_params(self, params) -> None:
        self._run()["params"].update({k: str(v) for k, v in params.items()})

    def set_tags(self, tags) -> None:
        self._run()["tags"].update({k: str(v) for k, v in tags.items()})

    def log_metrics(self, metrics) -> None:
        self.log_steps([(name, 0, value) for name, value in metrics.items()])

    def log_metric_steps(self, name, values) -> None:
        self.log_steps([(name, step, value) for step, value in values])

    def log_steps(self, rows) -> None:
        for name, step, value in rows:
            if value is not None and math.isfinite(float(value)):
                self._run()["metrics"].setdefault(name, []).append((int(step), float(value)))

    def start_child(self, run_name) -> None:
        self.current = run_name
        self._run()

    def end_child(self, status="FINISHED") -> None:
        self.current = "parent"

    def log_artifact(self, path, artifact_path=None) -> None:
        pass

    def log_model(self, model, input_example, onnx_path=None) -> None:
        pass


def test_one_batch_per_run_holds_everything_record_run_logged(run_dir, tmp_path, monkeypatch) -> None:
    run = read_run(run_dir)
    expected = CollectingRecorder()
    record_run(expected, run, {}, "cpu")

    batches = []
    original = mlflow.MlflowClient.log_batch

    def counting(self, run_id, *args, **kwargs):
        batches.append(run_id)
        return original(self, run_id, *args, **kwargs)

    monkeypatch.setattr(mlflow.MlflowClient, "log_batch", counting)
    recorder = MlflowRecorder(f"sqlite:///{tmp_path / 'mlflow.db'}")
    recorder.start("batching", "run")
    record_run(recorder, run, {}, "cpu")
    recorder.end()

    ids = {"parent": recorder.run_id, **recorder.child_run_ids}
    assert sorted(ids) == sorted(expected.runs) == ["baseline-NASDAQ", "baseline-SP500", "parent"]
    assert sorted(batches) == sorted(ids.values())  # one write per run, not one per metric
    client = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    for name, run_id in ids.items():
        stored, want = client.get_run(run_id).data, expected.runs[name]
        assert stored.params == want["params"]
        assert want["tags"].items() <= stored.tags.items()
        assert set(stored.metrics) == set(want["metrics"]), name
        for metric, steps in want["metrics"].items():
            history = sorted((m.step, m.value) for m in client.get_metric_history(run_id, metric))
            assert history == sorted(steps), (name, metric)  # float64 both ways: exact
