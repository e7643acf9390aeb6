"""`alphacheck run` against a real server, then `runs list`, `reproduce`, `report` and `ui`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml
from click.testing import CliRunner

from alphacheck.cli.main import cli
from tests.conftest import REPO, plant_traps, sprung_traps

TINY = {
    "name": "tiny",
    "description": "Three short folds on the embedded S&P 500 data, two epochs.",
    "seed": 3,
    "device": "cpu",
    "data": {"source": "sample", "tickers": ["SP500"], "start": "2016-01-01", "end": "2018-12-31"},
    "walkforward": {"train_days": 300, "test_days": 100, "purge_days": 2, "validation_days": 40,
                    "sequence_length": 5},
    "training": {"epochs": 2, "batch_size": 64, "patience": 1},
    "variants": ["baseline"],
}


@pytest.fixture(scope="module")
def tiny_run(mlflow_server, tmp_path_factory):
    """One `alphacheck run` of the tiny scenario, logged to the server."""
    from mlflow.tracking._tracking_service import utils

    before = utils._tracking_uri
    root = tmp_path_factory.mktemp("e2e")
    scenario = root / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(TINY))
    out = root / "run"
    result = CliRunner().invoke(cli, ["run", str(scenario), "--tracking-uri", mlflow_server, "-o", str(out)])
    utils._tracking_uri = before
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.slow
def test_run_logs_a_parent_and_a_child_and_writes_the_report(tiny_run, mlflow_server):
    from mlflow import MlflowClient

    out, output = tiny_run
    for name in ("index.html", "summary.md", "returns.parquet", "plots/equity.png", "plots/fold_accuracy.png",
                 "tearsheets/SP500-baseline.html"):
        assert (out / name).is_file(), name
    client = MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name("tiny")
    parents = client.search_runs([experiment.experiment_id], "tags.`alphacheck.role` = 'parent'")
    assert len(parents) == 1 and parents[0].info.run_name == "run"
    # the UI's Dataset column: the prices, named, with their fingerprint as the digest
    (used,) = client.get_run(parents[0].info.run_id).inputs.dataset_inputs
    assert used.dataset.digest == parents[0].data.params["data.fingerprint"][:36]
    assert used.dataset.name.startswith("sample: SP500 ") and used.dataset.source_type == "code"
    children = client.search_runs([experiment.experiment_id], f"tags.mlflow.parentRunId = '{parents[0].info.run_id}'")
    assert [c.info.run_name for c in children] == ["baseline"]
    import json

    folds = json.loads((out / "metrics.json").read_text())["folds"]
    steps = [m.step for m in client.get_metric_history(children[0].info.run_id, "fold.accuracy")]
    assert len(folds) >= 3 and steps == [f["index"] for f in folds]
    assert f"run {parents[0].info.run_id}" in output


@pytest.mark.slow
def test_runs_list_shows_the_run_with_its_headline_metrics(tiny_run, mlflow_server):
    import json

    out, _ = tiny_run
    result = CliRunner().invoke(cli, ["runs", "list", "--tracking-uri", mlflow_server, "-n", "5"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]["SP500"]
    line = next(row for row in result.output.splitlines() if " tiny " in row)
    assert f"{metrics['baseline']['accuracy']:.1%}" in line
    assert f"{metrics['buy_and_hold']['total_return']:+.1%}" in line
    # the variants only: the baselines are yardsticks, not variants
    rows = [row.split() for row in result.output.splitlines() if " tiny " in row]
    assert {row[6] for row in rows} == {"baseline"}
    listed = CliRunner().invoke(cli, ["runs", "list", "--tracking-uri", mlflow_server, "-n", "5", "--json"])
    records = [r for r in json.loads(listed.output) if r["scenario"] == "tiny"]
    assert {r["variant"] for r in records} == {"baseline"}
    assert records[0]["accuracy"] == pytest.approx(metrics["baseline"]["accuracy"])


@pytest.mark.slow
def test_reproduce_finds_identical_predictions(tiny_run, mlflow_server, tmp_path):
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name("tiny")
    run_id = client.search_runs([experiment.experiment_id], "tags.`alphacheck.role` = 'parent'")[0].info.run_id
    result = CliRunner().invoke(cli, ["reproduce", run_id, "--tracking-uri", mlflow_server, "-o", str(tmp_path / "re")])
    assert result.exit_code == 0, result.output
    assert f"run {run_id}: predictions identical" in result.output


@pytest.mark.slow
def test_report_command_rebuilds_without_font_noise(tiny_run):
    out, _ = tiny_run
    (out / "index.html").unlink()
    done = subprocess.run([sys.executable, "-m", "alphacheck", "report", str(out)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "index.html")
    assert "findfont" not in done.stderr and "findfont" not in done.stdout
    assert len(done.stderr.splitlines()) < 10, done.stderr


@pytest.mark.slow
def test_ui_serves_the_store(tmp_path, closed_uri):
    from mlflow import MlflowClient

    port = closed_uri.rsplit(":", 1)[1]
    MlflowClient(f"sqlite:///{tmp_path / 'ui.db'}").search_experiments()  # a store (ui refuses a missing one)
    # From a folder of modules named like mlflow's libraries: `python -m mlflow` imported them (issue 14).
    trapped = plant_traps(tmp_path / "work")
    process = subprocess.Popen(
        [sys.executable, "-m", "alphacheck", "ui", "--tracking-uri", f"sqlite:///{tmp_path / 'ui.db'}", "--port", port],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, cwd=trapped,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 300
    try:
        while True:
            assert process.poll() is None, process.stdout.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "mlflow ui did not answer within 300 s"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert "MLflow" in response.read().decode()
        assert sprung_traps(trapped) == []
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
