"""Shipped scenarios end to end: quick on the sample data, the crises on the real Yahoo CSVs."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli


@pytest.mark.slow
def test_quick_ends_with_the_stress_tables_and_writes_the_sections(tmp_path, isolated_home, tracking_uri):
    result = CliRunner().invoke(
        cli, ["run", "quick", "--tracking-uri", tracking_uri, "-q", "-o", str(tmp_path / "run")]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert (
        out.index("ticker  strategy")
        < out.index("Cost sweep")
        < out.index("Stress windows")
        < out.index("Shocks")
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    window = metrics["stress"]["february_2018"]["SP500"]
    folds = pd.DataFrame(metrics["folds"])
    used = folds.loc[folds["index"].isin([int(f) for f in window["baseline"]["folds"].split(",")])]
    # Only folds whose first test day is on or before the window's first day.
    assert (used["test_start"] <= "2018-01-26").all() and len(used) == 1
    assert window["baseline"]["first_date"] == "2018-01-26"
    assert window["baseline"]["last_date"] <= used["test_end"].iloc[0]
    assert window["baseline"]["n_predictions"] == window["buy_and_hold"]["n_bars"] - 2
    assert set(metrics["shocks"]) == {"costs_x2", "volatility_x2", "crash_10pct_3d", "gaps_2pct"}
    costs = metrics["shocks"]["costs_x2"]["SP500"]["baseline"]
    assert costs["accuracy_change"] == 0.0 and costs["costs_paid_change"] > 0
    # The unshocked baseline the changes are measured from is the run's own backtest.
    whole = metrics["metrics"]["SP500"]["baseline"]
    assert costs["total_return"] - costs["total_return_change"] == pytest.approx(
        whole["total_return"], rel=1e-9
    )
    assert costs["n_predictions"] == whole["n_predictions"]
    summary = (tmp_path / "run" / "summary.md").read_text()
    assert "## Stress" in summary and "## Shocks" in summary
    assert "| february_2018 | SP500 | baseline | 2018-01-26 | 2018-04-06 |" in summary


def _import(runner, folder, *tickers):
    result = runner.invoke(cli, ["data", "import", *[str(folder / f"{t}.csv") for t in tickers]])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_covid_crash_runs_on_the_imported_yahoo_files(shared_yahoo_dir, tmp_path, isolated_home):
    runner = CliRunner()
    _import(runner, shared_yahoo_dir, "SPY", "AAPL", "MSFT")
    args = ["run", "covid_crash_2020", "--epochs", "2", "--no-tracking", "-q", "-o", str(tmp_path / "run")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert sorted(metrics["metrics"]) == ["AAPL", "MSFT", "SPY"]
    for window, first, last in (
        ("covid_crash", "2020-02-20", "2020-04-30"),
        ("covid_recovery", "2020-05-01", "2020-12-31"),
    ):
        for ticker in ("SPY", "AAPL", "MSFT"):
            record = metrics["stress"][window][ticker]["baseline"]
            # The first fold's test year (from 2020-01-29) covers both windows: the whole window is scored.
            assert (record["first_date"], record["last_date"], record["folds"]) == (first, last, "0")
    spy = pd.read_csv(shared_yahoo_dir / "SPY.csv", index_col="Date", parse_dates=True)
    adjusted_open = spy["Open"] * spy["Adj Close"] / spy["Close"]
    # Decisions 2020-02-20..2020-04-30, next open: in at the open of 02-21, out at the open of 05-04.
    expected = adjusted_open["2020-05-04"] / adjusted_open["2020-02-21"] - 1
    hold = metrics["stress"]["covid_crash"]["SPY"]["buy_and_hold"]
    assert hold["total_return"] == pytest.approx(expected, rel=1e-6)
    assert "covid_crash" in result.output and "crash_30pct_10d" in result.output
    # every run answers: a verdict per ticker, the summary as the last line
    assert sorted(metrics["verdict"]) == ["AAPL", "MSFT", "SPY"]
    assert result.output.rstrip("\n").splitlines()[-1].startswith("verdict over 3 strategies: ")


@pytest.mark.slow
def test_biotech_winter_runs_on_the_imported_xbi_file(shared_yahoo_dir, tmp_path, isolated_home):
    runner = CliRunner()
    _import(runner, shared_yahoo_dir, "XBI")
    args = ["run", "biotech_winter_2022", "--epochs", "2", "--no-tracking", "-q", "-o", str(tmp_path / "run")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    record = metrics["stress"]["biotech_winter"]["XBI"]
    assert (record["baseline"]["first_date"], record["baseline"]["last_date"]) == ("2022-02-01", "2022-10-31")
    xbi = pd.read_csv(shared_yahoo_dir / "XBI.csv", index_col="Date", parse_dates=True)
    adjusted_open = xbi["Open"] * xbi["Adj Close"] / xbi["Close"]
    # In at the open after the first decision (02-02), out two bars after the last one (11-02).
    expected = adjusted_open["2022-11-02"] / adjusted_open["2022-02-02"] - 1
    assert record["buy_and_hold"]["total_return"] == pytest.approx(expected, rel=1e-6)
    assert expected < -0.1  # the biotech winter: buy-and-hold lost about 13% over the window
    assert "trial_news_gaps" in metrics["shocks"]
    assert metrics["verdict"]["XBI"]["baseline"]["reasons"]
    assert result.output.rstrip("\n").splitlines()[-1].startswith("verdict over 1 strategy: ")
