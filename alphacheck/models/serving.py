"""A run's saved model, loaded for inference: ONNX Runtime when it can serve it, else torch.

:func:`load_served_model` reads ``models/<variant>.json`` (the model file's
config, written beside the ``.pt``; read from the ``.pt`` itself for folders
written before it existed), then picks the backend: ONNX Runtime for a torch
variant with an ``.onnx`` file when ``onnxruntime`` is installed (no torch
import at all), else the ``.pt`` file through torch (an estimator variant
always: its ``.pt`` holds the skops-saved estimator, served as ``skops``). Either way
``predict_proba_raw`` is the model's own P(up) and the config's calibrator
maps it to the calibrated P(up) the run traded on.

Same model, same sequences: through torch, P(up) is computed as the walk-forward
computed it (float32 logits, one sigmoid, float64); ONNX Runtime's kernels
round differently, within a few float32 ulps of torch's (about 1e-7).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alphacheck.exceptions import ConfigError
from alphacheck.models.calibration import ProbabilityCalibrator

__all__ = ["BACKENDS", "ServedModel", "load_served_model"]

BACKENDS = ("auto", "onnx", "torch")
# The walk-forward predicts in chunks of this many sequences (SequenceClassifier.predict_proba).
_CHUNK = 4096


@dataclass
class ServedModel:
    """One variant's saved model with what it takes to use it.

    Attributes
    ----------
    config
        The model file's config: variant, params, feature columns, scaler,
        sequence length, fold and its dates, calibration.
    backend
        ``onnx``, ``torch``, or ``skops`` (an estimator variant, whatever was asked).
    """

    config: dict[str, Any]
    backend: str
    _runner: Any

    @property
    def calibrator(self) -> ProbabilityCalibrator:
        """The fold's calibrator (the identity, with a note, for a file written before calibration)."""
        if self.config.get("calibration"):
            return ProbabilityCalibrator.from_dict(self.config["calibration"])
        calibrator = ProbabilityCalibrator("none").fit([], [])
        calibrator.note_ = "the model file predates calibration: P(up) is the model's own"
        return calibrator

    def scale(self, features: np.ndarray) -> np.ndarray:
        """Standardise raw feature rows with the fold's scaler (as the walk-forward did, in float64)."""
        mean = np.asarray(self.config["scaler_mean"], dtype="float64")
        scale = np.asarray(self.config["scaler_scale"], dtype="float64")
        return (np.asarray(features, dtype="float64") - mean) / scale

    def predict_proba_raw(self, sequences: np.ndarray) -> np.ndarray:
        """The model's own P(up) per standardised sequence ``(rows, time, features)``, float64."""
        return self._runner(np.asarray(sequences))


def load_served_model(path: Path, backend: str = "auto") -> ServedModel:
    """Load ``models/<variant>.pt`` (or its ``.json``/``.onnx`` siblings) for inference.

    Parameters
    ----------
    path
        The variant's ``.pt`` file.
    backend
        ``auto`` (ONNX Runtime when it can serve this model, else torch), ``onnx`` or ``torch``.

    Raises
    ------
    ConfigError
        For a missing file, an unknown backend, ``onnx`` asked for a model
        without an ``.onnx`` file or without onnxruntime installed, or a
        plugin variant whose plugin is not loaded.
    """
    path = Path(path)
    if backend not in BACKENDS:
        raise ConfigError(f"backend {backend!r} is unknown; choose one of {', '.join(BACKENDS)}")
    if not path.is_file():
        raise ConfigError(
            f"{path} is missing; give a run folder written by `alphacheck run` (models/<variant>.pt)"
        )
    from alphacheck.models.export import load_model_file

    config = _read_config(path)
    if config.get("kind") == "estimator":  # no ONNX file: the skops-saved estimator in the .pt serves it
        module, config = load_model_file(path)
        return ServedModel(config, "skops", module.predict_proba)
    onnx = path.with_suffix(".onnx")
    has_runtime = importlib.util.find_spec("onnxruntime") is not None
    if backend == "onnx" and not onnx.is_file():
        raise ConfigError(
            f"--backend onnx: {onnx} does not exist (the export failed when the run wrote it); use torch"
        )
    if backend == "onnx" and not has_runtime:
        raise ConfigError(
            "--backend onnx: onnxruntime is not installed; pip install onnxruntime, or use torch"
        )
    if backend in ("auto", "onnx") and onnx.is_file() and has_runtime:
        return ServedModel(config, "onnx", _onnx_runner(onnx))
    module, config = load_model_file(path)
    return ServedModel(config, "torch", _torch_runner(module))


def _read_config(path: Path) -> dict[str, Any]:
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        return json.loads(sidecar.read_text())
    import torch

    return json.loads(torch.load(path, map_location="cpu", weights_only=True)["config"])


def _onnx_runner(path: Path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # as the walk-forward predicts on the CPU
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(sequences: np.ndarray) -> np.ndarray:
        chunks = [sequences[i : i + _CHUNK] for i in range(0, len(sequences), _CHUNK)]
        logits = np.concatenate(
            [session.run(["logit"], {"sequences": c.astype("float32")})[0] for c in chunks]
        ).astype("float32")
        return (1.0 / (1.0 + np.exp(-logits))).astype("float64")

    return run


def _torch_runner(module: Any):
    import torch

    def run(sequences: np.ndarray) -> np.ndarray:
        # Chunked and cast as SequenceClassifier.predict_proba does, so the same rows give the same bits.
        with torch.no_grad():
            x = torch.as_tensor(np.ascontiguousarray(sequences), dtype=torch.float32)
            outputs = [torch.sigmoid(module(chunk)) for chunk in x.split(_CHUNK)]
        return torch.cat(outputs).numpy().astype("float64")

    return run
