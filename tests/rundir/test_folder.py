"""The run folder: written in one place, read back as the same RunResult, never re-backtested unasked."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

import alphacheck.data
from alphacheck.compare import compare_run
from alphacheck.exceptions import ConfigError, SmallSampleWarning
from alphacheck.report.builder import build_report
from alphacheck.rundir import (
    CONFIG_FILE,
    MANIFEST_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    RETURNS_FILE,
    comparison_file,
    json_safe,
    model_file,
    read_run,
    read_scenario,
    tearsheet_file,
    write_run,
)
from alphacheck.scenarios.schema import Scenario
from tests.conftest import synthetic_prices

SCENARIO = Scenario.model_validate(
    {"name": "folder", "seed": 3, "data": {"source": "sample", "tickers": ["AAA"]}, "variants": ["baseline"]}
)
DATES = pd.bdate_range("2020-02-03", periods=30, name="date")


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    label = rng.integers(0, 2, len(DATES))
    predictions = pd.DataFrame({
        "date": DATES, "ticker": "AAA", "variant": "baseline", "fold": 0,
        "proba": rng.uniform(0.2, 0.8, len(DATES)), "label": label,
        "fwd_return": rng.normal(0, 0.01, len(DATES)),
    })
    returns = pd.concat([
        pd.DataFrame({"date": DATES, "ticker": "AAA", "variant": name, "position": 1.0, "gross_return": r,
                      "cost": 0.0, "net_return": r, "benchmark_return": r})
        for name, r in (
            ("baseline", rng.normal(0, 0.01, len(DATES))), ("buy_and_hold", np.full(len(DATES), 0.001))
        )
    ], ignore_index=True)
    return predictions, returns


def test_json_safe_turns_undefined_figures_into_null():
    value = {"a": float("nan"), 2: [np.float64(1.5), (np.int64(3), float("inf"))], "b": {"c": -float("inf")}}
    assert json_safe(value) == {"a": None, "2": [1.5, [3, None]], "b": {"c": None}}
    assert type(json_safe(np.int64(3))) is int


def test_write_run_then_read_run_give_the_same_result(tmp_path):
    predictions, returns = _frames()
    figures = {"sharpe": float("nan"), "n": np.int64(4)}
    metrics = {"scenario": "folder", "metrics": {"AAA": {"baseline": figures}}}
    written = write_run(tmp_path / "run", SCENARIO, predictions, returns, metrics)
    on_disk = json.loads((tmp_path / "run" / METRICS_FILE).read_text())
    assert on_disk == {"scenario": "folder", "metrics": {"AAA": {"baseline": {"sharpe": None, "n": 4}}}}
    assert written.metrics == on_disk
    assert yaml.safe_load((tmp_path / "run" / CONFIG_FILE).read_text()) == SCENARIO.model_dump(mode="json")
    read = read_run(tmp_path / "run")
    assert read.scenario == SCENARIO and read.metrics == on_disk and read.tracking is None
    pd.testing.assert_frame_equal(read.predictions, predictions)
    pd.testing.assert_frame_equal(read.returns, returns)
    series = read.strategy_returns()[("AAA", "baseline")]
    np.testing.assert_array_equal(series.to_numpy(), returns["net_return"].to_numpy()[: len(DATES)])
    assert series.index.equals(DATES)


def test_file_names_come_from_one_place(tmp_path):
    assert model_file(tmp_path, "baseline", ".onnx") == tmp_path / "models" / "baseline.onnx"
    assert tearsheet_file(tmp_path, "SPY", "baseline") == tmp_path / "tearsheets" / "SPY-baseline.html"
    assert comparison_file(tmp_path, "a", "b", ".txt") == tmp_path / "compare-a-vs-b.txt"


def test_a_folder_without_returns_is_refused_and_no_price_is_loaded(tmp_path, monkeypatch):
    predictions, returns = _frames()
    write_run(tmp_path / "run", SCENARIO, predictions, returns, {"metrics": {}})
    (tmp_path / "run" / RETURNS_FILE).unlink()
    (tmp_path / "run" / MANIFEST_FILE).unlink()  # a folder from before returns.parquet had no manifest either

    def no_download(*args, **kwargs):
        raise AssertionError("the run folder reader loaded prices")

    monkeypatch.setattr(alphacheck.data, "load_prices", no_download)
    with pytest.raises(ConfigError, match=r"lacks returns.parquet; .*alphacheck report RUN_DIR --backtest"):
        read_run(tmp_path / "run")
    with pytest.raises(ConfigError, match=r"lacks returns.parquet"):
        build_report(tmp_path / "run", tearsheets=False, plots=False)


def test_the_backtest_flag_rebuilds_the_returns_from_the_configured_prices(tmp_path, monkeypatch):
    predictions, returns = _frames()
    write_run(tmp_path / "run", SCENARIO, predictions, returns, {"metrics": {}})
    (tmp_path / "run" / RETURNS_FILE).unlink()
    (tmp_path / "run" / MANIFEST_FILE).unlink()  # a folder from before returns.parquet had no manifest either
    prices = synthetic_prices(40, seed=1, start="2020-02-03")
    asked = []
    monkeypatch.setattr(alphacheck.data, "load_prices", lambda data: asked.append(data) or {"AAA": prices})
    with pytest.warns(SmallSampleWarning, match="only 30 predictions"):
        rebuilt = read_run(tmp_path / "run", backtest=True).returns
    assert asked == [SCENARIO.data]
    baseline = rebuilt[rebuilt["variant"] == "baseline"]
    held = rebuilt[rebuilt["variant"] == "buy_and_hold"]
    # Buy-and-hold, free of costs: bought at the open after the first decision, valued at each close,
    # sold at the open two bars after the last decision (the next_open label's horizon).
    o, c = prices["open"].to_numpy(), prices["close"].to_numpy()
    n = len(DATES) + 2
    between = c[2 : n - 1] / c[1 : n - 2] - 1
    expected = np.concatenate([[0.0, c[1] / o[1] - 1], between, [o[n - 1] / c[n - 2] - 1]])
    np.testing.assert_allclose(held["net_return"].to_numpy(), expected, rtol=1e-10)
    assert len(baseline) == len(held) == n and not (tmp_path / "run" / RETURNS_FILE).exists()


def test_compare_reads_the_config_with_the_schema(tmp_path):
    predictions, returns = _frames()
    write_run(tmp_path / "run", SCENARIO, predictions, returns, {"metrics": {}})
    tree = yaml.safe_load((tmp_path / "run" / CONFIG_FILE).read_text())
    tree["backtest"]["treshold"] = 0.6
    (tmp_path / "run" / CONFIG_FILE).write_text(yaml.safe_dump(tree))
    (tmp_path / "run" / MANIFEST_FILE).unlink()  # else the edited file is refused as not the run's
    with pytest.raises(ConfigError, match=r"treshold.*did you mean 'threshold'"):
        compare_run(tmp_path / "run")
    with pytest.raises(ConfigError, match=r"treshold"):
        read_scenario(tmp_path / "run")


def test_a_missing_file_is_named(tmp_path):
    predictions, returns = _frames()
    write_run(tmp_path / "run", SCENARIO, predictions, returns, {})
    (tmp_path / "run" / PREDICTIONS_FILE).unlink()
    with pytest.raises(ConfigError, match=r"lacks predictions.parquet; give a folder written by `alphacheck"):
        read_run(tmp_path / "run")
