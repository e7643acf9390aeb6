"""The calibrator against independent computations: scikit-learn and answers known by construction."""

import json

import numpy as np
import pytest

from alphacheck.exceptions import ConfigError
from alphacheck.models.calibration import (
    MIN_ROWS,
    ProbabilityCalibrator,
    isotonic_fit,
    platt_fit,
)


def _logit(p):
    return np.log(p) - np.log1p(-p)


def _weakly_informative(n, seed, pos_weight=0.8):
    """Raw P(up) as a pos_weight-trained model gives it: the true odds times ``pos_weight``."""
    rng = np.random.default_rng(seed)
    true_logit = 0.2 + 0.6 * rng.standard_normal(n)
    label = rng.uniform(size=n) < 1 / (1 + np.exp(-true_logit))
    raw = 1 / (1 + np.exp(-(true_logit + np.log(pos_weight))))
    return raw, label


def test_platt_matches_scikit_learn_logistic_regression_on_platts_targets():
    from sklearn.linear_model import LogisticRegression

    raw, label = _weakly_informative(400, seed=1)
    n_up, n_down = label.sum(), (~label).sum()
    target = np.where(label, (n_up + 1) / (n_up + 2), 1 / (n_down + 2))
    # A soft target t is a row counted as up with weight t and as down with weight 1 - t.
    x = np.concatenate([_logit(raw), _logit(raw)])[:, None]
    y = np.concatenate([np.ones(len(raw)), np.zeros(len(raw))])
    weight = np.concatenate([target, 1 - target])
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(x, y, sample_weight=weight)
    slope, intercept = platt_fit(_logit(raw), label)
    assert slope == pytest.approx(reference.coef_[0, 0], abs=1e-6)
    assert intercept == pytest.approx(reference.intercept_[0], abs=1e-6)
    calibrator = ProbabilityCalibrator("platt").fit(raw, label)
    fresh = np.linspace(0.3, 0.7, 9)
    expected = reference.predict_proba(_logit(fresh)[:, None])[:, 1]
    np.testing.assert_allclose(calibrator.predict_proba(fresh), expected, atol=1e-7)


def test_platt_undoes_the_pos_weight_shift():
    # Weighting up days by w multiplies the learnt odds by w: the exact inverse is slope 1, intercept -log(w).
    raw, label = _weakly_informative(200_000, seed=2, pos_weight=0.8)
    slope, intercept = platt_fit(_logit(raw), label)
    assert slope == pytest.approx(1.0, abs=0.03)
    assert intercept == pytest.approx(-np.log(0.8), abs=0.03)


def test_platt_mean_prediction_equals_the_mean_target_on_its_tail():
    # The intercept's score equation: at the maximum, mean fitted P(up) = mean smoothed target.
    raw, label = _weakly_informative(300, seed=3)
    calibrator = ProbabilityCalibrator("platt").fit(raw, label)
    n_up, n = label.sum(), len(label)
    mean_target = (n_up * (n_up + 1) / (n_up + 2) + (n - n_up) / (n - n_up + 2)) / n
    assert calibrator.predict_proba(raw).mean() == pytest.approx(mean_target, abs=1e-10)
    assert abs(raw.mean() - label.mean()) > 0.04  # the raw scale is off by construction


def test_platt_never_reverses_the_ranking():
    raw, label = _weakly_informative(300, seed=4)
    backwards = 1 - raw  # a model that ranks the tail backwards
    calibrator = ProbabilityCalibrator("platt").fit(backwards, label)
    assert calibrator.slope_ == 0.0
    n_up, n = label.sum(), len(label)
    mean_target = (n_up * (n_up + 1) / (n_up + 2) + (n - n_up) / (n - n_up + 2)) / n
    np.testing.assert_allclose(calibrator.predict_proba(np.array([0.1, 0.5, 0.9])), mean_target, atol=1e-12)
    assert "slope is held at 0" in calibrator.note_


def test_isotonic_by_hand():
    # y = 1, 0, 1, 1 over increasing x: the first two violate, pooled to 0.5.
    x, fitted = isotonic_fit(np.array([0.1, 0.2, 0.3, 0.4]), np.array([1.0, 0.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x, [0.1, 0.2, 0.3, 0.4])
    np.testing.assert_allclose(fitted, [0.5, 0.5, 1.0, 1.0])


def test_isotonic_matches_scikit_learn_with_ties_and_out_of_range_points():
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(5)
    raw = np.round(rng.uniform(0.4, 0.6, 300), 3)  # rounded: many ties
    label = rng.uniform(size=300) < raw
    reference = IsotonicRegression(out_of_bounds="clip").fit(raw, label.astype(float))
    calibrator = ProbabilityCalibrator("isotonic").fit(raw, label)
    fresh = np.concatenate([rng.uniform(0.35, 0.65, 200), raw])
    bound = 1 / (len(label) + 2)
    expected = np.clip(reference.predict(fresh), bound, 1 - bound)
    np.testing.assert_allclose(calibrator.predict_proba(fresh), expected, atol=1e-12)
    assert calibrator.predict_proba(fresh).min() >= bound  # never a certainty


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_a_tail_of_one_class_falls_back_to_the_identity_with_a_note(method):
    raw = np.linspace(0.4, 0.6, 120)
    calibrator = ProbabilityCalibrator(method).fit(raw, np.ones(120))
    assert calibrator.method_ == "identity"
    assert "120 rows, 120 up, 0 down" in calibrator.note_
    np.testing.assert_array_equal(calibrator.predict_proba(raw), raw)
    assert calibrator.summary()["calibration_note"] == calibrator.note_


def test_a_short_tail_falls_back_to_the_identity_with_a_note():
    raw, label = _weakly_informative(MIN_ROWS - 1, seed=6)
    calibrator = ProbabilityCalibrator("platt").fit(raw, label)
    assert calibrator.method_ == "identity"
    assert f"({MIN_ROWS - 1} rows" in calibrator.note_
    np.testing.assert_array_equal(calibrator.predict_proba(raw), raw)


def test_none_is_the_identity_without_a_note():
    raw, label = _weakly_informative(200, seed=7)
    calibrator = ProbabilityCalibrator("none").fit(raw, label)
    assert (calibrator.method_, calibrator.note_) == ("identity", None)
    np.testing.assert_array_equal(calibrator.predict_proba(raw), raw)


@pytest.mark.parametrize("method", ["platt", "isotonic", "none"])
def test_the_fitted_calibrator_survives_json(method):
    raw, label = _weakly_informative(200, seed=8)
    calibrator = ProbabilityCalibrator(method).fit(raw, label)
    again = ProbabilityCalibrator.from_dict(json.loads(json.dumps(calibrator.to_dict())))
    np.testing.assert_array_equal(again.predict_proba(raw), calibrator.predict_proba(raw))


def test_an_unknown_method_is_named_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"training.calibration 'platts' is unknown \(did you mean 'platt'"):
        ProbabilityCalibrator("platts").fit(np.array([0.5]), np.array([1]))


def test_predicting_before_fitting_says_so():
    with pytest.raises(RuntimeError, match="not fitted"):
        ProbabilityCalibrator().predict_proba(np.array([0.5]))
