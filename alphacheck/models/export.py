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

A plugin's variant is written the same way; its config names the ``plugin``
module, which must be loaded (``--plugin``) to rebuild it. An estimator
variant's ``.pt`` state holds the fitted estimator as skops bytes, written
also as ``<variant>.skops`` (load with ``skops.io.load``); it has no ONNX file.
A torch module that the ONNX exporter cannot trace gets none either, with an
:class:`~alphacheck.exceptions.ExportWarning`: the ``.pt`` file serves it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from alphacheck.exceptions import ConfigError, ExportWarning

__all__ = [
    "export_onnx",
    "load_calibrated_model",
    "load_model_file",
    "save_model_file",
    "write_variant_files",
]

_ONNX_OPSET = 17


def save_model_file(trained: Any, path: Path) -> Path:
    """Write ``{"state_dict", "config"}`` for a :class:`~alphacheck.walkforward.TrainedModel`.

    The config is also written beside it as ``<stem>.json`` (plain JSON, no weights).
    """
    import torch

    from alphacheck.models.registry import get_variant

    spec = get_variant(trained.variant)
    config = {
        "variant": trained.variant,
        "kind": spec.kind,
        "plugin": spec.plugin,
        "params": trained.params,
        "n_features": trained.n_features,
        "sequence_length": trained.sequence_length,
        "feature_columns": trained.feature_columns,
        "scaler_mean": trained.scaler_mean,
        "scaler_scale": trained.scaler_scale,
        "fold": trained.fold,
        "fold_dates": dict(getattr(trained, "fold_dates", {}) or {}),
        "calibration": trained.calibration,
    }
    state = {k: v.detach().cpu() for k, v in trained.module.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The config travels as JSON text: plain data that weights_only loading accepts as is.
    torch.save({"state_dict": state, "config": json.dumps(config)}, path)
    # The same config beside it, so that serving through ONNX Runtime needs no torch to read it.
    path.with_suffix(".json").write_text(json.dumps(config, indent=2))
    return path


def load_model_file(path: Path) -> tuple[Any, dict[str, Any]]:
    """Rebuild the module saved by :func:`save_model_file`; returns ``(module, config)``.

    The module is on the CPU in eval mode.
    """
    import torch

    from alphacheck.models.registry import VARIANTS, get_variant

    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    config = json.loads(saved["config"])
    plugin = config.get("plugin")
    if plugin and config["variant"] not in VARIANTS:
        raise ConfigError(
            f"{path}: variant {config['variant']!r} comes from plugin {plugin!r}, which is not loaded; "
            f"load it first (--plugin {plugin}, or import it)"
        )
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


def write_variant_files(trained: Any, folder: Path) -> list[Path]:
    """``<folder>/<variant>.pt`` and, as the variant allows, ``.onnx`` (torch) or ``.skops`` (estimator)."""
    from alphacheck.models.registry import get_variant

    folder = Path(folder)
    name = trained.variant
    written = [save_model_file(trained, folder / f"{name}.pt")]
    if get_variant(name).estimator:
        path = folder / f"{name}.skops"
        path.write_bytes(trained.module.skops.cpu().numpy().tobytes())
        return [*written, path]
    onnx_path = folder / f"{name}.onnx"
    try:
        written.append(export_onnx(trained.module, trained.n_features, trained.sequence_length, onnx_path))
    except Exception as exc:  # a plugin's module the exporters cannot trace: the .pt file still serves it
        onnx_path.unlink(missing_ok=True)
        if get_variant(name).plugin is None:
            raise  # a shipped variant always exports; failing here is a bug to see
        warnings.warn(
            f"{onnx_path.name} not written: the ONNX exporter cannot export variant {name!r} "
            f"({type(exc).__name__}: {str(exc)[:200]}); {name}.pt holds the model",
            ExportWarning,
            stacklevel=2,
        )
    return written

