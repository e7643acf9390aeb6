"""End to end: ``alphacheck run`` writes returns.parquet and the extended metrics.json."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli


@pytest.mark.slow
def test_run_writes_returns_and_metrics_that_agree(tmp_path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["run", "quick", "--no-tracking", "-q", "-o", str(out), "--device", "cpu"]
    )
    assert result.exit_code == 0, result.output
    assert "up%" in result.output and "vs_b&h" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    for key in (
        "scenario",
        "seed",
        "device",
        "metrics",
        "folds",
        "baselines",
        "significance",
        "cost_sweep",
        "per_fold",
        "per_year",
    ):
        assert key in metrics
    returns = pd.read_parquet(out / "returns.parquet")
    assert list(returns.columns) == [
        "date",
        "ticker",
        "variant",
        "position",
        "gross_return",
        "cost",
        "net_return",
        "benchmark_return",
    ]
    for (ticker, variant), rows in returns.groupby(["ticker", "variant"]):
        values = metrics["metrics"][ticker][variant]
        assert values["total_return"] == pytest.approx(np.prod(1 + rows["net_return"]) - 1, rel=1e-9)
        assert values["n_predictions"] == (0 if variant == "buy_and_hold" else len(rows) - 2)
    assert set(metrics["metrics"]["SP500"]) == {"baseline", "always_long", "buy_and_hold", "random"}
    assert metrics["significance"]["SP500"]["break_even_cost"]["baseline"]["zero_sharpe"]["status"] in (
        "crossed",
        "below_at_zero_cost",
        "above_sweep",
    )
