"""The public Python API: ``import alphacheck; alphacheck.run(...)``, in a fresh interpreter where it matters."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import alphacheck
import alphacheck.data
from alphacheck.exceptions import ConfigError
from alphacheck.rundir import RunResult
from alphacheck.report.tables import SUMMARY_COLUMNS, summary_frame
from alphacheck.scenarios import Scenario

HEAVY = ("torch", "vectorbt", "quantstats", "mlflow", "numba", "matplotlib", "sklearn", "ray", "yfinance")
# Variables that would change a run: cleared in the subprocesses, as a user's shell might not set them.
_OVERRIDE_VARIABLES = ("MODEL_VARIANT", "BATCH_SIZE", "EPOCHS", "LEARNING_RATE", "SEQUENCE_LENGTH", "TICKERS",
                       "INGESTION_START_DATE", "INGESTION_END_DATE", "MLFLOW_TRACKING_URI", "PYTHONPATH")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def run_folder_files():
    """``write_run_folder(path)``: a run folder written by hand (tests/report/runfolder.py)."""
    spec = importlib.util.spec_from_file_location("api_runfolder", REPO / "tests" / "report" / "runfolder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_run_folder


@pytest.fixture(scope="module")
def api_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``ALPHACHECK_HOME`` for this module's runs: the second run of ``quick`` finds its folds checkpointed."""
    return tmp_path_factory.mktemp("api-home")


def _python(code: str, tmp_path: Path, home: Path | None = None, **env: str) -> str:
    """Run ``code`` in a fresh interpreter from ``tmp_path``, importing this checkout's alphacheck."""
    clean = {k: v for k, v in os.environ.items() if k not in _OVERRIDE_VARIABLES}
    clean.update(PYTHONPATH=str(REPO), ALPHACHECK_HOME=str(home or tmp_path / "home"), MPLBACKEND="Agg", **env)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_alphacheck_imports_no_heavy_library(tmp_path):
    out = _python(
        "import sys, alphacheck\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
        "names = alphacheck.list_scenarios(); alphacheck.load_scenario('quick')\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n",
        tmp_path,
    )
    assert out.splitlines() == ["[]", "[]"]  # nor do listing and loading scenarios


def test_the_public_names_are_lazy_listed_and_documented():
    assert set(alphacheck.__all__) == {
        "RunResult", "__version__", "evaluate", "list_scenarios", "load_run", "load_scenario", "predict", "run"
    }
    assert set(alphacheck.__all__) <= set(dir(alphacheck))
    assert "importlib" not in dir(alphacheck)
    for name in alphacheck.__all__:
        assert getattr(alphacheck, name).__doc__, name
    with pytest.raises(AttributeError, match=r"module 'alphacheck' has no attribute 'runn'"):
        alphacheck.runn  # noqa: B018


def test_list_and_load_scenarios():
    shipped = sorted(p.stem for p in (REPO / "alphacheck" / "scenarios" / "shipped").glob("*.yaml"))
    assert alphacheck.list_scenarios() == shipped and {"default", "quick"} <= set(shipped)
    scenario = alphacheck.load_scenario("quick")
    assert isinstance(scenario, Scenario) and scenario.name == "quick"
    with pytest.raises(ConfigError, match=r"scenario file 'quik' not found \(did you mean 'quick'\?\)"):
        alphacheck.load_scenario("quik")


def test_run_resolves_environment_then_overrides_and_refuses_bad_input(monkeypatch):
    from alphacheck.api import resolve_scenario

    monkeypatch.setenv("EPOCHS", "5")
    monkeypatch.setenv("BATCH_SIZE", "16")
    resolved = resolve_scenario("quick", {"training.epochs": 2, "baseline.hidden_size": 8})
    assert (resolved.training.epochs, resolved.training.batch_size) == (2, 16)
    assert resolved.variants[0].params == {"hidden_size": 8}
    assert resolve_scenario(alphacheck.load_scenario("quick")).training.epochs == 5  # a Scenario, too
    with pytest.raises(ConfigError, match=r"^overrides: unknown key 'training.epoch' \(did you mean 'training.epochs'"):
        alphacheck.run("quick", {"training.epoch": 2}, tracking=False)
    with pytest.raises(ConfigError, match=r"scenario=3: give a shipped scenario's name"):
        alphacheck.run(3, tracking=False)
    with pytest.raises(ConfigError, match=r"overrides=\['training.epochs'\]: give a mapping"):
        alphacheck.run("quick", ["training.epochs"], tracking=False)
    with pytest.raises(ConfigError, match=r"tracking=7: give None .* False .* or a tracking URI"):
        alphacheck.run("quick", tracking=7)


