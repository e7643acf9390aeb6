"""The report, runs, ui and reproduce commands: --help, real runs, one-line errors."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli

_spec = importlib.util.spec_from_file_location("cli_runfolder", Path(__file__).parents[1] / "report" / "runfolder.py")
runfolder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runfolder)


def _closed_uri() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture(autouse=True)
def _restore_mlflow_uri(monkeypatch):
    from mlflow.tracking._tracking_service import utils

    monkeypatch.setattr(utils, "_tracking_uri", utils._tracking_uri)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["report", "--help"], "Rebuild RUN_DIR's plots, tearsheets, summary.md and index.html"),
        (["runs", "--help"], "Browse runs logged to MLflow"),
        (["runs", "list", "--help"], "--tracking-uri URI"),
        (["ui", "--help"], "Start the MLflow UI on 127.0.0.1"),
        (["reproduce", "--help"], "check the predictions are identical"),
        (["run", "--help"], "--tracking [strict|fallback]"),
        (["--help"], "reproduce"),
    ],
)
def test_help(args, expected):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert expected in " ".join(result.output.split())


def test_report_rebuilds_a_run_folder(tmp_path):
    run_dir = runfolder.write_run_folder(tmp_path / "run")
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--no-tearsheets", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(run_dir / "index.html")
    assert (run_dir / "summary.md").is_file() and (run_dir / "plots" / "equity.png").is_file()


_PLUGIN_VARIANT = """
from alphacheck.models.lstm import LSTMClassifier
from alphacheck.models.registry import VARIANTS, VariantSpec

