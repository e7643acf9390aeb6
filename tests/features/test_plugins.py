"""Custom features: the register decorator, --plugin modules, entry points, leak detection in runs."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pandas as pd
import pytest

import alphacheck.features
from alphacheck.exceptions import ConfigError, LeakageError
from alphacheck.features import FEATURES, build_dataset, compute_features, get_feature, load_plugins
from alphacheck.features import plugins as plugins_module
from alphacheck.scenarios.schema import FeatureConfig


def test_register_is_importable_without_heavy_libraries():
    code = (
        "import sys, alphacheck.features; f = alphacheck.features.register; "
        "heavy = [m for m in ('torch', 'vectorbt', 'quantstats', 'mlflow', 'matplotlib') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_registered_series_and_frame_features(clean_registry, prices):
    @alphacheck.features.register("spread", windows={"window": 3})
    def spread(p, window):
        """Mean of (high - low) over window."""
        return (p["high"] - p["low"]).rolling(window).mean()

    @alphacheck.features.register("pair", formula="two columns")
    def pair(p):
        return pd.DataFrame({"up": p["close"].diff() > 0, "size": p["close"].diff().abs()})

    assert (
        FEATURES["spread"].formula == "Mean of (high - low) over window." and not FEATURES["spread"].builtin
    )
    config = FeatureConfig(add=["spread", "pair"], windows={"spread": 4})
    features = compute_features(prices, config)
    assert list(features.columns[-3:]) == ["spread", "pair_up", "pair_size"]
    hl = (prices["high"] - prices["low"]).to_numpy()
    assert features["spread"].iloc[10] == pytest.approx(hl[7:11].mean(), rel=1e-12)
    assert features["pair_up"].dtype == "float64"


def test_register_refuses_bad_and_taken_names(clean_registry):
    with pytest.raises(ConfigError, match=r"feature name 'my signal' is not valid"):
        alphacheck.features.register("my signal")
    with pytest.raises(ConfigError, match=r"feature 'rsi_14' is already registered by alphacheck.features"):
        alphacheck.features.register("rsi_14")(lambda p: p["close"])


def test_misaligned_output_is_named(clean_registry, prices):
    @alphacheck.features.register("dropped_warmup")
    def dropped_warmup(p):
        return p["close"].rolling(5).mean().dropna()

    with pytest.raises(ConfigError, match=r"'dropped_warmup' returned 296 rows on other dates than the 300"):
        compute_features(prices, FeatureConfig(add=["dropped_warmup"]))


def test_plugin_module_from_working_directory(plugin_module, prices):
    assert load_plugins([plugin_module], include_entry_points=False) == ["my_features"]
    assert get_feature("range_ratio").windows == {"window": 5}
    data = build_dataset(prices, FeatureConfig(add=["range_ratio"]), "next_open")
    assert "range_ratio" in data.columns


def test_leaky_plugin_feature_stops_the_dataset(plugin_module, prices):
    load_plugins([plugin_module], include_entry_points=False)
    with pytest.raises(LeakageError, match=r"'tomorrow_return' looks ahead: on \d{4}-\d\d-\d\d column"):
        build_dataset(prices, FeatureConfig(add=["tomorrow_return"]), "next_open")


@pytest.mark.parametrize(
    ("module", "match"),
    [
        ("no_such_features", r"--plugin 'no_such_features': no such module in .*; check the name"),
        ("my_features.py", r"--plugin 'my_features.py' is not a module name; .* --plugin my_features "),
        ("broken_plugin", r"--plugin 'broken_plugin' failed to import: ZeroDivisionError"),
    ],
)
def test_plugin_errors_are_named(clean_registry, module, match):
    (clean_registry / "broken_plugin.py").write_text("1 / 0\n")
    with pytest.raises(ConfigError, match=match):
        load_plugins([module], include_entry_points=False)


def test_entry_points_load_once_and_on_unknown_names(plugin_module, monkeypatch):
    seen = []
    entry = EntryPoint(name="mine", value="my_features", group=plugins_module.ENTRY_POINT_GROUP)

    def fake_entry_points(group):
        seen.append(group)
        return [entry]

    monkeypatch.setattr(plugins_module, "entry_points", fake_entry_points)
    monkeypatch.syspath_prepend(".")  # where an installed package's module would be importable
    # An unknown name makes the registry load the entry points, which registers range_ratio.
    assert get_feature("range_ratio").name == "range_ratio"
    assert seen == ["alphacheck.features"]
    assert load_plugins([]) == []  # already loaded once in this process
    assert seen == ["alphacheck.features"]
    with pytest.raises(ConfigError, match=r"unknown feature 'range_rato' \(did you mean 'range_ratio'\?\)"):
        get_feature("range_rato")