def test_summary_has_one_row_per_ticker_and_strategy_and_no_verdict_column_without_one():
    metrics = {"metrics": {
        "SP500": {"baseline": {"accuracy": 0.55, "sharpe": 0.8, "n_trades": 12, "total_return": None},
                  "buy_and_hold": {"accuracy": None, "sharpe": 0.5, "n_trades": 1}},
        "NASDAQ": {"baseline": {"accuracy": 0.51, "sharpe": -0.1, "n_trades": 30}},
    }}
    frame = summary_frame(metrics)
    assert list(frame.index) == [("SP500", "baseline"), ("SP500", "buy_and_hold"), ("NASDAQ", "baseline")]
    assert frame.index.names == ["ticker", "strategy"] and list(frame.columns) == list(SUMMARY_COLUMNS)
    assert frame.loc[("SP500", "baseline"), "sharpe"] == 0.8 and frame.loc[("NASDAQ", "baseline"), "n_trades"] == 30
    assert np.isnan(frame.loc[("SP500", "baseline"), "total_return"])
    assert np.isnan(frame.loc[("SP500", "buy_and_hold"), "accuracy"])


def test_summary_shows_the_verdict_when_metrics_have_one():
    metrics = {
        "metrics": {"SP500": {"baseline": {"accuracy": 0.55}, "buy_and_hold": {"accuracy": None}},
                    "NASDAQ": {"baseline": {"accuracy": 0.49}}},
        "verdict": {"SP500": {"baseline": {"label": "no edge after costs", "reasons": ["..."]}},
                    "NASDAQ": {"baseline": {"label": "degenerate"}}},
    }
    result = RunResult(Path("runs/x"), alphacheck.load_scenario("quick"), pd.DataFrame(), pd.DataFrame(), metrics)
    frame = result.summary()
    assert list(frame.columns) == [*SUMMARY_COLUMNS, "verdict"]
    assert frame.loc[("SP500", "baseline"), "verdict"] == "no edge after costs"
    assert frame.loc[("NASDAQ", "baseline"), "verdict"] == "degenerate"
    assert pd.isna(frame.loc[("SP500", "buy_and_hold"), "verdict"])  # baselines get none


@pytest.mark.slow
def test_run_in_a_fresh_interpreter_returns_what_the_folder_holds(tmp_path, api_home):
    out = _python(
        "import json, alphacheck\n"
        "r = alphacheck.run('quick', overrides={'training.epochs': 1, 'data.tickers': ['SP500']},\n"
        "                   output_dir='runs/q', tracking=False, report=False)\n"
        "r.predictions.to_pickle('predictions.pkl'); r.returns.to_pickle('returns.pkl')\n"
        "r.summary().to_pickle('summary.pkl')\n"
        "json.dump(r.metrics, open('metrics.json', 'w'))\n"
        "print(r.output_dir, r.tracking, r.scenario.training.epochs)\n"
        "import pandas as pd\n"
        "loaded = alphacheck.load_run('runs/q')\n"
        "pd.testing.assert_frame_equal(loaded.predictions, r.predictions)\n"
        "pd.testing.assert_frame_equal(loaded.returns, r.returns)\n"
        "pd.testing.assert_frame_equal(loaded.summary(), r.summary())\n"
        "assert loaded.metrics == r.metrics and loaded.scenario == r.scenario\n"
        "assert (type(loaded), loaded.output_dir, loaded.tracking) == (type(r), r.output_dir, None)\n"
        "print('load_run equal')\n",
        tmp_path,
        api_home,
        EPOCHS="7",  # the override beats it
    )
    assert out.split() == ["runs/q", "tracking", "disabled", "1", "load_run", "equal"]
    folder = tmp_path / "runs" / "q"
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.yaml", "index.html", "manifest.json", "metrics.json", "models", "predictions.parquet",
        "returns.parquet", "summary.md",
    ]  # report=False: no plots/, no tearsheets/
    pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / "predictions.pkl"),
                                  pd.read_parquet(folder / "predictions.parquet"))
    pd.testing.assert_frame_equal(pd.read_pickle(tmp_path / "returns.pkl"), pd.read_parquet(folder / "returns.parquet"))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics == json.loads((folder / "metrics.json").read_text())
    assert {r["epochs_run"] for r in metrics["folds"]} == {1}
    summary = pd.read_pickle(tmp_path / "summary.pkl")
    assert list(summary.index) == [("SP500", s) for s in metrics["metrics"]["SP500"]]
    assert summary.loc[("SP500", "baseline"), "sharpe"] == metrics["metrics"]["SP500"]["baseline"]["sharpe"]
    # issue 13's verdict, from a real run: its label per (ticker, variant) in the summary's last column
    assert summary.columns[-1] == "verdict"
    assert summary.loc[("SP500", "baseline"), "verdict"] == metrics["verdict"]["SP500"]["baseline"]["label"]
    assert not (tmp_path / "mlflow.db").exists()


