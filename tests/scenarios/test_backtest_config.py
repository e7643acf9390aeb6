"""The backtest section of a scenario: new fields, their defaults and their errors."""

from __future__ import annotations

import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.scenarios.loader import validate_scenario
from alphacheck.scenarios.schema import BacktestConfig


def test_defaults_keep_the_skeleton_behaviour() -> None:
    config = BacktestConfig()
    assert (config.policy, config.neutral, config.sizing, config.execution) == (
        "long_only",
        "flat",
        "fixed",
        "next_open",
    )
    assert config.upper == config.lower == config.threshold == 0.5
    assert config.min_holding_days == 1 and config.fraction == 1.0


def test_band_from_yaml_mapping() -> None:
    scenario = validate_scenario(
        {
            "name": "t",
            "backtest": {
                "policy": "long_short",
                "upper_threshold": 0.55,
                "lower_threshold": 0.45,
                "neutral": "hold",
                "sizing": "volatility",
                "fixed_fee": 1.0,
            },
        }
    )
    assert (scenario.backtest.upper, scenario.backtest.lower) == (0.55, 0.45)


def test_inverted_band_names_both_fields() -> None:
    with pytest.raises(ConfigError, match=r"lower_threshold \(0.6\) is above upper_threshold \(0.4\)"):
        validate_scenario({"name": "t", "backtest": {"upper_threshold": 0.4, "lower_threshold": 0.6}})


def test_unknown_policy_and_key_are_refused() -> None:
    with pytest.raises(ConfigError, match="backtest.policy = 'long_shrt'"):
        validate_scenario({"name": "t", "backtest": {"policy": "long_shrt"}})
    with pytest.raises(ConfigError, match="did you mean 'min_holding_days'"):
        validate_scenario({"name": "t", "backtest": {"min_holding_day": 3}})


def test_negative_cost_level_is_refused() -> None:
    with pytest.raises(ConfigError, match="cost_levels_bps must be >= 0"):
        validate_scenario({"name": "t", "backtest": {"cost_levels_bps": [0, -5]}})


@pytest.mark.parametrize("key", ["max_leverage", "fraction"])
def test_weights_beyond_one_are_refused_with_the_reason(key) -> None:
    # A long 1.5 used to be filled at 1.0 (the simulator caps buys at the cash held) while shorts got 1.5.
    with pytest.raises(ConfigError, match=rf"backtest.{key} = 1.5: .*cannot borrow cash.*set {key} <= 1"):
        validate_scenario({"name": "t", "backtest": {"sizing": "volatility", key: 1.5}})
    assert getattr(validate_scenario({"name": "t", "backtest": {key: 1.0}}).backtest, key) == 1.0


def test_trials_declare_the_search_before_the_run_and_null_draws_are_bounded() -> None:
    assert (BacktestConfig().trials, BacktestConfig().null_draws) == (0, 200)
    # a run folder written when `trials` could be null still loads
    assert validate_scenario({"name": "t", "backtest": {"trials": None}}).backtest.trials == 0
    with pytest.raises(ConfigError, match="backtest.trials = -1"):
        validate_scenario({"name": "t", "backtest": {"trials": -1}})
    with pytest.raises(ConfigError, match="backtest.null_draws = 5"):
        validate_scenario({"name": "t", "backtest": {"null_draws": 5}})
