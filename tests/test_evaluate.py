"""``alphacheck evaluate`` on files made outside alphacheck, and ``alphacheck audit-predictions``.

That ``evaluate`` reproduces a run's own metrics is in test_own_models_end_to_end.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import alphacheck
from alphacheck.cli.main import cli
from alphacheck.data import load_prices
from alphacheck.scenarios import load_scenario, shipped_scenarios


@pytest.fixture
def outside_predictions(tmp_path):
    """A year of seeded P(up) on the embedded S&P 500, as a notebook would write them (no fold)."""
    dates = load_prices(load_scenario("quick").data)["SP500"].loc["2017-01-03":"2018-06-29"].index
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"date": dates.strftime("%Y-%m-%d"), "ticker": "SP500", "proba": rng.uniform(0.3, 0.8, len(dates))}
    )
    path = tmp_path / "notebook_model.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_evaluate_help_states_the_convention_and_what_is_skipped():
    result = CliRunner().invoke(cli, ["evaluate", "--help"])
    assert result.exit_code == 0
    for phrase in (
        "proba at date t is known at the close of t",
        "never read from",
        "Shocks need the",
        "models",
    ):
        assert phrase in result.output


def test_a_file_from_outside_is_backtested_judged_and_reported(tmp_path, outside_predictions):
    path, frame = outside_predictions
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["evaluate", str(path), "quick", "--no-tracking", "--no-report", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "decision convention: proba at date t is P(up) known at the close of t" in result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    evaluated = metrics["evaluated"]
    assert evaluated["variants"] == ["notebook_model"] and evaluated["folds_given"] is False
    assert evaluated["walkforward_signature_matches"] is False
    notes = " ".join(evaluated["notes"])
    assert "no fold column: every row is taken as one model's" in notes and "shocks skipped" in notes
    # Only the check about the predictions themselves: this scenario's features and folds did not make them.
    assert set(metrics["audit"]) == {"too_good_to_be_true"}
    assert metrics["verdict"]["SP500"]["notebook_model"]["label"] in ("edge", "no_edge", "inconclusive")
    assert (
        "shocks" not in metrics
        and metrics["stress"]["february_2018"]["SP500"]["notebook_model"]["n_predictions"] > 0
    )
    assert metrics["folds"] == [{"variant": "notebook_model", "index": 0, "test_start": "2017-01-03",
                                 "test_end": "2018-06-29", "n_test": len(frame)}]  # fmt: skip
    # Labels from the prices (next_open: open t+1 -> open t+2), never from the file.
    written = pd.read_parquet(out / "predictions.parquet")
    opens = load_prices(load_scenario("quick").data)["SP500"]["open"]
    day = written["date"].iloc[10]
    at = opens.index.get_loc(day)
    assert written["fwd_return"].iloc[10] == pytest.approx(
        opens.iloc[at + 2] / opens.iloc[at + 1] - 1, rel=1e-12
    )
    assert written["proba"].tolist() == pytest.approx(frame["proba"].tolist(), abs=0)
    assert (out / "returns.parquet").is_file() and (out / "summary.md").is_file()


def test_the_python_api_takes_a_frame_and_defaults_to_the_files_tickers(tmp_path, outside_predictions):
    _, frame = outside_predictions
    frame = frame.assign(variant="mine", fold=0)
    result = alphacheck.evaluate(
        frame, overrides={"backtest.fees_bps": 1}, output_dir=tmp_path / "api", tracking=False, report=False
    )
    assert result.scenario.data.tickers == ["SP500"] and result.scenario.backtest.fees_bps == 1
    assert str(result.scenario.data.start) == "2016-09-05"  # 120 days before the first prediction
    assert result.variants == ["mine"] and set(result.metrics["metrics"]["SP500"]) >= {"mine", "buy_and_hold"}


def test_tickers_the_scenario_names_without_predictions_are_left_out_with_a_note(
    tmp_path, outside_predictions
):
    path, _ = outside_predictions
    result = alphacheck.evaluate(
        path, "quick", {"data.tickers": ["SP500", "NASDAQ"]}, output_dir=tmp_path / "two", tracking=False,
        report=False,
    )  # fmt: skip
    assert result.scenario.data.tickers == ["SP500"]
    assert "tickers without predictions left out: NASDAQ" in result.metrics["evaluated"]["notes"]


def test_a_portfolio_scenario_gets_its_books_judged_and_stressed(tmp_path):
    """P(up) 0.9 on SP500, 0.2 on NASDAQ: the top-1 book holds SP500 throughout, as its long strategy does."""
    prices = load_prices(load_scenario("portfolio_demo").data)
    frame = pd.concat(
        pd.DataFrame({"date": prices[t].loc["2015-06-01":"2015-12-31"].index, "ticker": t, "proba": p})
        for t, p in (("SP500", 0.9), ("NASDAQ", 0.2))
    )
    frame["variant"] = "sure"
    result = alphacheck.evaluate(
        frame, "portfolio_demo", {"backtest.bootstrap_reps": 100}, output_dir=tmp_path / "books",
        tracking=False, report=False,
    )  # fmt: skip
    metrics = result.metrics
    weights = pd.read_parquet(tmp_path / "books" / "portfolio_weights.parquet")
    held = weights[(weights["strategy"] == "sure") & (weights["weight"] != 0)]
    assert set(held["ticker"]) == {"SP500"} and (held["weight"] == 1.0).all()
    # The book's engine and the single-ticker backtest, two code paths, agree on the same holding.
    assert metrics["portfolio"]["sure"]["total_return"] == pytest.approx(
        metrics["metrics"]["SP500"]["sure"]["total_return"], rel=1e-12
    )
    assert "sure" in metrics["verdict"]["portfolio"]
    assert "august_2015" in metrics["portfolio_stress"] and "portfolio_shocks" not in metrics


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--update"], "--update downloads from Yahoo, but the data source is 'sample': add --source yahoo"),
        (["--source", "yahoo", "--update", "--end", "2020-01-01"], "--update and --end exclude each other"),
    ],
)
def test_update_is_refused_where_it_cannot_download_as_for_run(tmp_path, outside_predictions, flags, message):
    path, _ = outside_predictions
    args = ["evaluate", str(path), "quick", *flags, "--no-tracking", "-o", str(tmp_path / "r")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "r").exists()


def test_tickers_without_prices_are_one_line(tmp_path):
    path = tmp_path / "other.csv"
    pd.DataFrame({"date": ["2017-01-03"], "ticker": ["XYZ"], "proba": [0.5]}).to_csv(path, index=False)
    result = CliRunner().invoke(cli, ["evaluate", str(path), "quick", "--no-tracking"])
    assert result.exit_code == 1
    assert "tickers without prices: XYZ (the scenario prices SP500); add them with --tickers" in result.output


def test_a_folder_holding_a_run_is_replaced_only_with_overwrite(tmp_path, outside_predictions):
    path, _ = outside_predictions
    out = tmp_path / "evaluated"
    args = ["evaluate", str(path), "quick", "--no-tracking", "--no-report", "-q", "-o", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    before = (out / "manifest.json").read_text()
    refused = CliRunner().invoke(cli, [*args, "--param", "backtest.fees_bps=7"])
    assert refused.exit_code == 1
    assert f"--output {out} holds another run" in refused.output and "pass --overwrite" in refused.output
    assert (out / "manifest.json").read_text() == before  # the earlier evaluation is untouched
    replaced = CliRunner().invoke(cli, [*args, "--param", "backtest.fees_bps=7", "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert alphacheck.load_run(out).scenario.backtest.fees_bps == 7


def _write(path, probas, dates):
    pd.DataFrame({"date": dates, "ticker": "SPY", "variant": "m", "proba": probas}).to_csv(path, index=False)
    return path


def test_audit_predictions_reports_every_prediction_before_the_cut_that_differs(tmp_path):
    dates = ["2020-03-02", "2020-03-03", "2020-03-04", "2020-03-05", "2020-03-06"]
    full = _write(tmp_path / "full.csv", [0.5, 0.6, 0.7, 0.8, 0.9], dates)
    same = _write(tmp_path / "same.csv", [0.5, 0.6, 0.7], dates[:3])
    changed = _write(tmp_path / "changed.csv", [0.5, 0.61, 0.7], dates[:3])
    short = _write(tmp_path / "short.csv", [0.5, 0.6], dates[:2])
    ok = CliRunner().invoke(cli, ["audit-predictions", str(full), str(same), "--cut-date", "2020-03-05"])
    assert ok.exit_code == 0 and ok.output.startswith("PASS  3 predictions unchanged"), ok.output
    bad = CliRunner().invoke(
        cli, ["audit-predictions", str(full), str(changed), "--cut-date", "2020-03-05", "--json"]
    )
    assert bad.exit_code == 1
    check = json.loads(bad.output)
    assert check["verdict"] == "fail" and check["details"]["differences"] == [
        {"date": "2020-03-03", "ticker": "SPY", "variant": "m", "proba_full": 0.6, "proba_cut": 0.61}
    ]
    missing = CliRunner().invoke(
        cli, ["audit-predictions", str(full), str(short), "--cut-date", "2020-03-05"]
    )
    assert missing.exit_code == 1
    assert "1 prediction(s) before 2020-03-05 cannot be made" in missing.output
    assert "m on SPY 2020-03-04: the file made on the cut prices lacks it" in missing.output


def test_an_evaluation_is_logged_to_mlflow_like_a_run(tmp_path, outside_predictions):
    from mlflow import MlflowClient

    path, _ = outside_predictions
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = alphacheck.evaluate(path, "quick", output_dir=tmp_path / "logged", tracking=store, report=False)
    assert str(tmp_path / "mlflow.db") in result.tracking
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("quick").experiment_id])
    by_name = {run.info.run_name: run for run in runs}
    assert "logged" in by_name  # the parent, named after the folder
    child = next(run for run in runs if run.data.tags.get("alphacheck.variant") == "notebook_model")
    sharpe = result.metrics["metrics"]["SP500"]["notebook_model"]["sharpe"]
    assert child.data.metrics["sharpe"] == pytest.approx(sharpe)


def test_the_report_says_where_the_probabilities_came_from(tmp_path, outside_predictions):
    path, _ = outside_predictions
    result = alphacheck.evaluate(path, "quick", output_dir=tmp_path / "told", tracking=False, report=False)
    summary = (result.output_dir / "summary.md").read_text()
    assert f"- P(up) as read from {path} (alphacheck evaluate: proba at date t is P(up) known" in summary
    assert "calibrated per fold" not in summary  # nothing here was trained nor calibrated
    page = (result.output_dir / "index.html").read_text()
    assert f"<dt>walk-forward</dt><dd>none: predictions read from {path}</dd>" in page
    assert "<dt>variants</dt><dd>notebook_model</dd>" in page
    assert f"out of sample 2017-01-03..2018-06-29 read from {path} (alphacheck evaluate); filled at" in page
    assert "walk-forward folds" not in page


def test_add_features_adds_to_the_scenarios_features_as_run_does(tmp_path, outside_predictions):
    path, _ = outside_predictions
    scenario = tmp_path / "with_extra.yaml"
    scenario.write_text(shipped_scenarios()["quick"].read_text() + "features: {add: [up_days]}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["evaluate", str(path), str(scenario), "--add-features", "atr_14", "--no-tracking", "--no-report",
              "-q", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert alphacheck.load_run(out).scenario.features.add == ["up_days", "atr_14"]
