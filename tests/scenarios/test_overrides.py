"""The one override function: scenario file < environment variables < flags / API overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import load_scenario, validate_scenario
from alphacheck.scenarios.overrides import (
    apply_overrides,
    env_overrides,
    environment_changes,
    parse_params,
    tracking_uri,
)


@pytest.fixture
def scenario():
    return validate_scenario(
        {
            "name": "s",
            "variants": [{"name": "enhanced", "params": {"hidden_size": 8}}],
            "training": {"epochs": 9},
        }
    )


def test_every_original_variable_maps_to_its_field():
    environ = {
        "MODEL_VARIANT": "baseline, enhanced",
        "BATCH_SIZE": "32",
        "EPOCHS": "7",
        "LEARNING_RATE": "0.001",
        "SEQUENCE_LENGTH": "15",
        "FORCE_CPU": "1",
        "TICKERS": "aapl,MSFT",
        "INGESTION_START_DATE": "2018-01-01",
        "INGESTION_END_DATE": "2023-12-31",
    }
    assert env_overrides(environ) == {
        "variants": ["baseline", "enhanced"],
        "training.batch_size": 32,
        "training.epochs": 7,
        "training.learning_rate": 0.001,
        "walkforward.sequence_length": 15,
        "device": "cpu",
        "data.tickers": ["AAPL", "MSFT"],
        "data.start": dt.date(2018, 1, 1),
        "data.end": dt.date(2023, 12, 31),
    }


def test_force_cpu_off_values_change_nothing():
    assert env_overrides({"FORCE_CPU": "0"}) == {}
    assert env_overrides({"EPOCHS": "  "}) == {}


def test_environment_beats_the_file_and_flags_beat_the_environment(scenario):
    environ = {"EPOCHS": "5", "BATCH_SIZE": "16"}
    resolved = apply_overrides(scenario, {"training.epochs": 3, "seed": None}, environ=environ)
    assert resolved.training.epochs == 3  # flag
    assert resolved.training.batch_size == 16  # environment
    assert resolved.training.patience == scenario.training.patience  # file / default
    assert apply_overrides(scenario, {}, environ={}).training.epochs == 9


def test_variant_names_keep_the_params_the_file_gave(scenario):
    resolved = apply_overrides(scenario, environ={"MODEL_VARIANT": "baseline,enhanced"})
    assert [v.name for v in resolved.variants] == ["baseline", "enhanced"]
    assert resolved.variants[1].params == {"hidden_size": 8}


def test_bad_environment_value_names_the_variable(scenario):
    with pytest.raises(ConfigError, match=r"EPOCHS='many' is not valid for training.epochs"):
        apply_overrides(scenario, environ={"EPOCHS": "many"})
    with pytest.raises(ConfigError, match=r"environment variables \(BATCH_SIZE\).*training.batch_size"):
        apply_overrides(scenario, environ={"BATCH_SIZE": "0"})
    with pytest.raises(ConfigError, match=r"unknown model variant 'basline'.*did you mean 'baseline'"):
        apply_overrides(scenario, environ={"MODEL_VARIANT": "basline"})


def test_tracking_uri_flag_then_environment():
    assert tracking_uri("sqlite:///a.db", {"MLFLOW_TRACKING_URI": "http://x"}) == "sqlite:///a.db"
    assert tracking_uri(None, {"MLFLOW_TRACKING_URI": "http://x"}) == "http://x"
    assert tracking_uri(None, {}) is None


def test_shipped_scenarios_still_load():
    assert load_scenario("quick").variants[0].name == "baseline"


def test_variant_training_changes_are_validated():
    with pytest.raises(ConfigError, match=r"unknown training keys \['epoch'\]"):
        validate_scenario({"name": "s", "variants": [{"name": "baseline", "training": {"epoch": 3}}]})
    scenario = validate_scenario({"name": "s", "variants": [{"name": "baseline", "training": {"epochs": 3}}]})
    assert scenario.variants[0].training_config(scenario.training).epochs == 3


def test_without_environ_the_environment_is_not_read(scenario, monkeypatch):
    monkeypatch.setenv("EPOCHS", "4")
    assert apply_overrides(scenario, {"seed": 3}).training.epochs == 9
    assert apply_overrides(scenario, {"seed": 3}, environ={"EPOCHS": "4"}).training.epochs == 4


def test_dotted_keys_reach_fields_mappings_and_variant_params(scenario):
    resolved = apply_overrides(
        scenario,
        {
            "training.epochs": 2,
            "data.tickers": ["NASDAQ"],
            "enhanced.hidden_size": 12,
            "enhanced.training.epochs": 1,
            "backtest.cost_levels_bps": [0, 10],
            "walkforward.purge_days": 3,
        },
    )
    assert resolved.training.epochs == 2 and resolved.data.tickers == ["NASDAQ"]
    assert resolved.variants[0].params == {"hidden_size": 12}
    assert resolved.variants[0].training_config(resolved.training).epochs == 1
    assert resolved.backtest.cost_levels_bps == [0.0, 10.0] and resolved.walkforward.purge_days == 3
    files = apply_overrides(
        scenario, {"data.source": "csv", "data.tickers": ["AAPL"], "data.files": {}, "data.files.AAPL": "a.csv"}
    )
    assert {k: str(v) for k, v in files.data.files.items()} == {"AAPL": "a.csv"}


def test_variants_apply_before_their_params(scenario):
    resolved = apply_overrides(scenario, {"lightweight.hidden_size": 4, "variants": ["lightweight"]})
    assert [(v.name, v.params) for v in resolved.variants] == [("lightweight", {"hidden_size": 4})]
    mapping = apply_overrides(scenario, {"variants": [{"name": "lightweight"}], "lightweight.training.epochs": 1})
    assert mapping.variants[0].training == {"epochs": 1}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("training.epoch", r"unknown key 'training.epoch' \(did you mean 'training.epochs'\?\); allowed in 'training'"),
        ("trainig.epochs", r"unknown key 'trainig.epochs' \(did you mean 'training.epochs'\?\)"),
        ("backtest.fee_bps", r"did you mean 'backtest.fees_bps'"),
        ("enhanced.hiden_size", r"variant 'enhanced' has no hyperparameter 'hiden_size'.*did you mean 'hidden_size'"),
        ("baseline.hidden_size", r"variant 'baseline' is not in this run \(enhanced\); add it"),
        ("seed.value", r"'seed' is not a section; set it as a whole"),
        ("zzz", r"unknown key 'zzz'; allowed at the top level"),
    ],
)
def test_a_bad_dotted_key_is_named_with_a_hint(scenario, key, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(scenario, {key: 1}, source="overrides")


def test_a_bad_value_names_where_it_came_from(scenario):
    with pytest.raises(ConfigError, match=r"^command-line flags: training.epochs = 0"):
        apply_overrides(scenario, {"training.epochs": 0}, source="command-line flags")


def test_params_are_key_value_pairs_read_as_yaml():
    assert parse_params(["enhanced.hidden_size=64", "data.tickers=[SPY, QQQ]", "seed= 7"]) == {
        "enhanced.hidden_size": 64,
        "data.tickers": ["SPY", "QQQ"],
        "seed": 7,
    }
    with pytest.raises(ConfigError, match=r"--param 'enhanced.hidden_size' is not KEY=VALUE"):
        parse_params(["enhanced.hidden_size"])
    with pytest.raises(ConfigError, match=r"--param 'seed=\[1': the value is not valid YAML"):
        parse_params(["seed=[1"])


def test_the_schema_no_longer_imports_the_loader():
    """The loader imports the schema; neither the schema nor a block module it imports may import the loader."""
    import ast
    import importlib
    from pathlib import Path

    def imported(module: str) -> set[str]:
        tree = ast.parse(Path(importlib.import_module(module).__file__).read_text())
        return {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}

    blocks = {m for m in imported("alphacheck.scenarios.schema") if m.startswith("alphacheck.scenarios.")}
    assert "alphacheck.scenarios.backtest" in blocks  # the check reaches the modules split out of the schema
    loader = {"alphacheck.scenarios", "alphacheck.scenarios.loader", "alphacheck.scenarios.overrides"}
    assert not blocks & loader
    assert not {block: imported(block) & loader for block in blocks if imported(block) & loader}


def test_each_variable_that_changes_a_setting_is_said_once(scenario):
    environ = {
        "EPOCHS": "5", "BATCH_SIZE": str(scenario.training.batch_size), "TICKERS": "spy,aapl",
        "INGESTION_START_DATE": "2016-01-04", "MODEL_VARIANT": "enhanced", "SEQUENCE_LENGTH": "12",
    }  # fmt: skip
    flags = {"walkforward.sequence_length": 30, "seed": None}
    assert environment_changes(scenario, environ, flags) == {
        "EPOCHS": "EPOCHS=5 overrides training.epochs=9",
        "TICKERS": "TICKERS=spy,aapl overrides data.tickers=SP500",
        "INGESTION_START_DATE": "INGESTION_START_DATE=2016-01-04 overrides data.start=unset (the default)",
    }  # BATCH_SIZE and MODEL_VARIANT equal the file's; the flag beats SEQUENCE_LENGTH
    assert environment_changes(scenario, {}, flags) == {}
