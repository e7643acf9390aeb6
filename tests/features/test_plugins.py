"""Custom features: the register decorator, --plugin modules, entry points, leak detection in runs."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pandas as pd
import pytest

import alphacheck.features
from alphacheck.exceptions import ConfigError, LeakageError, LeakageWarning
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


def test_allow_lookahead_lets_only_the_named_leak_through_with_a_warning(clean_registry, prices):
    @alphacheck.features.register("tomorrow_up")
    def tomorrow_up(p):
        """Whether the next close is higher (0 on the last day): a leak."""
        return (p["close"].shift(-1) > p["close"]).astype(float)

    @alphacheck.features.register("tomorrow_down")
    def tomorrow_down(p):
        """Whether the next close is lower: another leak."""
        return (p["close"].shift(-1) < p["close"]).astype(float)

    accepted = FeatureConfig(add=["tomorrow_up"], allow_lookahead="tomorrow_up")
    with pytest.warns(LeakageWarning, match=r"'tomorrow_up' looks ahead: on \d{4}-\d\d-\d\d .* every verdict"):
        data = build_dataset(prices, accepted, "next_close")
    close = prices["close"]
    assert data["tomorrow_up"].equals((close.shift(-1) > close).astype(float).loc[data.index])
    with pytest.raises(LeakageError, match=r"'tomorrow_up' looks ahead"):
        build_dataset(prices, FeatureConfig(add=["tomorrow_up"]), "next_close")
    both = FeatureConfig(add=["tomorrow_up", "tomorrow_down"], allow_lookahead=["tomorrow_up"])
    with pytest.warns(LeakageWarning), pytest.raises(LeakageError, match=r"'tomorrow_down' looks ahead"):
        build_dataset(prices, both, "next_close")


@pytest.mark.parametrize(
    ("module", "match"),
    [
        ("no_such_features", r"--plugin 'no_such_features': no such module in the installed packages, and no "
         r"no_such_features.py .* give the file's path"),
        ("my_features.py", r"--plugin 'my_features.py': no such Python file"),
        ("my-features", r"--plugin 'my-features' is not a module name"),
        ("broken_plugin", r"--plugin 'broken_plugin' failed to import: ZeroDivisionError"),
        ("broken_plugin.py", r"--plugin 'broken_plugin.py' failed to import: ZeroDivisionError"),
        ("sub/torch.py",
         r"--plugin 'sub/torch.py': the module name 'torch' is taken by (an installed module|/)"),
        ("sub/2x.py", r"--plugin 'sub/2x.py': '2x' is not a valid module name; rename the file"),
    ],
)  # fmt: skip
def test_plugin_errors_are_named(clean_registry, module, match):
    (clean_registry / "broken_plugin.py").write_text("1 / 0\n")
    (clean_registry / "sub").mkdir()
    (clean_registry / "sub" / "torch.py").write_text("raise SystemExit('must never run')\n")
    (clean_registry / "sub" / "2x.py").write_text("\n")
    with pytest.raises(ConfigError, match=match):
        load_plugins([module], include_entry_points=False)
    assert "broken_plugin" not in sys.modules


def test_loading_plugins_never_changes_sys_path(clean_registry, plugin_module):
    (clean_registry / "sibling.py").write_text("raise SystemExit('a file the user did not name ran')\n")
    before = list(sys.path)
    load_plugins([plugin_module], include_entry_points=False)
    assert sys.path == before
    assert get_feature("range_ratio").name == "range_ratio"
    # Only the named module came from the working directory; its neighbours are not importable.
    with pytest.raises(ModuleNotFoundError, match="No module named 'sibling'"):
        __import__("sibling")


_PATH_PLUGIN = """
import alphacheck.features


@alphacheck.features.register("hl_gap")
def hl_gap(prices):
    "high - low."
    return prices["high"] - prices["low"]
"""


def test_plugin_by_file_path(clean_registry, prices):
    folder = clean_registry / "elsewhere"
    folder.mkdir()
    (folder / "path_features.py").write_text(_PATH_PLUGIN)
    assert load_plugins(["elsewhere/path_features.py"], include_entry_points=False) == ["path_features"]
    assert sys.modules["path_features"].__file__ == str((folder / "path_features.py").resolve())
    features = compute_features(prices, FeatureConfig(add=["hl_gap"]))
    assert features["hl_gap"].iloc[3] == pytest.approx(prices["high"].iloc[3] - prices["low"].iloc[3])
    # Loading the same file again is a no-op, and it is remembered for worker processes.
    assert load_plugins([str(folder / "path_features.py")], include_entry_points=False) == ["path_features"]
    assert str((folder / "path_features.py").resolve()) in plugins_module.loaded_plugins()


def test_dotted_plugin_from_a_package_in_the_working_directory(clean_registry):
    package = clean_registry / "team_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "momentum.py").write_text(_PATH_PLUGIN.replace("hl_gap", "hl_gap_2"))
    assert load_plugins(["team_plugins.momentum"], include_entry_points=False) == ["team_plugins.momentum"]
    assert get_feature("hl_gap_2").function.__module__ == "team_plugins.momentum"


def test_a_scenario_cannot_name_code_to_import(clean_registry):
    from alphacheck.scenarios.loader import validate_scenario

    for key in ("plugins", "plugin", "modules"):
        with pytest.raises(ConfigError, match=key):
            validate_scenario({"name": "x", key: ["evil"]}, source="x.yaml")
    with pytest.raises(ConfigError, match=r"plugin"):
        validate_scenario({"name": "x", "features": {"plugin": "evil"}}, source="x.yaml")


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
