"""A real run with two variants (the second from a plugin), then alphacheck compare on its folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alphacheck.scenarios import shipped_scenarios
from tests.conftest import REPO

_SECOND_VARIANT = """
from alphacheck.models.lstm import LSTMClassifier
from alphacheck.models.registry import VARIANTS, VariantSpec

VARIANTS["small"] = VariantSpec(
    name="small", description="LSTM, hidden 8", build=LSTMClassifier,
    architecture={"hidden_size": 8, "num_layers": 1, "dropout": 0.0}, learning_rate=5e-3,
)
"""


@pytest.mark.slow
def test_run_then_compare(tmp_path: Path):
    (tmp_path / "small_variant.py").write_text(_SECOND_VARIANT)
    quick = shipped_scenarios()["quick"].read_text()
    scenario = quick.replace("name: quick", "name: ab").replace(
        "variants: [baseline]", "variants: [baseline, small]"
    )
    (tmp_path / "ab.yaml").write_text(scenario.replace("epochs: 8", "epochs: 2"))
    env_run = [sys.executable, "-m", "alphacheck"]
    common = {
        "cwd": tmp_path,
        "capture_output": True,
        "text": True,
        "env": {"FORCE_CPU": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},  # this checkout
    }
    run = subprocess.run(
        [*env_run, "run", "ab.yaml", "--plugin", "small_variant", "--no-tracking", "-o", "run", "-q"],
        check=False,
        **common,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    # The run's config names the plugin's variant: reading it back needs the same --plugin.
    compare_args = ["compare", "run", "--plugin", "small_variant", "--tracking-uri", uri]
    compare = subprocess.run([*env_run, *compare_args], check=False, **common)
    assert compare.returncode == 0, compare.stderr[-2000:]
    assert "baseline" in compare.stdout and "small" in compare.stdout and "70/30 split" in compare.stdout
    saved = json.loads((tmp_path / "run" / "compare-baseline-vs-small.json").read_text())
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())["metrics"]["SP500"]
    figures = saved["tickers"]["SP500"]
    # The comparison reads the same returns the run scored: the Sharpe ratios agree.
    assert figures["sharpe"]["baseline"] == pytest.approx(metrics["baseline"]["sharpe"], rel=1e-9)
    assert figures["sharpe"]["small"] == pytest.approx(metrics["small"]["sharpe"], rel=1e-9)
    assert figures["n_predictions"] == metrics["baseline"]["n_predictions"]
