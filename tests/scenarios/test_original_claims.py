"""The shipped ``original_claims`` scenario: the original project's setup, and its environment variables."""

from __future__ import annotations

import datetime as dt

import pytest

from alphacheck.api import resolve_scenario
from alphacheck.exceptions import ConfigError
from alphacheck.features import FEATURE_SETS, resolve_features
from alphacheck.scenarios import load_scenario

# The original's variables, each set to a value unlike the scenario's.
_ORIGINAL_VARIABLES = {
    "MODEL_VARIANT": "advanced",
    "BATCH_SIZE": "32",
    "EPOCHS": "3",
    "LEARNING_RATE": "0.0005",
    "SEQUENCE_LENGTH": "10",
    "TICKERS": "msft",
    "INGESTION_START_DATE": "2019-01-02",
    "INGESTION_END_DATE": "2022-12-30",
    "FORCE_CPU": "1",
}


def test_the_original_setup():
    scenario = load_scenario("original_claims")
    assert (scenario.data.source, scenario.data.tickers) == ("yahoo", ["AAPL", "MSFT"])
    assert (scenario.data.start, scenario.data.end) == (dt.date(2018, 1, 1), dt.date(2023, 12, 31))
    assert [v.name for v in scenario.variants] == ["baseline", "advanced"]
    assert scenario.walkforward.sequence_length == 20
    assert scenario.backtest.execution == "next_open"
    # The basic and the advanced set together, each feature once.
    names = [feature.name for feature, _ in resolve_features(scenario.features)]
    assert sorted(names) == sorted(set(FEATURE_SETS["basic"]) | set(FEATURE_SETS["advanced"]))
    assert len(names) == len(set(names)) == 43


def test_the_originals_environment_variables_override_it(monkeypatch):
    for name, value in _ORIGINAL_VARIABLES.items():
        monkeypatch.setenv(name, value)
    scenario = resolve_scenario("original_claims")
    assert [v.name for v in scenario.variants] == ["advanced"]
    assert (scenario.training.batch_size, scenario.training.epochs) == (32, 3)
    assert scenario.training.learning_rate == 0.0005
    assert scenario.walkforward.sequence_length == 10
    assert scenario.data.tickers == ["MSFT"]
    assert (scenario.data.start, scenario.data.end) == (dt.date(2019, 1, 2), dt.date(2022, 12, 30))
    assert scenario.device == "cpu"


def test_a_bad_original_variable_is_named(monkeypatch):
    monkeypatch.setenv("EPOCHS", "many")
    with pytest.raises(ConfigError, match=r"EPOCHS='many'"):
        resolve_scenario("original_claims")
