"""examples/plugins/original_target_class.py: two leaks, kept for the case study, that alphacheck catches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from alphacheck.audit import FAIL, feature_causality
from alphacheck.exceptions import LeakageError
from alphacheck.features import build_dataset, compute_features, get_feature, load_plugins
from alphacheck.scenarios.schema import FeatureConfig
from tests.conftest import forget_modules_from

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "examples" / "plugins" / "original_target_class.py"


@pytest.fixture
def plugin(clean_registry):
    """The plugin loaded by its path; unloaded afterwards (the registry is restored by clean_registry)."""
    before = set(sys.modules)
    load_plugins([str(PLUGIN)], include_entry_points=False)
    yield sys.modules["original_target_class"]
    forget_modules_from(PLUGIN.parent, before)


def test_target_class_is_the_label_and_the_literal_one_tomorrows_close(plugin, prices):
    features = compute_features(prices, FeatureConfig(add=["target_class", "target_class_literal"]))
    open_, close = prices["open"].to_numpy(), prices["close"].to_numpy()
    # The label under next_open: filled at the open of t+1, held to the open of t+2.
    label = np.zeros(len(prices))
    label[:-2] = open_[2:] / open_[1:-1] - 1 > 0
    literal = np.zeros(len(prices))
    literal[:-1] = close[1:] > close[:-1]
    assert np.array_equal(features["target_class"].to_numpy(), label)
    assert np.array_equal(features["target_class_literal"].to_numpy(), literal)
    dataset = build_dataset(prices, "basic", plugin.EXECUTION)
    assert np.array_equal(features["target_class"].loc[dataset.index].to_numpy(), dataset["label"].to_numpy())


def test_each_says_plainly_it_is_a_leak(plugin):
    for name in ("target_class", "target_class_literal"):
        assert get_feature(name).formula.startswith("LEAK")
        assert "A LEAK kept for the demonstration" in get_feature(name).function.__doc__


def test_a_run_refuses_them_and_the_audit_names_each(plugin, prices):
    for name in ("target_class", "target_class_literal"):
        with pytest.raises(LeakageError, match=rf"feature '{name}' looks ahead: on \d{{4}}-\d\d-\d\d"):
            build_dataset(prices, FeatureConfig(add=[name]), "next_open")
    check = feature_causality({"T": prices}, FeatureConfig(add=["target_class", "target_class_literal"]))
    assert check.verdict == FAIL
    assert set(check.details["leaking"]) == {"target_class", "target_class_literal"}


def test_the_package_never_imports_it_and_keeps_its_forward_look_outside():
    package = REPO / "alphacheck"
    mentions = [p for p in package.rglob("*.py") if "original_target_class" in p.read_text()]
    assert mentions == []
    # The repository's check: a negative shift in alphacheck/ only in the labels module.
    found = subprocess.run(
        ["grep", "-rlE", r"shift\(\s*-", "--include=*.py", str(package)], capture_output=True, text=True
    ).stdout.split()
    assert [Path(f).name for f in found] in ([], ["labels.py"])
