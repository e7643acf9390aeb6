"""Model files: weights-only loading of the .pt file, and ONNX Runtime agreeing with torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from alphacheck.models import VARIANTS, get_variant
from alphacheck.models.export import export_onnx, load_model_file, save_model_file
from alphacheck.walkforward import TrainedModel
from tests.conftest import require

ort = require("onnxruntime")


def _trained(name: str) -> TrainedModel:
    spec = get_variant(name)
    params = spec.resolve({})
    torch.manual_seed(4)
    module = spec.build_model(6, params).eval()
    return TrainedModel(module, name, params, 6, 8, [f"f{i}" for i in range(6)], [0.0] * 6, [1.0] * 6, fold=3)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_onnx_runtime_agrees_with_torch(name, tmp_path):
    trained = _trained(name)
    path = export_onnx(trained.module, 6, 8, tmp_path / f"{name}.onnx")
    x = np.random.default_rng(0).normal(size=(5, 8, 6)).astype("float32")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_logit = session.run(["logit"], {"sequences": x})[0]
    with torch.no_grad():
        torch_logit = trained.module(torch.as_tensor(x)).numpy()
    assert onnx_logit.shape == (5,)
    np.testing.assert_allclose(onnx_logit, torch_logit, rtol=0, atol=1e-5)


def test_state_dict_file_loads_weights_only_and_rebuilds_the_model(tmp_path):
    trained = _trained("enhanced")
    path = save_model_file(trained, tmp_path / "enhanced.pt")
    raw = torch.load(path, weights_only=True)
    assert set(raw) == {"state_dict", "config"}
    module, config = load_model_file(path)
    assert config["variant"] == "enhanced" and config["fold"] == 3 and config["sequence_length"] == 8
    x = torch.randn(4, 8, 6)
    with torch.no_grad():
        assert torch.equal(module(x), trained.module(x))
