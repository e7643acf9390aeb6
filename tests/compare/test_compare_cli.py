"""alphacheck compare on a run folder: table, files in the folder, MLflow run, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from alphacheck.cli.main import cli


def _run_folder(path: Path, variants=("baseline", "enhanced"), n: int = 300) -> Path:
    """A run folder as `alphacheck run` writes it: config, predictions and returns of each variant."""
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2020-01-01", periods=n, name="date")
    label = (rng.random(n) < 0.53).astype("int8")
    fwd = rng.normal(0.0004, 0.01, n)
    predictions, returns = [], []
    for k, variant in enumerate(variants):
        proba = np.clip(0.5 + 0.1 * (label - 0.5) * k + rng.normal(0, 0.05, n), 0.01, 0.99)
        predictions.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "ticker": "SPY",
                    "variant": variant,
                    "fold": 0,
                    "proba": proba,
                    "label": label,
                    "fwd_return": fwd,
                }
            )
        )
        net = np.where(proba > 0.5, fwd, 0.0) - 0.0005 * rng.random(n)
        returns.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "ticker": "SPY",
                    "variant": variant,
                    "position": 1.0,
                    "gross_return": net,
                    "cost": 0.0,
                    "net_return": net,
                    "benchmark_return": fwd,
                }
            )
        )
    path.mkdir()
    config = {"name": "ab", "seed": 1, "backtest": {"threshold": 0.5, "bootstrap_reps": 200}}
    (path / "config.yaml").write_text(yaml.safe_dump(config))
    (path / "metrics.json").write_text("{}")
    pd.concat(predictions).to_parquet(path / "predictions.parquet", index=False)
    pd.concat(returns).to_parquet(path / "returns.parquet", index=False)
    return path


def test_compare_help():
    result = CliRunner().invoke(cli, ["compare", "--help"])
    assert result.exit_code == 0
    assert "RUN_DIR" in result.output and "--variants" in result.output and "--split" in result.output


def test_compare_writes_table_and_files(tmp_path):
    run = _run_folder(tmp_path / "run")
    result = CliRunner().invoke(cli, ["compare", str(run), "--no-tracking", "--split", "60/40"])
    assert result.exit_code == 0, result.output
    assert (
        "McNemar p=" in result.output
        and "Diebold-Mariano" in result.output
        and "60/40 split" in result.output
    )
    saved = json.loads((run / "compare-baseline-vs-enhanced.json").read_text())
    assert saved["split"] == {"baseline": 0.6, "enhanced": 0.4}
    spy = saved["tickers"]["SPY"]
    predictions = pd.read_parquet(run / "predictions.parquet")
    correct = {
        v: ((rows["proba"] > 0.5) == rows["label"].astype(bool)).to_numpy()
        for v, rows in predictions.groupby("variant")
    }
    assert spy["accuracy"]["enhanced"] == pytest.approx(correct["enhanced"].mean(), rel=1e-12)
    assert spy["mcnemar"]["b_only"] == int(np.sum(correct["enhanced"] & ~correct["baseline"]))
    assert (
        spy["sharpe_difference"]["ci_low"]
        <= spy["sharpe_difference"]["difference"]
        <= spy["sharpe_difference"]["ci_high"]
    )
    assert set(saved["model_confidence_set"]["SPY"]["included"]) <= {"baseline", "enhanced"}
    assert (run / "compare-baseline-vs-enhanced.txt").read_text().startswith("SPY: 300 paired predictions")


def test_compare_logs_an_mlflow_run(tmp_path, tracking_uri, monkeypatch):
    import mlflow

    # mlflow.set_tracking_uri writes MLFLOW_TRACKING_URI; monkeypatch takes it back after the test.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking_uri)
    run = _run_folder(tmp_path / "run")
    result = CliRunner().invoke(
        cli, ["compare", str(run), "--tracking-uri", tracking_uri, "--variants", "enhanced,baseline"]
    )
    assert result.exit_code == 0, result.output
    mlflow.set_tracking_uri(tracking_uri)
    runs = mlflow.search_runs(experiment_names=["ab"])
    assert len(runs) == 1 and runs["tags.mlflow.runName"][0] == "compare enhanced vs baseline"
    saved = json.loads((run / "compare-enhanced-vs-baseline.json").read_text())
    assert runs["metrics.SPY.mcnemar.p_value"][0] == pytest.approx(
        saved["tickers"]["SPY"]["mcnemar"]["p_value"]
    )
    assert runs["params.split_a"][0] == "0.7"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variants", "baseline,enhanced"], "not in this run"),
        (["--variants", "baseline,baseline"], "names 'baseline' twice"),
        (["--split", "seventy"], "write two shares as A/B"),
        (["--variants", "baseline"], "give two variant names as A,B"),
    ],
)
def test_compare_errors_are_one_line(tmp_path, args, message):
    run = _run_folder(tmp_path / "run", variants=("baseline", "enhanced_v2"))
    result = CliRunner().invoke(cli, ["compare", str(run), "--no-tracking", *args])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_compare_needs_two_variants_and_a_run_folder(tmp_path):
    run = _run_folder(tmp_path / "run", variants=("baseline",))
    result = CliRunner().invoke(cli, ["compare", str(run), "--no-tracking"])
    assert result.exit_code == 1 and "compare needs two variants; this run has ['baseline']" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["compare", str(empty), "--no-tracking"])
    assert result.exit_code == 1 and "lacks config.yaml, predictions.parquet, metrics.json" in result.output


def test_compare_with_a_variant_that_never_trades(tmp_path):
    run = _run_folder(tmp_path / "run")
    returns = pd.read_parquet(run / "returns.parquet")
    returns.loc[returns["variant"] == "baseline", "net_return"] = 0.0
    returns.to_parquet(run / "returns.parquet", index=False)
    result = CliRunner().invoke(cli, ["compare", str(run), "--no-tracking"])
    assert result.exit_code == 0, result.output
    assert "undefined (a Sharpe ratio is undefined" in result.output
    saved = json.loads((run / "compare-baseline-vs-enhanced.json").read_text())
    assert saved["tickers"]["SPY"]["sharpe"]["baseline"] is None
