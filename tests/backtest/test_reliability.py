"""Reliability bins of P(up) and the Brier score, by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from alphacheck.backtest.metrics import probability_metrics
from alphacheck.backtest.reliability import reliability_bins, reliability_section


def _wilson(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_bins_by_hand():
    # Sorted: 0.1 0.2 0.2 0.3 0.4 0.6; terciles (lower) at positions 1 and 3: edges 0.2 and 0.3.
    proba = np.array([0.3, 0.1, 0.2, 0.6, 0.2, 0.4])
    label = np.array([1, 0, 0, 1, 1, 0])
    bins = reliability_bins(proba, label, n_bins=3)
    assert bins["bin"] == [1, 2, 3]
    assert bins["n"] == [3, 1, 2]  # the tied 0.2s share the first bin
    assert bins["proba_low"] == [0.1, 0.3, 0.4] and bins["proba_high"] == [0.2, 0.3, 0.6]
    np.testing.assert_allclose(bins["mean_proba"], [0.5 / 3, 0.3, 0.5])
    np.testing.assert_allclose(bins["up_rate"], [1 / 3, 1.0, 0.5])
    for i, (k, n) in enumerate(((1, 3), (1, 1), (1, 2))):
        low, high = _wilson(k, n)
        assert bins["up_rate_ci_low"][i] == pytest.approx(low, abs=1e-12)
        assert bins["up_rate_ci_high"][i] == pytest.approx(high, abs=1e-12)


def test_bins_hold_equal_counts_without_ties_and_cover_every_prediction():
    rng = np.random.default_rng(0)
    proba = rng.uniform(0.45, 0.6, 1000)
    bins = reliability_bins(proba, rng.uniform(size=1000) < proba)
    assert bins["n"] == [100] * 10
    assert all(a < b for a, b in zip(bins["proba_high"], bins["proba_low"][1:]))


def test_the_section_has_calibrated_and_raw_bins_per_variant():
    rows = pd.DataFrame({"variant": ["a"] * 4 + ["b"] * 4, "proba": [0.2, 0.4, 0.6, 0.8] * 2,
                         "proba_raw": [0.5] * 8, "label": [0, 0, 1, 1] * 2})
    section = reliability_section(rows, n_bins=2)
    assert list(section) == ["a", "b"] and list(section["a"]) == ["proba", "proba_raw"]
    assert section["a"]["proba"]["up_rate"] == [0.0, 1.0]
    assert section["a"]["proba_raw"]["n"] == [4]  # one value: one bin
    assert list(reliability_section(rows.drop(columns="proba_raw"))["a"]) == ["proba"]


def test_brier_score_by_hand():
    scores = probability_metrics(np.array([0.9, 0.2, 0.6]), np.array([1, 0, 0]))
    assert scores["brier"] == pytest.approx((0.01 + 0.04 + 0.36) / 3, abs=1e-15)
