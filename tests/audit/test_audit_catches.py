"""End to end: the audit command catches look-ahead features, a leaky scaler and a constant model,
and passes the shipped scenarios. Short training (one fold, one epoch) keeps each run to seconds."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.scenarios import shipped_scenarios

SHORT = ["--folds", "1", "--epochs", "1", "--device", "cpu"]

_LEAKY_FEATURES = '''
import alphacheck.features


@alphacheck.features.register("tomorrow_return")
def tomorrow_return(prices):
    """The next day's close-to-close return: the seed project's target_class leak."""
    return prices["close"].pct_change().shift(-1)


@alphacheck.features.register("centred_mean_5")
def centred_mean_5(prices):
    """Close over a 5-day rolling mean centred on the day (two days of the future in it)."""
    return prices["close"] / prices["close"].rolling(5, center=True).mean() - 1
'''

_OUTSIDE_DATA_FEATURE = '''
import alphacheck.features
from alphacheck.data import load_sample

# An outside, date-indexed series: NASDAQ's daily returns, here standing for any data joined by date.
_OUTSIDE = load_sample("NASDAQ")["close"].pct_change()


@alphacheck.features.register("outside_centred_5")
def outside_centred_5(prices):
    """The outside series' 5-day mean centred on the day, joined to the prices by date."""
    return _OUTSIDE.rolling(5, center=True).mean().reindex(prices.index)
'''

_CONSTANT_MODEL = '''
import torch

from alphacheck.models.registry import VARIANTS, VariantSpec


class ConstantLogit(torch.nn.Module):
    """One learned bias: the same P(up) whatever the inputs."""

    def __init__(self, n_features):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.bias.expand(x.shape[0])


