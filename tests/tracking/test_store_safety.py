"""The MLflow store: reading never creates one, a bogus URI is one line, concurrent creation works (issue 14).

Findings 10 and 12: `runs list` created an `mlflow.db` where it was run, a
bogus `--tracking-uri` gave a traceback, and of two runs started at once on a
new sqlite store the second failed ("duplicate column name").
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from tests.conftest import REPO


@pytest.fixture
def empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path


@pytest.mark.parametrize("command", [["runs", "list"], ["ui", "--port", "59999"], ["reproduce", "0123abcd"]])
def test_reading_commands_refuse_a_store_that_does_not_exist(empty_folder, command, monkeypatch):
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("the MLflow UI was started"))
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 1, result.output
    store = empty_folder / "mlflow.db"
    assert f"Error: no MLflow store at {store} (sqlite:///{store}): nothing was logged there" in result.output
    assert list(empty_folder.iterdir()) == []  # no mlflow.db, nothing else


def test_an_explicit_missing_sqlite_store_is_named(empty_folder):
    uri = f"sqlite:///{empty_folder / 'sub' / 'runs.db'}"
    result = CliRunner().invoke(cli, ["runs", "list", "--tracking-uri", uri])
    assert result.exit_code == 1
    assert f"no MLflow store at {empty_folder / 'sub' / 'runs.db'} ({uri})" in result.output
    assert not (empty_folder / "sub").exists()


@pytest.mark.parametrize("uri", ["bogus://nowhere", "sqlite:/relative-with-one-slash.db", "::"])
def test_a_bogus_tracking_uri_is_one_line(empty_folder, uri):
    result = CliRunner().invoke(cli, ["runs", "list", "--tracking-uri", uri])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


_START = """
import sys, time
import mlflow
from alphacheck.tracking.mlflow_recorder import MlflowRecorder

uri, name = sys.argv[1], sys.argv[2]
print("ready", flush=True)  # mlflow imported; the parent answers with the moment to start
at = float(sys.stdin.readline())
while time.time() < at:  # both processes reach the new store together
    time.sleep(0.005)
recorder = MlflowRecorder(uri)
recorder.start(experiment="race", run_name=name)
recorder.end()
print("started", name)
"""


@pytest.mark.slow
def test_two_runs_starting_at_once_on_a_new_sqlite_store_both_succeed(tmp_path):
    uri = f"sqlite:///{tmp_path / 'new.db'}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen([sys.executable, "-c", _START, uri, name], env=env, cwd=tmp_path,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("first", "second")
    ]  # fmt: skip
    try:
        for child in children:  # a child that died before "ready" gives an empty line, not a hang
            assert child.stdout.readline().strip() == "ready", child.stderr.read()[-2000:]
        at = time.time() + 0.5
        outcomes = [child.communicate(f"{at}\n", timeout=300) for child in children]
    finally:
        for child in children:
            child.kill()
    for child, (stdout, stderr) in zip(children, outcomes, strict=True):
        assert child.returncode == 0, stderr[-2000:]
    assert sorted(out.strip() for out, _ in outcomes) == ["started first", "started second"]
    result = CliRunner().invoke(cli, ["runs", "list", "--tracking-uri", uri])
    assert result.exit_code == 0


def test_a_new_experiment_keeps_its_artifacts_beside_its_sqlite_store(empty_folder, monkeypatch):
    # A run started from a notebook's folder, logging to a store on a shared folder: MLflow alone would
    # leave the artifacts in ./mlruns of the notebook's folder, where the store's other users never look.
    from mlflow import MlflowClient

    from alphacheck.tracking.mlflow_recorder import MlflowRecorder

    store = empty_folder / "shared" / "mlflow.db"
    notebook = empty_folder / "notebook"
    notebook.mkdir()
    monkeypatch.chdir(notebook)
    artifact = empty_folder / "metrics.json"
    artifact.write_text('{"sharpe": 0.5}')
    uri = f"sqlite:///{store}"
    MlflowClient(uri).create_experiment("older", artifact_location=(empty_folder / "older").as_uri())
    for experiment, folder in [("sp500 / quick", store.parent / "mlruns" / "sp500_quick"),
                               ("older", empty_folder / "older")]:  # fmt: skip
        recorder = MlflowRecorder(uri)
        recorder.start(experiment, "run")
        recorder.log_artifact(artifact)
        recorder.end()
        logged = folder / recorder.run_id / "artifacts" / "metrics.json"
        assert logged.read_text() == '{"sharpe": 0.5}', sorted(empty_folder.rglob("metrics.json"))
    assert list(notebook.iterdir()) == []
