"""``alphacheck run`` with the data flags: overrides validated up front, a yahoo run offline on imports."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.exceptions import StressWarning


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")


def test_yahoo_without_a_start_is_refused_before_any_work(tmp_path):
    result = CliRunner().invoke(cli, ["run", "default", "--source", "yahoo", "--no-tracking", "-o", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "source 'yahoo' needs data.start for SP500, which the price cache at" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--update"], "--update downloads from Yahoo, but the data source is 'sample': add --source yahoo"),
        (["--source", "yahoo", "--update", "--end", "2020-01-01"], "--update and --end exclude each other"),
    ],
)
def test_update_is_refused_where_it_cannot_download(tmp_path, flags, message):
    result = CliRunner().invoke(cli, ["run", "quick", *flags, "--no-tracking", "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.slow  # the pipeline imports torch before it loads prices
def test_offline_yahoo_run_without_cached_prices_names_the_ways_out(tmp_path):
    args = ["run", "quick", "--source", "yahoo", "--ticker", "SPY", "--start", "2018-01-01", "--end", "2023-12-31"]
    result = CliRunner().invoke(cli, [*args, "--no-tracking", "-o", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: SPY: 2018-01-01 to 2023-12-31 (1509 trading days) not in the cache")
    assert "alphacheck data import FILE --ticker SPY" in result.output


@pytest.mark.slow
def test_a_yahoo_scenario_runs_offline_on_imported_files(shared_yahoo_dir, tmp_path):
    runner = CliRunner()
    imported = runner.invoke(cli, ["data", "import", str(shared_yahoo_dir / "SPY.csv")])
    assert imported.exit_code == 0, imported.output
    # Three years (2021-01-01 is a holiday) give the quick scenario two folds.
    args = ["run", "quick", "--source", "yahoo", "--ticker", "SPY", "--start", "2021-01-01", "--end", "2023-12-31"]
    # quick's stress window (February 2018) lies before these dates: the run says so and goes on
    with pytest.warns(StressWarning, match="february_2018"):
        result = runner.invoke(cli, [*args, "--no-tracking", "-q", "-o", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert list(metrics["metrics"]) == ["SPY"]
    assert metrics["folds"][0]["test_start"] >= "2021"
    assert metrics["metrics"]["SPY"]["baseline"]["n_predictions"] > 0
