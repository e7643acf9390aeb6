"""Causal features and forward-looking labels (labels only in ``labels.py``)."""

from alphacheck.features.labels import EXECUTIONS, forward_return, label_horizon
from alphacheck.features.sets import FEATURE_SETS, build_dataset, compute_features

__all__ = [
    "EXECUTIONS",
    "FEATURE_SETS",
    "build_dataset",
    "compute_features",
    "forward_return",
    "label_horizon",
]
