"""Calibrated P(up): a map from a model's own sigmoid to a probability that matches the realised up rate.

The trainer weights the positive class by ``pos_weight = negatives / positives``,
which multiplies the odds the model learns by that weight: with 54% up days
its sigmoid centres near 0.50, not 0.54. A calibrator fitted per fold on the
fold's validation tail (the purged last part of its training range, the rows
early stopping already watches; never test rows) maps the model's output back
to a probability, and the fold's test predictions go through it.

Methods (``training.calibration``):

- ``platt`` (default): ``P = sigmoid(slope * logit(p_raw) + intercept)``, fitted
  by maximum likelihood with Platt's (1999) smoothed targets
  ``(n_up + 1) / (n_up + 2)`` and ``1 / (n_down + 2)``, so the fit stays
  finite on a tail that one score separates. Two parameters suit the short
  validation tails of a walk-forward (100-300 rows a ticker), where isotonic
  regression overfits (Niculescu-Mizil and Caruana, 2005), and the
  ``pos_weight`` distortion is itself a shift of the logit, which Platt
  undoes exactly (slope 1, intercept ``-log(pos_weight)``). The slope is held
  at 0 or above: a calibrator maps scores to probabilities and must not
  reverse the model's ranking. When the unconstrained slope is negative the
  constrained maximum lies at slope 0 (the likelihood is concave), so every
  prediction becomes the tail's smoothed up rate, and the fold record says so.
- ``isotonic``: the non-decreasing step function fitted by pool-adjacent-
  violators, interpolated linearly between its steps (as scikit-learn's
  ``IsotonicRegression``), bounded to ``[1/(n+2), (n+1)/(n+2)]`` so no
  prediction is a certainty. Better with long validation tails.
- ``none``: the model's own sigmoid.

A tail with fewer than :data:`MIN_ROWS` rows or fewer than
:data:`MIN_PER_CLASS` rows of either class cannot be calibrated: the
calibrator falls back to the identity and its ``note_`` says why (the fold
record carries it as ``calibration_note``).

Only numpy here; :class:`CalibratedModel` imports torch when it predicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from alphacheck.exceptions import ConfigError, did_you_mean

__all__ = [
    "CALIBRATIONS",
    "MIN_PER_CLASS",
    "MIN_ROWS",
    "CalibratedModel",
    "CalibratedProba",
    "ProbabilityCalibrator",
    "isotonic_fit",
    "platt_fit",
]

CALIBRATIONS = ("platt", "isotonic", "none")
#: Fewest validation rows a calibration is fitted on.
MIN_ROWS = 50
#: Fewest validation rows of each class (up, down) a calibration is fitted on.
MIN_PER_CLASS = 5
# Scores are logits of probabilities clipped here, so a saturated sigmoid stays finite.
_CLIP = 1e-7
_NEWTON_STEPS = 100
_TOLERANCE = 1e-12


def platt_fit(scores: np.ndarray, label: np.ndarray) -> tuple[float, float]:
    """Platt scaling: ``(slope, intercept)`` of ``sigmoid(slope * score + intercept)``, slope >= 0.

    Maximum likelihood on Platt's smoothed targets, by Newton's method on
    standardised scores (well conditioned when the scores barely vary).

    Parameters
    ----------
    scores
        The model's logits, one per row.
    label
        0/1 outcomes.

    Returns
    -------
    tuple of float
        Slope and intercept on the scale of ``scores``.
    """
    scores = np.asarray(scores, dtype="float64")
    target = _platt_targets(np.asarray(label, dtype=bool))
    centre, spread = float(scores.mean()), float(scores.std())
    if spread == 0.0:
        return 0.0, _logit(float(target.mean()))
    design = np.column_stack([(scores - centre) / spread, np.ones(len(scores))])
    coef = _newton_logistic(design, target)
    if coef[0] <= 0.0:  # the concave likelihood's maximum over slope >= 0 lies at slope 0
        return 0.0, _logit(float(target.mean()))
    slope = coef[0] / spread
    return float(slope), float(coef[1] - slope * centre)


def isotonic_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Non-decreasing least-squares fit of ``y`` on ``x`` (pool adjacent violators).

    Rows with equal ``x`` are pooled first (their mean ``y``, weighted by
    count), as scikit-learn does.

    Returns
    -------
    tuple of numpy.ndarray
        The distinct ``x`` values, sorted, and the fitted value at each;
        interpolate linearly between them.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    unique, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=y)
    blocks: list[list[float]] = []  # [sum of y, weight, number of distinct x]
    for total, weight in zip(sums, counts.astype("float64")):
        blocks.append([total, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total_b, weight_b, size_b = blocks.pop()
            blocks[-1][0] += total_b
            blocks[-1][1] += weight_b
            blocks[-1][2] += size_b
    fitted = np.repeat([b[0] / b[1] for b in blocks], [b[2] for b in blocks])
    return unique, fitted


class ProbabilityCalibrator:
    """Map a model's P(up) to a calibrated P(up), fitted on a validation tail.

    Parameters
    ----------
    method
        ``platt``, ``isotonic`` or ``none`` (see the module docstring).

    Attributes
    ----------
    method_
        What was fitted: ``platt``, ``isotonic`` or ``identity`` (``none``
        asked for, or a tail too small to fit on).
    note_
        Why a requested calibration fell back to the identity, else ``None``.
    slope_, intercept_
        Platt's parameters (``None`` otherwise).
    x_thresholds_, y_thresholds_
        The isotonic steps (``None`` otherwise).
    n_rows_, up_rate_
        Size and realised up rate of the tail it was fitted on.
    """

    def __init__(self, method: str = "platt") -> None:
        self.method = method

    def fit(self, proba_raw: np.ndarray, label: np.ndarray) -> ProbabilityCalibrator:
        """Fit on the validation tail's raw P(up) and its 0/1 labels; returns self."""
        if self.method not in CALIBRATIONS:
            raise ConfigError(
                f"training.calibration {self.method!r} is unknown{did_you_mean(self.method, CALIBRATIONS)}; "
                f"pick one of {', '.join(CALIBRATIONS)}"
            )
        proba_raw = np.asarray(proba_raw, dtype="float64")
        label = np.asarray(label).astype(bool)
        self.n_rows_ = len(label)
        self.up_rate_ = float(label.mean()) if len(label) else None
        self.slope_ = self.intercept_ = self.x_thresholds_ = self.y_thresholds_ = None
        self.method_, self.note_ = "identity", _too_small(label) if self.method != "none" else None
        if self.method == "none" or self.note_:
            return self
        self.method_ = self.method
        if self.method == "platt":
            self.slope_, self.intercept_ = platt_fit(_logit(proba_raw), label)
            if self.slope_ == 0.0:
                self.note_ = (
                    "the model ranked its validation tail backwards or not at all (Platt slope <= 0); "
                    "the slope is held at 0, so every test prediction is the tail's up rate"
                )
        else:
            x, y = isotonic_fit(proba_raw, label.astype("float64"))
            bound = 1.0 / (len(label) + 2)
            self.x_thresholds_, self.y_thresholds_ = x, np.clip(y, bound, 1.0 - bound)
        return self

    def predict_proba(self, proba_raw: np.ndarray) -> np.ndarray:
        """Calibrated P(up) for the model's own P(up)."""
        if not hasattr(self, "method_"):
            raise RuntimeError("ProbabilityCalibrator is not fitted; call fit() first")
        proba_raw = np.asarray(proba_raw, dtype="float64")
        if self.method_ == "platt":
            return _sigmoid(self.slope_ * _logit(proba_raw) + self.intercept_)
        if self.method_ == "isotonic":
            return np.interp(proba_raw, self.x_thresholds_, self.y_thresholds_)
        return proba_raw.copy()

    def to_dict(self) -> dict[str, Any]:
        """Everything :meth:`from_dict` needs, as JSON-able data (for checkpoints and model files)."""
        as_list = lambda a: None if a is None else [float(v) for v in a]  # noqa: E731
        return {
            "method": self.method,
            "method_": self.method_,
            "note_": self.note_,
            "slope_": self.slope_,
            "intercept_": self.intercept_,
            "x_thresholds_": as_list(self.x_thresholds_),
            "y_thresholds_": as_list(self.y_thresholds_),
            "n_rows_": self.n_rows_,
            "up_rate_": self.up_rate_,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> ProbabilityCalibrator:
        """The fitted calibrator that :meth:`to_dict` wrote."""
        calibrator = cls(state["method"])
        for key, value in state.items():
            if key.endswith("_"):
                array = key in ("x_thresholds_", "y_thresholds_") and value is not None
                setattr(calibrator, key, np.asarray(value, dtype="float64") if array else value)
        return calibrator

    def summary(self) -> dict[str, object]:
        """Flat fields for a fold's record: what was fitted, its parameters and any fallback note."""
        return {
            "calibration": self.method_,
            "calibration_slope": self.slope_,
            "calibration_intercept": self.intercept_,
            "calibration_note": self.note_,
            "val_up_rate": self.up_rate_,
        }


@dataclass
class CalibratedProba:
    """A fold's test predictions: the model's own P(up) and the calibrator that maps it."""

    raw: np.ndarray
    calibrator: ProbabilityCalibrator

    @property
    def proba(self) -> np.ndarray:
        """Calibrated P(up)."""
        return self.calibrator.predict_proba(self.raw)


class CalibratedModel:
    """A trained torch module (logits) with its fold's calibrator.

    Parameters
    ----------
    module
        The fold's trained module, returning one logit per sequence.
    calibrator
        The fold's fitted :class:`ProbabilityCalibrator`.
    """

    def __init__(self, module: Any, calibrator: ProbabilityCalibrator) -> None:
        self.module = module
        self.calibrator = calibrator

    def predict_proba_raw(self, x: np.ndarray) -> np.ndarray:
        """The module's own sigmoid, shape ``(samples,)`` (an estimator's own P(up), in float64)."""
        own = getattr(self.module, "predict_proba", None)
        if callable(own):  # an EstimatorModule: the probability the walk-forward itself used
            return own(x)
        import torch

        device = next(self.module.parameters()).device
        self.module.eval()
        with torch.no_grad():
            chunks = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32, device=device).split(4096)
            logits = torch.cat([self.module(chunk) for chunk in chunks])
        return torch.sigmoid(logits).cpu().numpy().astype("float64")

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Calibrated P(up), shape ``(samples,)``."""
        return self.calibrator.predict_proba(self.predict_proba_raw(x))


def _too_small(label: np.ndarray) -> str | None:
    n_up = int(label.sum())
    n_down = len(label) - n_up
    if len(label) < MIN_ROWS or min(n_up, n_down) < MIN_PER_CLASS:
        return (
            f"validation tail too small to calibrate ({len(label)} rows, {n_up} up, {n_down} down; "
            f"needs {MIN_ROWS} rows and {MIN_PER_CLASS} of each class): P(up) is the model's own"
        )
    return None


def _platt_targets(label: np.ndarray) -> np.ndarray:
    n_up = float(label.sum())
    n_down = float(len(label) - n_up)
    return np.where(label, (n_up + 1.0) / (n_up + 2.0), 1.0 / (n_down + 2.0))


def _newton_logistic(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Coefficients maximising the logistic likelihood of soft ``target`` (Newton, step halving)."""
    coef = np.zeros(design.shape[1])
    loss = _nll(design @ coef, target)
    for _ in range(_NEWTON_STEPS):
        p = _sigmoid(design @ coef)
        gradient = design.T @ (p - target)
        hessian = design.T @ (design * (p * (1.0 - p))[:, None])
        step = np.linalg.solve(hessian + 1e-12 * np.eye(len(coef)), gradient)
        # Halve the step until the loss does not rise (the likelihood is concave, so this ends).
        while _nll(design @ (coef - step), target) > loss and np.max(np.abs(step)) > _TOLERANCE:
            step = step / 2.0
        coef = coef - step
        loss = _nll(design @ coef, target)
        if np.max(np.abs(step)) < _TOLERANCE:
            break
    return coef


def _nll(z: np.ndarray, target: np.ndarray) -> float:
    """Mean negative log-likelihood of logits ``z`` (stable: log(1 + e^z) - t z)."""
    return float(np.mean(np.logaddexp(0.0, z) - target * z))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype="float64")))


def _logit(p: np.ndarray | float) -> np.ndarray | float:
    p = np.clip(np.asarray(p, dtype="float64"), _CLIP, 1.0 - _CLIP)
    result = np.log(p) - np.log1p(-p)
    return float(result) if result.ndim == 0 else result
