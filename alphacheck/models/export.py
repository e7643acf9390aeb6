"""Model files: a state dict with its config (``.pt``) and an ONNX export (``.onnx``).

The ``.pt`` file holds only tensors, strings and numbers, so it loads with
``torch.load(path, weights_only=True)``; :func:`load_model_file` rebuilds the
module from the registry. The config's ``calibration`` is the fold's fitted
calibrator (:class:`~alphacheck.models.calibration.ProbabilityCalibrator`
``to_dict()``): the module's sigmoid is the model's own P(up), and
:func:`load_calibrated_model` gives a model whose ``predict_proba`` is the
calibrated P(up) that the run traded on. The ONNX graph takes ``sequences`` of
shape ``(batch, sequence_length, n_features)`` (already standardised with the
stored scaler) and returns ``logit`` of shape ``(batch,)``; its sigmoid is the
model's own (uncalibrated) P(up): pass it through the ``.pt`` file's calibrator.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

__all__ = ["export_onnx", "load_calibrated_model", "load_model_file", "save_model_file"]

_ONNX_OPSET = 17


def save_model_file(trained: Any, path: Path) -> Path:
    """Write ``{"state_dict", "config"}`` for a :class:`~alphacheck.walkforward.TrainedModel`."""
    import torch

    config = {
        "variant": trained.variant,
        "params": trained.params,
        "n_features": trained.n_features,
        "sequence_length": trained.sequence_length,
        "feature_columns": trained.feature_columns,
        "scaler_mean": trained.scaler_mean,
        "scaler_scale": trained.scaler_scale,
        "fold": trained.fold,
        "calibration": trained.calibration,
    }
    state = {k: v.detach().cpu() for k, v in trained.module.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The config travels as JSON text: plain data that weights_only loading accepts as is.
    torch.save({"state_dict": state, "config": json.dumps(config)}, path)
    return path


def load_model_file(path: Path) -> tuple[Any, dict[str, Any]]:
    """Rebuild the module saved by :func:`save_model_file`; returns ``(module, config)``.

    The module is on the CPU in eval mode.
    """
    import torch

    from alphacheck.models.registry import get_variant

    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    config = json.loads(saved["config"])
    module = get_variant(config["variant"]).build_model(config["n_features"], config["params"])
    module.load_state_dict(saved["state_dict"])
    return module.eval(), config


def load_calibrated_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """The model of :func:`load_model_file` with its fold's calibrator; returns ``(model, config)``.

    ``model.predict_proba(sequences)`` is the calibrated P(up) and
    ``model.predict_proba_raw(sequences)`` the module's own sigmoid. A file
    written before calibration existed has no calibrator: its P(up) is the
    module's own, and the calibrator's ``note_`` says so.
    """
    from alphacheck.models.calibration import CalibratedModel, ProbabilityCalibrator

    module, config = load_model_file(path)
    if config.get("calibration"):
        calibrator = ProbabilityCalibrator.from_dict(config["calibration"])
    else:
        calibrator = ProbabilityCalibrator("none").fit([], [])
        calibrator.note_ = f"{path} was written before calibration: P(up) is the model's own"
    return CalibratedModel(module, calibrator), config


def export_onnx(module: Any, n_features: int, sequence_length: int, path: Path) -> Path:
    """Export ``module`` to ONNX with a dynamic batch axis."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.cpu().eval()
    example = torch.zeros(2, sequence_length, n_features)
    names = {"input_names": ["sequences"], "output_names": ["logit"], "opset_version": _ONNX_OPSET}
    try:
        # The TorchScript exporter takes well under a second here; the dynamo one 5-20 s per model.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example,),
                str(path),
                dynamic_axes={"sequences": {0: "batch"}, "logit": {0: "batch"}},
                dynamo=False,
                **names,
            )
    except (TypeError, RuntimeError, NotImplementedError):  # a torch without the TorchScript exporter
        batch = torch.export.Dim("batch")
        torch.onnx.export(module, (example,), str(path), dynamic_shapes=({0: batch},), dynamo=True, **names)
    return path

