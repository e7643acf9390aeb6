"""End to end: ``alphacheck run`` writes returns.parquet and the extended metrics.json."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


@pytest.mark.slow
def test_run_writes_returns_and_metrics_that_agree(quick_run) -> None:
    out, output = quick_run
    assert "up%" in output and "vs_b&h" in output
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


def _fold_lengths(run_dir) -> list[int]:
    predictions = pd.read_parquet(run_dir / "predictions.parquet")
    first = predictions[predictions["ticker"] == predictions["ticker"].iloc[0]]
    return first.groupby("fold")["date"].count().tolist()


@pytest.mark.slow
def test_the_shipped_scenarios_say_how_many_folds_run(quick_run, default_run) -> None:
    from alphacheck.scenarios import shipped_scenarios

    quick, default = (shipped_scenarios()[name].read_text() for name in ("quick", "default"))
    assert _fold_lengths(quick_run[0]) == [125, 125, 125, 6]
    assert "four folds (the last a 6-day stub)" in quick and "a 6-day stub at the end of 2018" in quick
    lengths = _fold_lengths(default_run[0])
    assert len(lengths) == 20 and lengths[-1] == 8 and set(lengths[:-1]) == {250}
    assert "That makes 20 folds" in default and "the last an 8-day stub in December 2018" in default
