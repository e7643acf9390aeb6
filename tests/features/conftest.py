"""Fixtures for feature and CLI tests: a registry restored after each test, plugin modules on disk."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from alphacheck.features import plugins as plugins_module
from alphacheck.features import registry
from tests.conftest import forget_modules_from


@pytest.fixture
def clean_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Restore the feature registry, sys.modules and sys.path after the test; cwd is tmp_path."""
    saved = dict(registry._REGISTRY)
    modules = set(sys.modules)
    path = list(sys.path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plugins_module, "_loaded_entry_points", False)
    yield tmp_path
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)
    forget_modules_from(tmp_path, modules)
    sys.path[:] = path


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
