"""Fixtures for feature and CLI tests: a registry restored after each test, plugin modules on disk."""

from __future__ import annotations

from pathlib import Path

import pytest



@pytest.fixture
def plugin_module(clean_registry: Path) -> str:
    """A plugin module in the working directory: one leaky and one causal feature."""
    (clean_registry / "my_features.py").write_text(_PLUGIN)
    return "my_features"


_PLUGIN = '''
import alphacheck.features


@alphacheck.features.register("tomorrow_return")
def tomorrow_return(prices):
    """Next day's return: the seed project's leak."""
    return prices["close"].pct_change().shift(-1)


@alphacheck.features.register("range_ratio", windows={"window": 5})
def range_ratio(prices, window):
    """(high - low) / close, averaged over window."""
    return ((prices["high"] - prices["low"]) / prices["close"]).rolling(window).mean()
'''
