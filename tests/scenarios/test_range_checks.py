"""Every scenario value is checked when the file loads, and `scenarios validate` fails where `run` would.

Issue 14, findings 7 and 9: a negative seed trained a whole run and failed in
the backtest, a seed >= 2**63 gave a traceback, ``hidden_size: -4``,
``dropout: 7``, a variant's ``training: {epochs: -3}`` and ``epochs: true``
(read as 1) were all "ok".
"""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from alphacheck.cli.main import cli
from alphacheck.exceptions import ConfigError, DeviceError
from alphacheck.models import resolve_device
from alphacheck.models.device import force_cpu
from alphacheck.models.params import Param
from alphacheck.models.registry import VariantSpec
from alphacheck.scenarios import shipped_scenarios

QUICK = yaml.safe_load(shipped_scenarios()["quick"].read_text())

CASES = {
    "negative seed": ({"seed": -1}, "seed = -1: Input should be greater than or equal to 0"),
    "seed beyond 2**32": ({"seed": 2**63}, "seed = 9223372036854775808: Input should be less than 4294967"),
    "epochs true": ({"training": {"epochs": True}}, "training: epochs = True: a boolean where a number is"),
    "infinite learning rate": ({"training": {"learning_rate": float("inf")}}, "training.learning_rate = inf"),
    "NaN fees": ({"backtest": {"fees_bps": float("nan")}}, "backtest.fees_bps = nan: Input should be a"),
    "boolean window": ({"features": {"windows": {"rsi_14": True}}}, "windows = {'rsi_14': True}: a boolean"),
    "negative hidden size": (
        {"variants": [{"name": "baseline", "params": {"hidden_size": -4}}]},
        "variant 'baseline': hidden_size = -4: must be an integer >= 1",
    ),
    "dropout 7": (
        {"variants": [{"name": "baseline", "params": {"dropout": 7}}]},
        "variant 'baseline': dropout = 7: must be a number in [0, 1)",
    ),
    "hidden size 64.0": (
        {"variants": [{"name": "lightweight", "params": {"hidden_size": 64.0}}]},
        "variant 'lightweight': hidden_size = 64.0: must be an integer",
    ),
    "bidirectional 2": (
        {"variants": [{"name": "enhanced", "params": {"bidirectional": 2}}]},
        "variant 'enhanced': bidirectional = 2: must be true or false",
    ),
    "heads that do not divide": (
        {"variants": [{"name": "transformer", "params": {"d_model": 30, "num_heads": 4}}]},
        "variant 'transformer': d_model (30) must be a multiple of num_heads (4)",
    ),
    "pooling max": (
        {"variants": [{"name": "transformer", "params": {"pooling": "max"}}]},
        "variant 'transformer': pooling = 'max': must be one of 'last', 'mean'",
    ),
    "a zero head size": (
        {"variants": [{"name": "advanced", "params": {"head_sizes": [8, 0]}}]},
        "variant 'advanced': head_sizes[1] = 0: must be an integer >= 1",
    ),
    "sequence too long for the transformer": (
        {"variants": ["transformer"], "walkforward": {"sequence_length": 600}},
        "walkforward.sequence_length = 600: variant 'transformer' takes at most 512 time steps",
    ),
    "a variant's negative epochs": (
        {"variants": [{"name": "baseline", "training": {"epochs": -3}}]},
        "variant 'baseline': training.epochs = -3: Input should be greater than or equal to 1",
    ),
    "a variant's boolean epochs": (
        {"variants": [{"name": "baseline", "training": {"epochs": True}}]},
        "variant 'baseline': training: epochs = True: a boolean where a number is needed",
    ),
    "an unknown feature": ({"features": {"add": ["rsi_99"]}}, "unknown feature 'rsi_99' (did you mean"),
}


def _scenario(tmp_path, changes):
    tree = {**QUICK}
    for key, value in changes.items():
        merge = isinstance(value, dict) and isinstance(tree.get(key), dict)
        tree[key] = {**tree[key], **value} if merge else value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


