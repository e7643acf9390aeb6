"""Causal features and forward-looking labels (labels only in ``labels.py``).

Custom features: ``@alphacheck.features.register("name")`` on a function
``(prices) -> Series | DataFrame`` in a module loaded with ``--plugin MODULE``.
"""

from alphacheck.features.causality import CausalityReport, check_causality
from alphacheck.features.labels import EXECUTIONS, forward_return, label_horizon
from alphacheck.features.plugins import load_plugins, loaded_plugins
from alphacheck.features.registry import FEATURES, Feature, get_feature, register
from alphacheck.features.sets import FEATURE_SETS, build_dataset, compute_features, resolve_features

__all__ = [
    "EXECUTIONS",
    "FEATURES",
    "FEATURE_SETS",
    "CausalityReport",
    "Feature",
    "build_dataset",
    "check_causality",
    "compute_features",
    "forward_return",
    "get_feature",
    "label_horizon",
    "load_plugins",
    "loaded_plugins",
    "register",
    "resolve_features",
]
