"""``alphacheck features list|compute`` and the plugin options of ``run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.data import load_sample
from alphacheck.features import FEATURE_SETS, FEATURES, compute_features, plugins, registry
from tests.conftest import forget_modules_from

_PLUGIN = '''
import alphacheck.features


@alphacheck.features.register("up_days", windows={"window": 10})
def up_days(prices, window):
    """Share of up closes over window."""
    return (prices["close"].diff() > 0).astype(float).rolling(window).mean()


@alphacheck.features.register("peek")
def peek(prices):
    """Tomorrow's close over today's: leaks."""
    return prices["close"].shift(-1) / prices["close"]
'''


@pytest.fixture
def in_plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Working directory with a plugin module; the registry and sys.modules restored afterwards."""
    saved = dict(registry._REGISTRY)
    modules, path = set(sys.modules), list(sys.path)
    (tmp_path / "cli_plugin.py").write_text(_PLUGIN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plugins, "_LOADED", [])
    yield tmp_path
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    forget_modules_from(tmp_path, modules)
    sys.path[:] = path


@pytest.mark.parametrize("args", [["features"], ["features", "list"], ["features", "compute"]])
def test_help(args):
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: cli " + " ".join(args) in result.output


def test_run_help_lists_plugin_options():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "--plugin MODULE" in result.output and "--add-features NAME[,NAME...]" in result.output