@pytest.mark.parametrize(("changes", "message"), CASES.values(), ids=CASES.keys())
def test_validate_fails_where_the_run_fails(tmp_path, monkeypatch, changes, message):
    monkeypatch.setenv("ALPHACHECK_HOME", str(tmp_path / "home"))
    path = _scenario(tmp_path, changes)
    validated = CliRunner().invoke(cli, ["scenarios", "validate", str(path)])
    assert validated.exit_code == 1
    assert message in validated.output and "Traceback" not in validated.output
    ran = CliRunner().invoke(cli, ["run", str(path), "--no-tracking", "-q", "-o", str(tmp_path / "out")])
    assert ran.exit_code == 1, ran.output
    assert message in ran.output
    assert not list((tmp_path / "home").rglob("fold-*.pt"))  # nothing was trained


def test_the_seed_flag_is_range_checked_too(tmp_path):
    args = ["run", "quick", "--no-tracking", "--seed", "-1", "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "command-line flags: seed = -1: Input should be greater than or equal to 0" in result.output


def test_the_largest_valid_seed_is_accepted(tmp_path):
    path = _scenario(tmp_path, {"seed": 2**32 - 1})
    result = CliRunner().invoke(cli, ["scenarios", "validate", str(path)])
    assert result.exit_code == 0, result.output


def test_a_plugin_variant_without_declarations_gets_kinds_from_its_defaults():
    spec = VariantSpec("mine", "test", build=object, architecture={"width": 8, "rate": 0.5, "flag": False})
    assert spec.resolve({"width": 16, "rate": 1, "flag": True}) == {
        "width": 16, "rate": 1, "flag": True, "learning_rate": 1e-3
    }  # fmt: skip
    for key, value, message in [
        ("width", True, r"width = True: must be an integer"),
        ("width", "8", r"width = '8': must be an integer"),
        ("rate", float("nan"), r"rate = nan: must be a number"),
        ("flag", 1, r"flag = 1: must be true or false"),
        ("learning_rate", 0, r"learning_rate = 0: must be a number > 0"),
    ]:
        with pytest.raises(ConfigError, match=rf"variant 'mine': {message}"):
            spec.resolve({key: value})


def test_param_ranges_read_as_written():
    assert Param(float, low=0, high=1, high_open=True).describe_range() == "in [0, 1)"
    assert Param(int, low=1).describe_range() == ">= 1"
    assert Param(float, low=0, low_open=True).describe_range() == "> 0"


# --- FORCE_CPU --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("TRUE", True), ("true", True), ("0", False),
                                                ("False", False), ("", False), (" 1 ", True)])  # fmt: skip
def test_force_cpu_reads_0_1_true_false(text, expected):
    assert force_cpu(text) is expected


@pytest.mark.parametrize("text", ["maybe", "yes", "2", "cpu"])
def test_force_cpu_refuses_anything_else(text, monkeypatch):
    with pytest.raises(DeviceError, match=rf"FORCE_CPU={text!r} is not 0, 1, true or false"):
        force_cpu(text)
    monkeypatch.setenv("FORCE_CPU", text)
    with pytest.raises(DeviceError, match="FORCE_CPU="):
        resolve_device("auto")


def test_run_refuses_force_cpu_maybe_before_anything(tmp_path):
    result = CliRunner().invoke(
        cli, ["run", "quick", "--no-tracking", "-o", str(tmp_path / "o")], env={"FORCE_CPU": "maybe"}
    )
    assert result.exit_code == 1
    assert "FORCE_CPU='maybe' is not 0, 1, true or false" in result.output
    assert not (tmp_path / "o").exists()


# --- files that YAML itself cannot read ----------------------------------------------------------


def test_an_impossible_date_literal_names_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\ndata:\n  source: sample\n  start: 2015-13-45\n")
    result = CliRunner().invoke(cli, ["scenarios", "validate", str(path)])
    assert result.exit_code == 1
    assert "line 4: 2015-13-45 is not a date (month must be in 1..12)" in result.output


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.yaml: not UTF-8 text \(line 1: invalid continuation"):
        from alphacheck.scenarios import load_scenario

        load_scenario(path)


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("baseline.hidden_size=[1", "--param 'baseline.hidden_size=[1': the value is not valid YAML"),
        ("data.start=2015-13-45", "--param 'data.start=2015-13-45': '2015-13-45' is not a valid value"),
        ("baseline.hidden_size=-4", "variant 'baseline': hidden_size = -4: must be an integer >= 1"),
    ],
)
def test_bad_param_values_are_one_line(tmp_path, param, message):
    args = ["run", "quick", "--no-tracking", "--param", param, "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
