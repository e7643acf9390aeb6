"""Leakage and sanity checks: does a figure come from an edge, a leak or a degenerate model?"""

from alphacheck.audit.drift import drift, population_stability_index
from alphacheck.audit.features import feature_causality, stump_accuracy, target_leakage
from alphacheck.audit.predictions import (
    degenerate_predictor,
    prediction_causality,
    shuffled_labels,
    too_good_to_be_true,
)
from alphacheck.audit.runner import CHECKS_WITHOUT_TRAINING, audit_dataset, audit_without_training, run_audit
from alphacheck.audit.splits import scaler_leaks, split_hygiene
from alphacheck.audit.verdict import FAIL, PASS, WARN, AuditReport, Check, format_audit_table

__all__ = [
    "CHECKS_WITHOUT_TRAINING",
    "FAIL",
    "PASS",
    "WARN",
    "AuditReport",
    "Check",
    "audit_dataset",
    "audit_without_training",
    "degenerate_predictor",
    "drift",
    "feature_causality",
    "format_audit_table",
    "population_stability_index",
    "prediction_causality",
    "run_audit",
    "scaler_leaks",
    "shuffled_labels",
    "split_hygiene",
    "stump_accuracy",
    "target_leakage",
    "too_good_to_be_true",
]