def test_list_advanced_shows_33_features_with_formula_and_window():
    result = CliRunner().invoke(cli, ["features", "list", "--set", "advanced"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["feature", "window", "formula"]
    assert [line.split()[0] for line in lines[1:34]] == list(FEATURE_SETS["advanced"])
    macd = next(line for line in lines if line.startswith("macd "))
    assert "fast=12, slow=26, signal=9" in macd and FEATURES["macd"].formula in macd
    assert "33 features in set 'advanced'" in result.stderr


def test_list_with_plugin_marks_custom_features(in_plugin_dir):
    result = CliRunner().invoke(cli, ["features", "list", "--plugin", "cli_plugin"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("up_days"))
    assert "window=10" in line and "Share of up closes over window." in line and "[plugin cli_plugin]" in line


def test_compute_one_ticker_matches_the_python_api(tmp_path):
    out = tmp_path / "sp.parquet"
    result = CliRunner().invoke(
        cli,
        ["features", "compute", "SP500", "--set", "advanced", "--start", "2017-01-01",
         "--output-file", str(out)],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert table.index.name == "date" and list(table.columns) == list(FEATURE_SETS["advanced"])
    expected = compute_features(load_sample("SP500").loc["2017-01-01":], "advanced").iloc[69:]
    pd.testing.assert_frame_equal(table, expected, check_freq=False)
    assert "SP500: dropped 69 warm-up rows" in result.stderr


def test_compute_several_tickers_with_plugin_feature(in_plugin_dir):
    args = ["features", "compute", "SP500", "NASDAQ", "--start", "2018-01-01", "--plugin", "cli_plugin",
            "--add-features", "up_days,atr_14", "--drop-features", "ret_lag_5",
            "--output-file", "f.parquet"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(in_plugin_dir / "f.parquet")
    assert table.index.names == ["date", "ticker"]
    assert set(table.index.get_level_values("ticker")) == {"SP500", "NASDAQ"}
    assert list(table.columns[-2:]) == ["up_days", "atr_14"] and "ret_lag_5" not in table.columns
    close = load_sample("NASDAQ").loc["2018-01-01":, "close"]
    day = table.index.get_level_values("date")[-1]
    expected = (close.diff().loc[:day].iloc[-10:] > 0).mean()
    assert table.loc[(day, "NASDAQ"), "up_days"] == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(table.to_numpy()).all()


def test_compute_from_the_real_csv_files(tmp_path, shared_yahoo_dir):
    out = tmp_path / "real.parquet"
    args = ["features", "compute", "SPY", "MSFT", "--set", "advanced", "--source", "csv"]
    result = CliRunner().invoke(cli, [*args, "--directory", str(shared_yahoo_dir), "--output-file", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    spy = table.xs("SPY", level="ticker")
    # 1509 bars 2018-2023 less 69 warm-up rows; close_sma_50 by hand on the adjusted close.
    assert len(spy) == 1509 - 69
    raw = pd.read_csv(shared_yahoo_dir / "SPY.csv", index_col="Date", parse_dates=True)["Adj Close"]
    assert spy["close_sma_50"].iloc[-1] == pytest.approx(raw.iloc[-1] / raw.iloc[-50:].mean() - 1, rel=1e-10)
    assert np.isfinite(table.to_numpy()).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # From 2007: SP500's earlier opens are stale, which validation warns about (an error in tests).
        (
            ["SP500", "--start", "2007-01-01", "--add-features", "atr14"],
            "unknown feature 'atr14' (did you mean 'atr_14'?)",
        ),
        (["SP500", "--plugin", "nope_plugin"], "--plugin 'nope_plugin': no such module"),
        (["SP500", "--start", "2018-12-20"], "SP500: 7 bars are too few to warm up every feature"),
    ],
)
def test_compute_errors_are_one_line(tmp_path, args, message):
    output = ["--output-file", str(tmp_path / "x.parquet")]
    result = CliRunner().invoke(cli, ["features", "compute", *args, *output])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.parquet").exists()


def test_compute_takes_the_same_sources_as_run(tmp_path):
    result = CliRunner().invoke(cli, ["features", "compute", "SP500", "--source", "yahooo"])
    assert result.exit_code == 2 and "Invalid value for '--source': 'yahooo' is not one of" in result.output
    assert "'sample', 'yahoo', 'csv'" in result.output


def test_update_needs_the_yahoo_source(tmp_path):
    result = CliRunner().invoke(cli, ["features", "compute", "SP500", "--update"])
    assert result.exit_code == 2
    message = "--update downloads from Yahoo, but the data source is 'sample': add --source yahoo"
    assert message in result.output


def test_run_refuses_a_leaking_plugin_feature(in_plugin_dir):
    args = ["run", "quick", "--no-tracking", "-q", "--plugin", "cli_plugin", "--add-features", "peek"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "Error: feature 'peek' looks ahead: on " in result.output
    assert "a feature at t may use bars up to t only" in result.output


def test_features_command_in_a_subprocess(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "alphacheck", "features", "list", "--set", "basic"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert [line.split()[0] for line in out.stdout.splitlines()[1:]] == list(FEATURE_SETS["basic"])


_SCENARIO = """
name: advanced-plugin
data: {source: sample, tickers: [SP500], start: 2016-01-01, end: 2018-12-31}
features:
  set: advanced
  drop: [ret_1]
  windows: {rsi_14: 10}
walkforward: {train_days: 300, test_days: 100, purge_days: 2, validation_days: 60, sequence_length: 10}
training: {epochs: 2, batch_size: 64, patience: 1}
variants: [baseline]
"""


@pytest.mark.slow
def test_run_with_the_advanced_set_and_a_plugin_feature(in_plugin_dir):
    # A real process, as users run it: the advanced set, a dropped feature, a window and a plugin feature.
    (in_plugin_dir / "adv.yaml").write_text(_SCENARIO)
    args = ["run", "adv.yaml", "--no-tracking", "-q", "--output", "out", "--plugin", "cli_plugin",
            "--add-features", "up_days"]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "alphacheck", *args], check=False, capture_output=True, text=True,
                          cwd=in_plugin_dir, env={**os.environ, "FORCE_CPU": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    config = yaml.safe_load((in_plugin_dir / "out" / "config.yaml").read_text())
    assert config["features"] == {
        "set": "advanced",
        "add": ["up_days"],
        "drop": ["ret_1"],
        "windows": {"rsi_14": 10},
        "allow_lookahead": [],  # the stored config says no look-ahead was accepted
    }
    predictions = pd.read_parquet(in_plugin_dir / "out" / "predictions.parquet")
    assert len(predictions) > 0 and predictions["proba"].between(0, 1).all()
    assert "SP500" in done.stdout and "baseline" in done.stdout


def test_top_level_help_lists_features_without_importing_it():
    code = (
        "import sys; from click.testing import CliRunner; from alphacheck.cli.main import cli; "
        "out = CliRunner().invoke(cli, ['--help']).output; "
        "print('List feature sets; compute feature matrices.' in out, 'alphacheck.cli.features' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]
