"""``alphacheck predict``: decision date, calibrated P(up), the policy's position, model age, refusals.

The run folders here are written without training: the quick scenario's
config and an untrained `baseline` module with a scaler, a calibrator and
its fold's dates, so every figure can be recomputed by hand.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.data import load_prices
from alphacheck.features.sets import compute_features
from alphacheck.models import get_variant
from alphacheck.models.export import load_calibrated_model
from alphacheck.rundir import write_config, write_models
from alphacheck.scenarios import load_scenario
from alphacheck.scenarios.overrides import apply_overrides
from alphacheck.walkforward import TrainedModel


def _fake_run(folder, test_start="2018-12-03", val_end="2018-11-28", changes=None, calibration=None):
    """A run folder of the quick scenario whose baseline model is untrained but complete."""
    scenario = apply_overrides(load_scenario("quick"), changes or {})
    write_config(folder, scenario)
    features = compute_features(load_prices(scenario.data)["SP500"], scenario.features).dropna()
    spec = get_variant("baseline")
    torch.manual_seed(0)
    module = spec.build_model(features.shape[1], spec.resolve({})).eval()
    fit = features.loc["2016-01-01":"2017-12-31"].to_numpy()
    trained = TrainedModel(
        module, "baseline", spec.resolve({}), features.shape[1], scenario.walkforward.sequence_length,
        list(features.columns), fit.mean(axis=0).tolist(), fit.std(axis=0).tolist(), fold=3,
        calibration=calibration or {"method": "platt", "method_": "platt", "note_": None, "slope_": 1.0,
                                    "intercept_": 0.2, "x_thresholds_": None, "y_thresholds_": None,
                                    "n_rows_": 100, "up_rate_": 0.55},
        fold_dates={"index": 3, "fit_start": "2016-11-01", "fit_end": "2018-06-29", "val_start": "2018-07-05",
                    "val_end": val_end, "test_start": test_start, "test_end": "2018-12-31"},
    )  # fmt: skip
    write_models(folder, {"baseline": trained})
    return folder, features


def _predict(*args):
    return CliRunner().invoke(cli, ["predict", *map(str, args)])


def test_predict_help_states_the_decision_convention():
    result = CliRunner().invoke(cli, ["predict", "--help"])
    assert result.exit_code == 0
    assert "P(up) at D is known at" in result.output and "Exits 0" in result.output


def test_the_latest_signal_is_the_models_calibrated_probability_by_hand(tmp_path):
    run, features = _fake_run(tmp_path / "run")
    result = _predict(run, "--json", "--backend", "torch")
    assert result.exit_code == 0, result.output
    (signal,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert signal["decision_date"] == "2018-12-31" == str(features.index[-1].date())
    # By hand: the last 10 rows of features, standardised with the file's scaler, through the saved model.
    model, config = load_calibrated_model(run / "models" / "baseline.pt")
    rows = features.iloc[-10:].to_numpy()
    x = ((rows - np.asarray(config["scaler_mean"])) / np.asarray(config["scaler_scale"]))[None]
    assert signal["proba"] == pytest.approx(model.predict_proba(x)[0], abs=1e-7)
    raw = signal["proba_raw"]
    assert signal["proba"] == pytest.approx(1 / (1 + np.exp(-(np.log(raw / (1 - raw)) + 0.2))), rel=1e-12)
    assert signal["position"] == ("long" if signal["proba"] > 0.5 else "flat")
    assert signal["fill"] == "at the open of the trading day after 2018-12-31"
    # 2018-11-28 -> 2018-12-31: 22 trading days of the embedded S&P 500 after the training range
    trading = features.index[(features.index > "2018-11-28") & (features.index <= "2018-12-31")]
    assert signal["trading_days_since_training"] == len(trading) and signal["stale"] is False
    assert signal["backend"] == "torch" and signal["fold"] == 3


def test_onnx_runtime_serves_the_same_probability(tmp_path):
    run, _ = _fake_run(tmp_path / "run")
    by = {b: json.loads(_predict(run, "--json", "--backend", b).stdout) for b in ("torch", "onnx")}
    assert by["onnx"]["backend"] == "onnx"
    assert by["onnx"]["proba"] == pytest.approx(by["torch"]["proba"], abs=1e-6)


def test_the_policy_sets_the_position_and_its_size(tmp_path):
    # A calibrator of slope 0 maps every prediction to 0.3: long_short with a band 0.45-0.55 goes short.
    constant = {"method": "platt", "method_": "platt", "note_": None, "slope_": 0.0,
                "intercept_": float(np.log(0.3 / 0.7)), "x_thresholds_": None, "y_thresholds_": None,
                "n_rows_": 100, "up_rate_": 0.3}  # fmt: skip
    changes = {"backtest.policy": "long_short", "backtest.upper_threshold": 0.55,
               "backtest.lower_threshold": 0.45,
               "backtest.fraction": 0.5}  # fmt: skip
    run, _ = _fake_run(tmp_path / "run", changes=changes, calibration=constant)
    signal = json.loads(_predict(run, "--json", "--backend", "torch").stdout)
    assert signal["proba"] == pytest.approx(0.3, abs=1e-12)
    assert (signal["position"], signal["weight"]) == ("short", -0.5)


def test_a_model_past_its_retraining_interval_warns_and_still_exits_0(tmp_path):
    # quick retrains every 125 trading days; a model first tested on 2018-01-02 has served 250 by December.
    run, _ = _fake_run(tmp_path / "run", test_start="2018-01-02", val_end="2017-12-27")
    result = _predict(run, "--json")
    assert result.exit_code == 0
    signal = json.loads(result.stdout)
    assert signal["stale"] is True and signal["retrain_every"] == "every 125 trading days"
    assert (
        "warning: baseline on SP500: the model is older than the scenario's retraining interval"
        in result.stderr
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2019-01-02"], r"--date 2019-01-02 is beyond the data: the prices end on 2018-12-31"),
        (
            ["--date", "2018-12-29"],
            r"2018-12-29: not a date on which every ticker traded .*latest one before "
            r"it is 2018-12-28",
        ),
        (
            ["--date", "2018-11-30"],
            r"before the first out-of-sample day of baseline's last model \(2018-12-03\)",
        ),
        (["--tickers", "SPY"], r"--tickers SPY: the run's models were trained on SP500 only"),
        (["--update"], r"--update downloads from Yahoo, but the run's data source is 'sample'; predict without"),
    ],
)
def test_refusals_name_the_date_or_ticker_and_the_fix(tmp_path, args, message):
    run, _ = _fake_run(tmp_path / "run")
    result = _predict(run, *args)
    assert result.exit_code == 1
    assert re.search(message, result.output), result.output


def test_a_warm_up_the_prices_do_not_cover_is_refused(tmp_path):
    # The model's first test day is the first date with complete features: no 9 earlier dates for a sequence.
    first = compute_features(
        load_prices(load_scenario("quick").data)["SP500"], load_scenario("quick").features
    )
    first_complete = str(first.dropna().index[0].date())
    run, _ = _fake_run(tmp_path / "run", test_start=first_complete, val_end=first_complete)
    result = _predict(run, "--date", first_complete)
    assert result.exit_code == 1
    assert f"SP500 on {first_complete}: a sequence of 10 dates needs 9 more dates" in result.output
    assert "the warm-up is not covered" in result.output


def test_a_folder_without_a_run_is_refused(tmp_path):
    result = _predict(tmp_path)
    assert result.exit_code == 1 and "config.yaml is missing; give a run folder" in result.output


def _spy_run(tmp_path, shared_yahoo_dir):
    """A run folder of quick on the imported SPY file (cached to 2023-12-29), with an untrained baseline."""
    imported = CliRunner().invoke(cli, ["data", "import", str(shared_yahoo_dir / "SPY.csv")])
    assert imported.exit_code == 0, imported.output
    changes = {
        "data.source": "yahoo",
        "data.tickers": ["SPY"],
        "data.start": "2018-01-02",
        "data.end": "2019-12-31",
    }
    scenario = apply_overrides(load_scenario("quick"), changes)
    run = tmp_path / "run"
    write_config(run, scenario)
    features = compute_features(load_prices(scenario.data)["SPY"], scenario.features).dropna()
    spec = get_variant("baseline")
    trained = TrainedModel(
        spec.build_model(features.shape[1], spec.resolve({})).eval(), "baseline", spec.resolve({}),
        features.shape[1], 10, list(features.columns),
        [0.0] * features.shape[1], [1.0] * features.shape[1], 0,
        fold_dates={"val_end": "2019-06-28", "test_start": "2019-07-03", "test_end": "2019-12-31"},
    )  # fmt: skip
    write_models(run, {"baseline": trained})
    return run


def test_offline_predict_reads_the_cache_and_refuses_what_is_not_cached(
    tmp_path, monkeypatch, shared_yahoo_dir
):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ALPHACHECK_OFFLINE", "1")
    run = _spy_run(tmp_path, shared_yahoo_dir)
    result = _predict(run, "--json")
    assert result.exit_code == 0, result.output
    # The cache holds SPY to 2023-12-29: the signal is for the last cached day, past the run's own end.
    assert json.loads(result.stdout)["decision_date"] == "2023-12-29"
    (tmp_path / "home" / "prices" / "SPY.parquet").unlink()
    missing = _predict(run)
    assert missing.exit_code == 1 and "SPY: no cached prices in" in missing.output
    assert "run with --update to download them" in missing.output


def test_update_fetches_the_days_the_cache_lacks_first(tmp_path, monkeypatch, shared_yahoo_dir):
    from alphacheck.data import yahoo

    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ALPHACHECK_OFFLINE", raising=False)
    run = _spy_run(tmp_path, shared_yahoo_dir)
    # Yahoo, at the download seam: the file's rows, then four new days (yfinance's layout, New York time).
    known = pd.read_csv(shared_yahoo_dir / "SPY.csv", index_col="Date", parse_dates=True)
    new_days = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"], name="Date")
    close = 475.31 * np.exp(np.cumsum([-0.006, -0.008, -0.003, 0.002]))
    new = pd.DataFrame(
        {"Open": close, "High": close * 1.004, "Low": close * 0.994, "Close": close, "Adj Close": close,
         "Volume": 9.0e7}, index=new_days,
    )  # fmt: skip
    served = pd.concat([known, new]).tz_localize("America/New_York")
    calls = []

    def download(ticker, start, end):
        calls.append((ticker, start, end))
        days = served.index.tz_localize(None)
        return served.loc[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]

    monkeypatch.setattr(yahoo, "download", download)
    cached = _predict(run, "--json")  # without --update: nothing is downloaded
    assert json.loads(cached.stdout)["decision_date"] == "2023-12-29" and calls == []
    updated = _predict(run, "--json", "--update")
    assert updated.exit_code == 0, updated.output
    assert json.loads(updated.stdout)["decision_date"] == "2024-01-05"
    # One download, from the last cached day (fetched again to detect revisions) onwards.
    assert [(t, str(start)) for t, start, _ in calls] == [("SPY", "2023-12-29")]
