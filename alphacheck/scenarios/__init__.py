"""Scenario configuration: the YAML schema, its loader and the one override function."""

from alphacheck.scenarios.loader import find_scenario, load_scenario, shipped_scenarios, validate_scenario
from alphacheck.scenarios.overrides import apply_overrides
from alphacheck.scenarios.portfolio import PortfolioConfig
from alphacheck.scenarios.report import ReportConfig
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
    "ReportConfig",
    "Scenario",
    "TrainingConfig",
    "VariantConfig",
    "WalkForwardConfig",
    "apply_overrides",
    "find_scenario",
    "load_scenario",
    "shipped_scenarios",
    "validate_scenario",
]