def test_load_run_reads_a_folder_and_names_what_is_missing(tmp_path, run_folder_files):
    folder = run_folder_files(tmp_path / "run")
    loaded = alphacheck.load_run(str(folder))
    assert isinstance(loaded, RunResult) and loaded.output_dir == folder and loaded.tracking is None
    pd.testing.assert_frame_equal(loaded.predictions, pd.read_parquet(folder / "predictions.parquet"))
    pd.testing.assert_frame_equal(loaded.returns, pd.read_parquet(folder / "returns.parquet"))
    assert loaded.metrics == json.loads((folder / "metrics.json").read_text())
    assert loaded.summary().loc[("SP500", "baseline"), "n_trades"] == 12
    with pytest.raises(ConfigError, match=r"lacks config.yaml, predictions.parquet, metrics.json"):
        alphacheck.load_run(tmp_path / "empty")


def test_pipeline_run_takes_a_scenario_name_and_loads_it_as_it_is(tmp_path, monkeypatch):
    """``pipeline.run("quick")`` once failed on the name; it loads the file without the environment's overrides."""
    from alphacheck import pipeline
    from alphacheck.tracking.base import NullRecorder

    class Loaded(Exception):
        """Stops the run at its first data access, before any training."""

    def load_prices(data):
        raise Loaded(data)

    monkeypatch.setenv("INGESTION_START_DATE", "2017-06-01")  # alphacheck.run's business, not pipeline.run's
    monkeypatch.setattr(alphacheck.data, "load_prices", load_prices)
    with pytest.raises(Loaded) as stopped:
        pipeline.run("quick", tmp_path / "out", NullRecorder(), report=False)
    assert stopped.value.args[0] == alphacheck.load_scenario("quick").data
    assert str(stopped.value.args[0].start) != "2017-06-01"


@pytest.mark.slow
def test_a_tracking_uri_selects_the_store(tmp_path, api_home):
    store = tmp_path / "store" / "mlflow.db"
    store.parent.mkdir()
    out = _python(
        "import alphacheck\n"
        f"r = alphacheck.run('quick', {{'training.epochs': 1}}, output_dir='q', tracking='sqlite:///{store}',\n"
        "                   report=False)\n"
        "from mlflow import MlflowClient\n"
        f"client = MlflowClient('sqlite:///{store}')\n"
        "runs = client.search_runs([client.get_experiment_by_name('quick').experiment_id])\n"
        "print(r.tracking); print(','.join(sorted(run.info.run_name for run in runs)))\n",
        tmp_path,
        api_home,  # the same walk-forward as the test above: its folds are read back, not trained again
    )
    location, names = out.strip().splitlines()[-2:]
    assert str(store) in location and "q" in names.split(",")  # the parent run, named after the folder
    assert not (tmp_path / "mlflow.db").exists()