VARIANTS["constant"] = VariantSpec(name="constant", description="one bias, no inputs", build=ConstantLogit)
'''


def _audit(*args: str):
    return CliRunner().invoke(cli, ["audit", *args], catch_exceptions=False)


def _checks(path: Path) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(path.read_text())["checks"]}


def test_audit_help():
    result = CliRunner().invoke(cli, ["audit", "--help"])
    assert result.exit_code == 0
    assert "FILE_OR_NAME" in result.output and "--plugin" in result.output and "--folds" in result.output


def test_catches_next_day_return_and_centred_mean(clean_registry, one_torch_thread):
    (clean_registry / "leaky_features.py").write_text(_LEAKY_FEATURES)
    report = clean_registry / "audit.json"
    result = _audit(
        "quick", "--plugin", "leaky_features", "--add-features", "tomorrow_return,centred_mean_5",
        "--output-file", str(report), *SHORT,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    checks = _checks(report)
    causality = checks["feature_causality"]
    assert causality["verdict"] == "fail"
    assert set(causality["details"]["leaking"]) == {"tomorrow_return", "centred_mean_5"}
    evidence = "\n".join(causality["evidence"])
    assert (
        "feature 'tomorrow_return' looks ahead" in evidence
        and "feature 'centred_mean_5' looks ahead" in evidence
    )
    assert "FAIL  feature_causality" in result.output and "tomorrow_return" in result.output
    leakage = checks["target_leakage"]
    assert leakage["verdict"] == "fail" and "tomorrow_return" in leakage["summary"]
    assert leakage["details"]["features"]["tomorrow_return"]["accuracy"] > 0.65
    # With prices cut inside the test window, the last predictions cannot be remade: their features need later bars.
    assert checks["prediction_causality"]["verdict"] == "fail"
    assert "cannot be made from the prices up to then" in checks["prediction_causality"]["summary"]


def test_catches_a_centred_mean_of_outside_data_joined_by_date(clean_registry, one_torch_thread):
    # Mis-stamped outside data: the feature does not change when the prices end earlier, so neither
    # causality check can see it; it knows the label, and target leakage fails it.
    (clean_registry / "outside_data.py").write_text(_OUTSIDE_DATA_FEATURE)
    report = clean_registry / "audit.json"
    args = ["quick", "--plugin", "outside_data", "--add-features", "outside_centred_5",
            "--output-file", str(report)]
    result = _audit(*args, *SHORT)
    assert result.exit_code == 1, result.output
    checks = _checks(report)
    assert checks["feature_causality"]["verdict"] == "pass"
    assert checks["prediction_causality"]["verdict"] == "pass"
    leakage = checks["target_leakage"]
    assert leakage["verdict"] == "fail" and leakage["summary"].endswith(": outside_centred_5")
    assert leakage["evidence"][0].startswith(
        "outside_centred_5: threshold rule 64.0% out of sample vs majority 56.4%"
    )
    assert "FAIL  target_leakage" in result.output


def test_strict_makes_warnings_fail(one_torch_thread, tmp_path):
    report = tmp_path / "audit.json"
    lenient = _audit("quick", "--output-file", str(report), *SHORT)
    verdicts = [c["verdict"] for c in _checks(report).values()]
    assert "warn" in verdicts and "fail" not in verdicts  # quick's features drift between folds
    assert lenient.exit_code == 0
    strict = _audit("quick", "--strict", "--output-file", str(report), *SHORT)
    assert strict.exit_code == 1, strict.output
    assert strict.output.splitlines()[-1] == lenient.output.splitlines()[-1]  # the same checks, judged harder


def test_catches_scaler_fitted_on_all_data(clean_registry, one_torch_thread, monkeypatch):
    from alphacheck.walkforward import folds as fold_steps

    honest = fold_steps.fit_scaler

    def scaler_on_all_rows(datasets, fold):
        # The classic leak: standardise with every row's mean and deviation, test rows included.
        dates = pd.DatetimeIndex(sorted(set().union(*(d.index for d in datasets.values()))))
        return honest(datasets, dataclasses.replace(fold, fit_start=dates[0], fit_end=dates[-1]))

    monkeypatch.setattr(fold_steps, "fit_scaler", scaler_on_all_rows)
    report = clean_registry / "audit.json"
    result = _audit("quick", "--output-file", str(report), *SHORT)
    assert result.exit_code == 1, result.output
    checks = _checks(report)
    assert checks["split_hygiene"]["verdict"] == "fail"
    assert (
        "scaler" in checks["split_hygiene"]["summary"]
        and "fold 0: the fit inputs change" in checks["split_hygiene"]["summary"]
    )
    assert checks["prediction_causality"]["verdict"] == "fail"
    assert checks["feature_causality"]["verdict"] == "pass"


def test_catches_constant_predictor(clean_registry, one_torch_thread):
    (clean_registry / "constant_model.py").write_text(_CONSTANT_MODEL)
    scenario = clean_registry / "constant.yaml"
    quick = shipped_scenarios()["quick"].read_text()
    scenario.write_text(
        quick.replace("name: quick", "name: constant").replace("variants: [baseline]", "variants: [constant]")
    )
    report = clean_registry / "audit.json"
    result = _audit(str(scenario), "--plugin", "constant_model", "--output-file", str(report), *SHORT)
    assert result.exit_code == 1, result.output
    degenerate = _checks(report)["degenerate_predictor"]
    assert degenerate["verdict"] == "fail"
    assert "constant" in degenerate["summary"] and "a constant predictor" in degenerate["evidence"][0]
    assert degenerate["details"]["constant"]["proba_std"] < 1e-6


@pytest.mark.parametrize("name", ["quick", "default"])
def test_shipped_scenarios_pass(name, one_torch_thread, tmp_path, known_data_warnings):
    report = tmp_path / "audit.json"
    with known_data_warnings(name):
        result = _audit(name, "--output-file", str(report), *SHORT)
    assert result.exit_code == 0, result.output
    checks = _checks(report)
    assert len(checks) == 8
    assert all(c["verdict"] != "fail" for c in checks.values())
    assert (
        checks["feature_causality"]["verdict"] == "pass"
        and checks["prediction_causality"]["verdict"] == "pass"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["quick", "default"])
def test_shipped_scenarios_pass_with_default_audit_settings(
    name, one_torch_thread, tmp_path, known_data_warnings
):
    report = tmp_path / "audit.json"
    with known_data_warnings(name):
        result = _audit(name, "--device", "cpu", "--output-file", str(report))
    assert result.exit_code == 0, result.output
    checks = _checks(report)
    assert checks["split_hygiene"]["details"]["folds"] == 2
    assert all(c["verdict"] != "fail" for c in checks.values())


def test_bad_options_are_one_line_errors():
    result = CliRunner().invoke(cli, ["audit", "quick", "--folds", "0"])
    assert result.exit_code == 1 and "--folds (0) and --epochs (None) must be at least 1" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["audit", "quick", "--plugin", "no_such_module_here"])
    assert result.exit_code == 1 and "--plugin 'no_such_module_here': no such module" in result.output


def test_audit_applies_the_environment_variables_as_run_does(one_torch_thread, tmp_path):
    """MODEL_VARIANT and TICKERS reach the audited scenario (they were skipped before)."""
    report = tmp_path / "audit.json"
    result = CliRunner().invoke(
        cli,
        ["audit", "quick", *SHORT, "--output-file", str(report)],
        env={"MODEL_VARIANT": "lightweight", "TICKERS": "NASDAQ", "ALPHACHECK_HOME": str(tmp_path / "home")},
    )
    assert result.exit_code in (0, 1) and report.is_file(), result.output
    checks = _checks(report)
    assert set(checks["shuffled_labels"]["details"]) == {"lightweight"}
    assert set(checks["too_good_to_be_true"]["details"]) == {"lightweight on NASDAQ"}
    assert "environment: MODEL_VARIANT=lightweight overrides variants=baseline" in result.output
    assert "environment: TICKERS=NASDAQ overrides data.tickers=SP500" in result.output