VARIANTS["plugged"] = VariantSpec(
    name="plugged", description="LSTM from a plugin", build=LSTMClassifier,
    architecture={"hidden_size": 4, "num_layers": 1, "dropout": 0.0}, learning_rate=1e-3,
)
"""


def test_report_of_a_plugin_variant_needs_and_takes_the_run_plugin(tmp_path, monkeypatch):
    import pandas as pd

    from alphacheck.features import plugins
    from alphacheck.models import registry
    from tests.conftest import forget_modules_from

    run_dir = runfolder.write_run_folder(tmp_path / "run")
    for name in ("config.yaml", "metrics.json"):  # the run's variant is the plugin's
        (run_dir / name).write_text((run_dir / name).read_text().replace("baseline", "plugged"))
    for name in ("predictions.parquet", "returns.parquet"):
        frame = pd.read_parquet(run_dir / name)
        frame.assign(variant=frame["variant"].replace("baseline", "plugged")).to_parquet(run_dir / name)
    (tmp_path / "plugged_variant.py").write_text(_PLUGIN_VARIANT)
    monkeypatch.setattr(registry, "VARIANTS", dict(registry.VARIANTS))  # the plugin registers into a copy
    monkeypatch.setattr(plugins, "_LOADED", [])
    modules = set(sys.modules)
    try:
        without = CliRunner().invoke(cli, ["report", str(run_dir), "--no-tearsheets"])
        assert without.exit_code == 1 and without.output.count("\n") == 1, without.output
        assert "unknown model variant 'plugged'" in without.output
        assert "(a plugin's variant: give the --plugin that defines it)" in without.output
        plugin = str(tmp_path / "plugged_variant.py")
        args = ["report", str(run_dir), "--no-tearsheets", "-q", "--plugin", plugin]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "plugged" in (run_dir / "summary.md").read_text()
    finally:
        forget_modules_from(tmp_path, modules)


def test_report_on_a_folder_that_is_no_run_says_so_in_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: run folder {str(tmp_path)!r} lacks config.yaml, predictions.parquet, metrics.json; "
        "give a folder written by `alphacheck run` (runs/<scenario>-<timestamp>/)"
    ]


def test_report_without_returns_names_the_backtest_flag_in_one_line(tmp_path):
    run_dir = runfolder.write_run_folder(tmp_path / "run")
    (run_dir / "returns.parquet").unlink()
    result = CliRunner().invoke(cli, ["report", str(run_dir), "--no-tearsheets"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "lacks returns.parquet" in result.output and "alphacheck report RUN_DIR --backtest" in result.output
    assert "--backtest" in CliRunner().invoke(cli, ["report", "--help"]).output


def test_runs_list_on_an_empty_store(tracking_uri):
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=tracking_uri).search_experiments()  # creates the store, empty
    result = CliRunner().invoke(cli, ["runs", "list", "--tracking-uri", tracking_uri])
    assert result.exit_code == 0, result.output
    assert "no alphacheck runs in this store yet" in result.output


@pytest.mark.parametrize("command", [["runs", "list"], ["reproduce", "0123abcd"]])
def test_an_unreachable_server_is_one_line(command):
    uri = _closed_uri()
    result = CliRunner().invoke(cli, [*command, "--tracking-uri", uri])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: MLflow tracking server '{uri}' cannot be reached")


def test_run_stops_before_training_when_the_server_is_unreachable(tmp_path):
    uri = _closed_uri()
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", "quick", "--tracking-uri", uri, "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: MLflow tracking server '{uri}' cannot be reached ([Errno 111] Connection refused); start it, fix "
        "--tracking-uri / MLFLOW_TRACKING_URI, or pass --tracking fallback to log locally or --no-tracking"
    ]
    assert not (out / "predictions.parquet").exists()


def test_ui_refuses_a_server_uri():
    result = CliRunner().invoke(cli, ["ui", "--tracking-uri", "http://127.0.0.1:5000"])
    assert result.exit_code == 1
    assert "is a server, which has its own UI" in result.output


def test_ui_starts_mlflow_from_an_empty_folder_with_absolute_store_and_artifacts(tmp_path, monkeypatch):
    # `python -m mlflow` and uvicorn put their working directory first on sys.path (issue 14, finding 1).
    from mlflow import MlflowClient

    from alphacheck.cli import ui as ui_module

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_ARTIFACTS_DESTINATION", raising=False)
    # The store ui browses (relative to the cwd below), made under its absolute URI: MLflow caches a store per
    # URI, so an earlier test's relative sqlite:///mlflow.db would keep pointing at that test's folder.
    MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}").search_experiments()
    started = []

    def serve(command, cwd, env):
        started.append((command, Path(cwd), list(Path(cwd).iterdir()), env["PYTHONSAFEPATH"]))
        return 0

    monkeypatch.setattr(ui_module, "_serve", serve)
    result = CliRunner().invoke(cli, ["ui", "--tracking-uri", "sqlite:///mlflow.db", "--port", "5055"])
    assert result.exit_code == 0, result.output
    [(command, cwd, contents, safe_path)] = started
    assert cwd != tmp_path and contents == [] and not cwd.exists() and safe_path == "1"
    option = lambda name: command[command.index(name) + 1]  # noqa: E731
    assert option("--backend-store-uri") == f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert option("--artifacts-destination") == str(tmp_path / "mlartifacts")
    assert option("--port") == "5055"


def test_runs_list_shows_the_variants_not_the_baselines():
    from alphacheck.cli.runs import headline_records
    from alphacheck.tracking.mlflow_recorder import LoggedRun

    metrics = {f"{s}.SPY.{m}": v for s, v in (("baseline", 0.1), ("lightweight", 0.2), ("random", 0.3),
                                              ("always_long", 0.4), ("buy_and_hold", 0.5))
               for m, v in (("accuracy", v), ("total_return", v), ("sharpe", v))}  # fmt: skip
    params = {"variants": "[{'name': 'baseline', 'params': {}}, {'name': 'lightweight', 'params': {}}]"}
    run = LoggedRun("abc", "quick", "quick-1", "FINISHED", 0, params, metrics)
    records = headline_records(run)
    assert [(r["variant"], r["total_return"], r["buy_and_hold_return"]) for r in records] == [
        ("baseline", 0.1, 0.5), ("lightweight", 0.2, 0.5)
    ]
    # an older run without the variants param: the baselines are still left out
    records = headline_records(LoggedRun("abc", "quick", "quick-1", "FINISHED", 0, {}, metrics))
    assert [r["variant"] for r in records] == ["baseline", "lightweight"]
