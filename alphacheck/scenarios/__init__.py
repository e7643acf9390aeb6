"""Scenario configuration: the YAML schema and its loader."""

from alphacheck.scenarios.loader import find_scenario, load_scenario, shipped_scenarios, validate_scenario
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.schema import (
    BacktestConfig,
    DataConfig,
    FeatureConfig,
    Scenario,
    TrainingConfig,
    VariantConfig,
    WalkForwardConfig,
)

__all__ = [
    "BacktestConfig",
    "DataConfig",
    "FeatureConfig",
    "PortfolioConfig",
    "Scenario",
    "TrainingConfig",
    "VariantConfig",
    "WalkForwardConfig",
    "find_scenario",
    "load_scenario",
    "shipped_scenarios",
    "validate_scenario",
]
