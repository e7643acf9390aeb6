"""Scenario file < environment variables < command-line flags."""

from __future__ import annotations

import datetime as dt

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios import load_scenario, validate_scenario
from alphacheck.scenarios.overrides import apply_overrides, env_overrides, tracking_uri


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
    resolved = apply_overrides(scenario, {"training.epochs": 3, "seed": None}, environ)
    assert resolved.training.epochs == 3  # flag
    assert resolved.training.batch_size == 16  # environment
    assert resolved.training.patience == scenario.training.patience  # file / default
    assert apply_overrides(scenario, {}, {}).training.epochs == 9


def test_variant_names_keep_the_params_the_file_gave(scenario):
    resolved = apply_overrides(scenario, {}, {"MODEL_VARIANT": "baseline,enhanced"})
    assert [v.name for v in resolved.variants] == ["baseline", "enhanced"]
    assert resolved.variants[1].params == {"hidden_size": 8}


def test_bad_environment_value_names_the_variable(scenario):
    with pytest.raises(ConfigError, match=r"EPOCHS='many' is not valid for training.epochs"):
        apply_overrides(scenario, {}, {"EPOCHS": "many"})
    with pytest.raises(ConfigError, match=r"environment variables \(BATCH_SIZE\).*training.batch_size"):
        apply_overrides(scenario, {}, {"BATCH_SIZE": "0"})
    with pytest.raises(ConfigError, match=r"unknown model variant 'basline'.*did you mean 'baseline'"):
        apply_overrides(scenario, {}, {"MODEL_VARIANT": "basline"})


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
